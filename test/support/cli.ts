import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { inject } from 'vitest';

export const repoRoot = join(import.meta.dirname, '..', '..');
/** The built bin, from the private copy test/support/global-setup.ts takes. */
export const bin = inject('prodgradeBin') ?? join(repoRoot, 'bin', 'prodgrade.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface CliOptions {
  cwd?: string;
  /** Added to a clean environment (CI=1, no colour variables, a private cache directory). */
  env?: Record<string, string | undefined>;
  timeout?: number;
}

/** A cache directory private to this test file, so runs never touch the user's ~/.cache. */
export const defaultCacheDir = realpathSync(mkdtempSync(join(tmpdir(), 'prodgrade-cache-')));

export function removeDefaultCacheDir(): void {
  rmSync(defaultCacheDir, { recursive: true, force: true });
}

function cleanEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(?:FORCE_COLOR|NO_COLOR|PRODGRADE_.*|XDG_CACHE_HOME|VITEST.*|NODE_OPTIONS)$/.test(key)) continue;
    env[key] = value;
  }
  env.CI = '1';
  env.PRODGRADE_CACHE_DIR = defaultCacheDir;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs the built bin the way a user does: stdin closed, stdout/stderr piped (not a terminal). Never rejects. */
export async function prodgrade(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: cleanEnv(options.env ?? {}),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: options.timeout ?? 45_000,
    stripFinalNewline: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), timedOut: Boolean(result.timedOut) };
}

/** Lines of stderr without the trailing empty one. */
export function stderrLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((l) => l.length > 0);
}

/**
 * A configuration with only the given shipped rules on, so e2e expectations do not move when other rules are added.
 */
export async function onlyRules(enabled: readonly string[], extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const { registry } = await import('../../src/audit/registry.js');
  const rules = Object.fromEntries(registry.filter((r) => !enabled.includes(r.meta.id)).map((r) => [r.meta.id, 'off']));
  return { ...extra, rules: { ...rules, ...((extra.rules as Record<string, unknown> | undefined) ?? {}) } };
}
