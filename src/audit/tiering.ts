import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags an audit runs faster with, per V8 line (Node 20 is V8 11.3, Node 22 is V8 12.4, Node 24 is V8 13.6). An
 * audit runs a thousand different functions for a few seconds each, and everything V8's optimising compilers do on
 * their background threads is CPU taken from the main thread and the tree read on a two-vCPU machine. Measured on
 * formbricks in paired, alternating rounds (docs/benchmark.md):
 *
 * - The optimisation budget, four times V8's default: TurboFan optimised 514 functions instead of 1,026, about 1.2 s
 *   less CPU and 0.24–0.38 s less wall time on Node 20 and 22. Twice or eight times measured less; half the default
 *   0.6 s slower. Node 24 measured no difference and keeps its default.
 * - WebAssembly left to its baseline compiler (`--liftoff-only`): libpg-query (1.7 MB of WebAssembly) parses a few
 *   hundred statements per run, and its optimised tier was compiled in the background for nothing, while the main
 *   thread's event loop waited for those compile jobs whenever it had nothing else to wait for. 0.5 s less CPU and
 *   0.28 s less wall time on Node 20, 0.4 s less CPU on Node 22, 2.9 s less CPU and 1 s less wall time on Node 24.
 *
 * An unknown flag would print a warning, so only flags known for the running V8 are set.
 */
const flagsByV8: ReadonlyMap<number, readonly string[]> = new Map([
  [11, [`--interrupt-budget=${4 * 67_584}`, '--liftoff-only']],
  [12, [`--invocation-count-for-turbofan=${4 * 3_000}`, '--liftoff-only']],
  [13, ['--liftoff-only']],
]);

/** `--no-liftoff-only` and `--liftoff_only=false` name the same flag as `--liftoff-only`. */
function flagName(flag: string): string {
  return flag
    .replace(/^--/, '')
    .split('=')[0]!
    .replaceAll('_', '-')
    .replace(/^no-/, '');
}

/**
 * The flags to set for this V8: none for an unknown line, and none the user set on Node's command line (Node refuses
 * these flags in NODE_OPTIONS, so the command line is the only place a user can set them).
 */
export function tieringFlags(v8Version: string, userFlags: readonly string[]): string[] {
  const flags = flagsByV8.get(Number.parseInt(v8Version, 10)) ?? [];
  const usersOwn = new Set(userFlags.filter((f) => f.startsWith('--')).map(flagName));
  return flags.filter((f) => !usersOwn.has(flagName(f)));
}

/**
 * Sets those flags for the rest of the process, its worker threads included (V8's flags are per process). The command
 * line calls it when an audit starts, before its threads and before any WebAssembly is compiled; `auditRun` itself
 * does not, as a program embedding the audit owns its process's flags.
 */
export function tuneTiering(): void {
  for (const flag of tieringFlags(process.versions.v8, process.execArgv)) setFlagsFromString(flag);
}
