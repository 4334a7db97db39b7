import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runFileRules, type ConfiguredRule, type FileJob, type FileResult } from './file-runner.js';
import type { Timer } from './timing.js';

const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Workers exist only in the built package; under a TypeScript loader (tests) the work runs in-process. */
export function workersAvailable(): boolean {
  return existsSync(workerFile);
}

/** Below this many files to audit, starting worker threads costs more than it saves. */
export const minJobsForWorkers = 300;

export function poolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

export function autoWorkers(jobs: number): number {
  if (!workersAvailable() || jobs < minJobsForWorkers) return 0;
  return poolSize();
}

/** What the main thread posts to a worker: the configured rules once, then batches of files. */
export type WorkerMessage =
  | { init: { rules: Array<{ id: string; category: string; options: unknown; prepared?: unknown }>; timing: boolean } }
  | { batch: FileJob[] };

/** A worker's answer to a batch; with `--timing`, what it measured since its previous answer. */
export interface WorkerReply {
  results: FileResult[];
  timing?: Record<string, number>;
}

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

  async run(jobs: readonly FileJob[], rules: readonly ConfiguredRule[], onDone: (count: number) => void, timer?: Timer): Promise<FileResult[]> {
    const batches = batchesOf(jobs);
    const results: FileResult[] = [];
    const init: WorkerMessage = {
      init: {
        rules: rules.map(({ rule, options, prepared }) => ({ id: rule.meta.id, category: rule.meta.category, options, prepared })),
        timing: timer !== undefined,
      },
    };
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
            const onMessage = (reply: WorkerReply): void => {
              for (const r of reply.results) results.push(r);
              if (reply.timing) timer?.merge(reply.timing);
              onDone(reply.results.length);
              feed();
            };
            const feed = (): void => {
              const batch = batches[next++];
              if (batch) {
                // Bytes travel as copies of their own, transferred: a view would clone its whole read buffer.
                const jobs = batch.map((job) => (job.bytes ? { ...job, bytes: new Uint8Array(job.bytes) } : job));
                thread.postMessage({ batch: jobs } satisfies WorkerMessage, jobs.flatMap((job) => (job.bytes ? [job.bytes.buffer as ArrayBuffer] : [])));
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
  timer?: Timer,
): Promise<FileResult[]> {
  if (jobs.length === 0) return [];
  if (pool) return pool.run(jobs, rules, onDone, timer);
  if (workers === 0) {
    const results: FileResult[] = [];
    for (const job of jobs) {
      results.push(runFileRules(job, rules, undefined, undefined, timer));
      onDone(1);
    }
    return results;
  }
  const own = new WorkerPool(Math.min(workers, batchesOf(jobs).length));
  try {
    return await own.run(jobs, rules, onDone, timer);
  } finally {
    await own.close();
  }
}
