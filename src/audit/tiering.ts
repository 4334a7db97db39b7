import { setFlagsFromString } from 'node:v8';

/**
 * How long V8 lets a function run before optimising it, per V8 line (Node 20 is V8 11.3, Node 22 is V8 12.4), set to
 * four times V8's default. An audit runs a thousand different functions for a few seconds each: with the default, V8's
 * optimising compiler compiled about 1,000 of them on its background threads, about 5 s of CPU beside the 5 s of the
 * audit on a two-vCPU machine, where that CPU is taken from the main thread and the tree read. Four times the budget
 * measured about 1.2 s less CPU and 0.24–0.38 s less wall time on Node 20 and 22 (docs/benchmark.md); twice or eight
 * times measured less; a smaller budget measured 0.6 s slower. V8 13 (Node 24) measured no difference, so it is left
 * alone, as is any V8 whose flag names are not known here (an unknown flag would print a warning).
 */
const budgets: ReadonlyArray<{ v8Major: number; flag: string; value: number }> = [
  { v8Major: 11, flag: '--interrupt-budget', value: 4 * 67_584 },
  { v8Major: 12, flag: '--invocation-count-for-turbofan', value: 4 * 3_000 },
];

/** The flag to set for this V8, or undefined when there is none or the user set it (in the command line or NODE_OPTIONS). */
export function tieringFlag(v8Version: string, userFlags: readonly string[]): string | undefined {
  const major = Number.parseInt(v8Version, 10);
  const budget = budgets.find((b) => b.v8Major === major);
  if (!budget) return undefined;
  const name = budget.flag.slice(2);
  const spellings = new Set([name, name.replaceAll('-', '_')]);
  if (userFlags.some((f) => spellings.has(f.replace(/^--/, '').split('=')[0]!))) return undefined;
  return `${budget.flag}=${budget.value}`;
}

/**
 * Raises V8's optimisation budget for the rest of the process, its worker threads included (V8's flags are per
 * process). Called once when an audit starts, before its threads do.
 */
export function tuneTiering(): void {
  const flag = tieringFlag(process.versions.v8, [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]);
  if (flag) setFlagsFromString(flag);
}
