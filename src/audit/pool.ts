import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ConfiguredRule, FileJob, FileResult } from './file-runner.js';
import type { Timer } from './timing.js';

const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Workers exist only in the built package; under a TypeScript loader (tests) the work runs in-process. */
export function workersAvailable(): boolean {
  return existsSync(workerFile);
}

/** Below this many files to audit, starting worker threads costs more than it saves. */
export const minJobsForWorkers = 300;

/**
 * Worker threads besides the main thread, which audits files too once its own work is done: none on one or two cores,
 * else two fewer than there are cores, at most 4. V8's own threads (garbage collection, optimising compiler) keep
 * about 0.4 of a core busy behind each thread of JavaScript: on two cores two parses of the same tree side by side
 * took 1.5 times as long as one, not the same time, and an audit with one worker took 10-20% longer than without (its
 * start-up, a second copy of TypeScript and the rules warming up, and the copying of files and results cost more than
 * the share it audited). Above two cores a core is left to those threads. The tree is read on a thread of its own
 * whatever the count (tree-thread.ts), while this one loads its code.
 */
export function poolSize(cores = availableParallelism()): number {
  return cores <= 2 ? 0 : Math.min(cores - 2, 4);
}

export function autoWorkers(jobs: number): number {
  if (!workersAvailable() || jobs < minJobsForWorkers) return 0;
  return poolSize();
}

/** What the main thread posts to a worker: the configured rules once, then batches of files. */
export type WorkerMessage =
  | { init: { rules: Array<{ id: string; options: unknown; prepared?: unknown }>; timing: boolean } }
  | { batch: FileJob[] };

/** A worker's answer to a batch; with `--timing`, what it measured since its previous answer. */
export interface WorkerReply {
  results: FileResult[];
  timing?: Record<string, number>;
  milestones?: Array<[string, number]>;
}

/**
 * Batches of at most 32 files or 256 KiB, largest files first. Workers take them from the front as they free up, so
 * one huge file does not stall the others; the main thread takes them from the back, so its batches are short and it
 * returns to the event loop (where the workers' replies wait to be answered) often, and the threads finish together.
 */
export class BatchQueue {
  private readonly batches: FileJob[][] = [];
  private head = 0;
  private tail: number;

  constructor(jobs: readonly FileJob[], maxFiles = 32, maxBytes = 256 * 1024) {
    let current: FileJob[] = [];
    let bytes = 0;
    for (const job of [...jobs].sort((a, b) => b.size - a.size)) {
      current.push(job);
      bytes += job.size;
      if (current.length >= maxFiles || bytes >= maxBytes) {
        this.batches.push(current);
        current = [];
        bytes = 0;
      }
    }
    if (current.length) this.batches.push(current);
    this.tail = this.batches.length;
  }

  get remaining(): number {
    return this.tail - this.head;
  }

  takeLargest(): FileJob[] | undefined {
    return this.head < this.tail ? this.batches[this.head++] : undefined;
  }

  takeSmallest(): FileJob[] | undefined {
    return this.head < this.tail ? this.batches[--this.tail] : undefined;
  }
}

/**
 * A worker's young generation (three times its semi-space): parsing allocates hundreds of megabytes of short-lived
 * nodes, and with V8's default 16 MiB semi-space the collector promoted and re-scanned enough of them to take a fifth
 * of a worker's time; at 64 MiB that time halves, for about 60 MB more peak memory on formbricks.
 */
const youngGenerationMb = 192;

/**
 * Batches a worker holds at once while plenty remain: while it audits one, the next are already on its way. More than
 * one in advance because the main thread answers a worker's reply only between its own tasks, and the repository
 * rules it runs first take up to a few hundred milliseconds each, during which a worker holding two batches ran dry.
 */
const inFlightPerWorker = 6;

/**
 * Worker threads for file rules. They are started while the main thread lists and reads the files, so that loading
 * the rules and TypeScript in each (over half a second) overlaps the main thread's discovery and rule loading.
 */
export class WorkerPool {
  private readonly threads: Worker[];
  private failure: Error | undefined;

  constructor(readonly size: number) {
    this.threads = Array.from({ length: size }, () => {
      const thread = new Worker(workerFile, { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } });
      // Until `run` listens, a failing worker is remembered rather than left to crash the process, and an idle one
      // does not keep the process alive should the audit fail before it runs.
      thread.on('error', (error) => {
        this.failure ??= error;
      });
      thread.unref();
      return thread;
    });
  }

  /** Feeds the workers from `queue` until it is empty and every batch handed out has come back. */
  async run(queue: BatchQueue, rules: readonly ConfiguredRule[], onDone: (count: number) => void, timer?: Timer): Promise<FileResult[]> {
    const results: FileResult[] = [];
    const init: WorkerMessage = {
      init: {
        rules: rules.map(({ rule, options, prepared }) => ({ id: rule.meta.id, options, prepared })),
        timing: timer !== undefined,
      },
    };
    await Promise.all(
      this.threads.map(
        (thread, index) =>
          new Promise<void>((resolve, reject) => {
            if (this.failure) {
              reject(this.failure);
              return;
            }
            let inFlight = 0;
            const onExit = (code: number): void => reject(new Error(`audit worker exited with code ${code}`));
            const onMessage = (reply: WorkerReply): void => {
              inFlight--;
              for (const r of reply.results) results.push(r);
              if (reply.timing) timer?.merge(reply.timing);
              if (reply.milestones) timer?.milestones.push(...reply.milestones.map(([label, at]): [string, number] => [`worker ${index + 1}: ${label}`, at]));
              onDone(reply.results.length);
              feed();
            };
            const feed = (): void => {
              // A second batch in advance only while plenty remain: at the end, a batch waiting in one worker's
              // queue is a batch another thread could be auditing.
              while (inFlight < (queue.remaining > this.threads.length * inFlightPerWorker ? inFlightPerWorker : 1)) {
                const batch = queue.takeLargest();
                if (!batch) break;
                inFlight++;
                // Bytes travel as copies of their own, transferred: a view would clone its whole read buffer.
                const jobs = batch.map((job) => (job.bytes ? { ...job, bytes: new Uint8Array(job.bytes) } : job));
                thread.postMessage({ batch: jobs } satisfies WorkerMessage, jobs.flatMap((job) => (job.bytes ? [job.bytes.buffer as ArrayBuffer] : [])));
              }
              if (inFlight > 0) return;
              thread.off('message', onMessage).off('error', reject).off('exit', onExit);
              thread.unref();
              timer?.milestone(`worker ${index + 1}: done`);
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

/**
 * Audits batches from the back of `queue` on this thread until it is empty, returning to the event loop between
 * batches so that workers sharing the queue are answered (and fed) without waiting for this thread.
 */
export async function runOnThisThread(
  queue: BatchQueue,
  audit: (job: FileJob) => FileResult,
  onDone: (count: number) => void,
): Promise<FileResult[]> {
  const results: FileResult[] = [];
  for (let batch = queue.takeSmallest(); batch; batch = queue.takeSmallest()) {
    for (const job of batch) results.push(audit(job));
    onDone(batch.length);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return results;
}
