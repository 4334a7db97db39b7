import { PerformanceObserver } from 'node:perf_hooks';

/**
 * Internal timing (`prodgrade audit --timing`, or `PRODGRADE_TIMING=1`): exclusive milliseconds per phase and per
 * rule, on the main thread and in every worker, printed to stderr at the end of the audit. Off, it costs nothing: the
 * engine holds `undefined` instead of a timer.
 */
export function timingEnabled(): boolean {
  const value = process.env.PRODGRADE_TIMING;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** Exclusive times: entering a nested key pauses the enclosing one, so every millisecond is counted once. */
export class Timer {
  readonly totals: Record<string, number> = Object.create(null) as Record<string, number>;
  /** What the worker threads measured, summed, and how many there were. */
  workerTotals: Record<string, number> = {};
  workers = 0;
  /** Moments on the shared clock (epoch milliseconds), in the order they were recorded, from every thread. */
  readonly milestones: Array<[string, number]> = [];
  private readonly stack: string[] = [];
  private mark = performance.now();
  private gc: PerformanceObserver | undefined;

  constructor(watchGc = true) {
    if (!watchGc) return;
    // Garbage collection overlaps whatever ran when it struck; it is listed on its own, not subtracted.
    this.gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.add('(of which garbage collection)', entry.duration);
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  /** Records that `label` happened now; the report lists it in milliseconds since the process started. */
  milestone(label: string): void {
    this.milestones.push([label, performance.timeOrigin + performance.now()]);
  }

  add(key: string, ms: number): void {
    this.totals[key] = (this.totals[key] ?? 0) + ms;
  }

  enter(key: string): void {
    const now = performance.now();
    const top = this.stack.at(-1);
    if (top !== undefined) this.add(top, now - this.mark);
    this.stack.push(key);
    this.mark = now;
  }

  exit(): void {
    const now = performance.now();
    const top = this.stack.pop();
    if (top !== undefined) this.add(top, now - this.mark);
    this.mark = now;
  }

  time<T>(key: string, fn: () => T): T {
    this.enter(key);
    try {
      return fn();
    } finally {
      this.exit();
    }
  }

  async timeAsync<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.enter(key);
    try {
      return await fn();
    } finally {
      this.exit();
    }
  }

  /** Takes what was measured so far and starts again from zero (workers send their figures with every batch). */
  drain(): Record<string, number> {
    const out = { ...this.totals };
    for (const key of Object.keys(this.totals)) delete this.totals[key];
    return out;
  }

  merge(other: Readonly<Record<string, number>>): void {
    for (const [key, ms] of Object.entries(other)) this.add(key, ms);
  }

  stop(): void {
    this.milestone('end');
    this.gc?.disconnect();
  }

  format(): string {
    return formatTiming(this.totals, this.workerTotals, this.workers) + formatMilestones(this.milestones);
  }
}

function table(title: string, totals: Readonly<Record<string, number>>, order: 'given' | 'desc', limit = Infinity): string {
  const entries = Object.entries(totals).filter(([, ms]) => ms >= 0.5);
  if (order === 'desc') entries.sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, limit);
  const width = Math.max(10, ...shown.map(([k]) => k.length));
  const lines = shown.map(([key, ms]) => `  ${key.padEnd(width)} ${Math.round(ms).toString().padStart(7)} ms`);
  if (entries.length > shown.length) lines.push(`  … ${entries.length - shown.length} more under ${Math.round(shown.at(-1)?.[1] ?? 0)} ms`);
  return `${title}\n${lines.join('\n')}\n`;
}

/** The report printed to stderr: main-thread phases in order, worker totals, then rules by cost. */
export function formatTiming(main: Readonly<Record<string, number>>, workers: Readonly<Record<string, number>>, workerCount: number): string {
  const phases: Record<string, number> = {};
  const rules: Record<string, number> = {};
  for (const [key, ms] of Object.entries(main)) {
    if (key.startsWith('rule ')) rules[key.slice(5)] = (rules[key.slice(5)] ?? 0) + ms;
    else phases[key] = ms;
  }
  const workerPhases: Record<string, number> = {};
  for (const [key, ms] of Object.entries(workers)) {
    if (key.startsWith('rule ')) rules[key.slice(5)] = (rules[key.slice(5)] ?? 0) + ms;
    else workerPhases[key] = ms;
  }
  let out = 'prodgrade timing (--timing / PRODGRADE_TIMING=1), exclusive milliseconds\n';
  out += table('main thread (wall clock, in order):', phases, 'given');
  if (workerCount > 0) out += table(`worker threads (summed over ${workerCount}):`, workerPhases, 'desc');
  out += table('rules (all threads; a file rule: its check and visitors; a repository rule: its check, without the parses it asks the model for):', rules, 'desc', 40);
  return out;
}

/** When each recorded moment came, since this process started: where one thread waited for another. */
function formatMilestones(milestones: ReadonlyArray<readonly [string, number]>): string {
  if (milestones.length === 0) return '';
  const sorted = [...milestones].sort((a, b) => a[1] - b[1]);
  const width = Math.max(10, ...sorted.map(([label]) => label.length));
  const lines = sorted.map(([label, at]) => `  ${label.padEnd(width)} ${Math.round(at - performance.timeOrigin).toString().padStart(7)} ms`);
  return `timeline (since the process started):\n${lines.join('\n')}\n`;
}
