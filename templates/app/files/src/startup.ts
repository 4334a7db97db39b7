import { ConfigError } from './config.js';

/**
 * How every entry point (API, worker, migrations, dev, key rotation) reports the error that stopped it: a
 * configuration problem prints its list of problems only, anything else its stack.
 */
export function reportStartupError(error: unknown): void {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}
