import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runFileRules, type ConfiguredRule, type FileJob, type FileResult } from './file-runner.js';

const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Workers exist only in the built package; under a TypeScript loader (tests) the work runs in-process. */
export function workersAvailable(): boolean {
  return existsSync(workerFile);
}

/** What the main thread posts to a worker: the configured rules once, then batches of files. */
export type WorkerMessage = { init: { rules: Array<{ id: string; options: unknown; prepared?: unknown }> } } | { batch: FileJob[] };

/**
 * Batches of at most 64 files or 1 MiB, largest files first: handed out as threads free up, one huge file does not
 * stall the others, and the small files at the end even out the threads' finishing times.
 */
function batchesOf(jobs: readonly FileJob[], maxFiles = 64, maxBytes = 1024 * 1024): FileJob[][] {
  const batches: FileJob[][] = [];
  let current: FileJob[] = [];
  let bytes = 0;
  for (const job of [...jobs].sort((a, b) => b.size - a.size)) {
    current.push(job);
    bytes += job.size;
    if (current.length >= maxFiles || bytes >= maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length) batches.push(current);
  return batches;
}

/**
 * Worker threads for file rules. They are started before the files are even listed, so that loading the rules and
 * TypeScript in each (over half a second) overlaps the main thread's discovery and repository rules.
 */
export class WorkerPool {
  private readonly threads: Worker[];
  private failure: Error | undefined;

  constructor(readonly size: number) {
    this.threads = Array.from({ length: size }, () => {
      const thread = new Worker(workerFile);
      // Until `run` listens, a failing worker is remembered rather than left to crash the process, and an idle one
      // does not keep the process alive should the audit fail before it runs.
      thread.on('error', (error) => {
        this.failure ??= error;
      });
      thread.unref();
      return thread;
    });
  }

  async run(jobs: readonly FileJob[], rules: readonly ConfiguredRule[], onDone: (count: number) => void): Promise<FileResult[]> {
    const batches = batchesOf(jobs);
    const results: FileResult[] = [];
    const init: WorkerMessage = { init: { rules: rules.map(({ rule, options, prepared }) => ({ id: rule.meta.id, options, prepared })) } };
    let next = 0;
    await Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<void>((resolve, reject) => {
            if (this.failure) {
              reject(this.failure);
              return;
            }
            const onExit = (code: number): void => reject(new Error(`audit worker exited with code ${code}`));
            const onMessage = (batchResults: FileResult[]): void => {
              results.push(...batchResults);
              onDone(batchResults.length);
              feed();
            };
            const feed = (): void => {
              const batch = batches[next++];
              if (batch) {
                thread.postMessage({ batch } satisfies WorkerMessage);
                return;
              }
              thread.off('message', onMessage).off('error', reject).off('exit', onExit);
              thread.unref();
              resolve();
            };
            thread.ref();
            thread.on('message', onMessage).on('error', reject).on('exit', onExit);
            thread.postMessage(init);
            feed();
          }),
      ),
    );
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

/** Runs file rules over jobs on `workers` threads (or on `pool` when given), or in-process when `workers` is 0. */
export async function runFileJobs(
  jobs: readonly FileJob[],
  rules: readonly ConfiguredRule[],
  workers: number,
  onDone: (count: number) => void,
  pool?: WorkerPool,
): Promise<FileResult[]> {
  if (jobs.length === 0) return [];
  if (pool) return pool.run(jobs, rules, onDone);
  if (workers === 0) {
    const results: FileResult[] = [];
    for (const job of jobs) {
      results.push(runFileRules(job, rules));
      onDone(1);
    }
    return results;
  }
  const own = new WorkerPool(Math.min(workers, batchesOf(jobs).length));
  try {
    return await own.run(jobs, rules, onDone);
  } finally {
    await own.close();
  }
}
