import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runFileRules, type ConfiguredRule, type FileJob, type FileResult } from './file-runner.js';

const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Workers exist only in the built package; under a TypeScript loader (tests) the work runs in-process. */
export function workersAvailable(): boolean {
  return existsSync(workerFile);
}

function batchesOf(jobs: readonly FileJob[], maxFiles: number, maxBytes: number): FileJob[][] {
  const batches: FileJob[][] = [];
  let current: FileJob[] = [];
  let bytes = 0;
  for (const job of jobs) {
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
 * Runs file rules over jobs on `workers` threads (batches handed out as threads free up, so one huge file does not
 * stall the others), or in-process when `workers` is 0.
 */
export async function runFileJobs(
  jobs: readonly FileJob[],
  rules: readonly ConfiguredRule[],
  workers: number,
  onDone: (count: number) => void,
): Promise<FileResult[]> {
  if (workers === 0 || jobs.length === 0) {
    const results: FileResult[] = [];
    for (const job of jobs) {
      results.push(runFileRules(job, rules));
      onDone(1);
    }
    return results;
  }
  const batches = batchesOf(jobs, 64, 1024 * 1024);
  const results: FileResult[] = [];
  const init = { rules: rules.map(({ rule, options, prepared }) => ({ id: rule.meta.id, options, prepared })) };
  let next = 0;
  const threads = Array.from({ length: Math.min(workers, batches.length) }, () => new Worker(workerFile, { workerData: init }));
  try {
    await Promise.all(
      threads.map(
        (thread) =>
          new Promise<void>((resolve, reject) => {
            const feed = (): void => {
              const batch = batches[next++];
              if (!batch) {
                resolve();
                return;
              }
              thread.postMessage(batch);
            };
            thread.on('message', (batchResults: FileResult[]) => {
              results.push(...batchResults);
              onDone(batchResults.length);
              feed();
            });
            thread.on('error', reject);
            thread.on('exit', (code) => {
              if (code !== 0) reject(new Error(`audit worker exited with code ${code}`));
            });
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  return results;
}
