import { describe, expect, it } from 'vitest';
import type { FileJob } from '../../src/audit/file-runner.js';
import { BatchQueue, poolSize, runOnThisThread } from '../../src/audit/pool.js';

const job = (path: string, size: number): FileJob => ({ path, size, language: 'ts', packageDir: '.' });

describe('BatchQueue: the files shared by the workers and the main thread', () => {
  const sizes = [5, 300_000, 10, 120_000, 7, 200_000, 1, 90_000];
  const jobs = sizes.map((size, i) => job(`f${i}.ts`, size));

  it('cuts batches by byte budget, largest files first from the front, smallest from the back', () => {
    const queue = new BatchQueue(jobs, 3, 250_000);
    expect(queue.remaining).toBe(4);
    expect(queue.takeLargest()!.map((j) => j.size)).toEqual([300_000]);
    expect(queue.takeSmallest()!.map((j) => j.size)).toEqual([5, 1]);
    expect(queue.takeLargest()!.map((j) => j.size)).toEqual([200_000, 120_000]);
    expect(queue.takeSmallest()!.map((j) => j.size)).toEqual([90_000, 10, 7]);
    expect(queue.remaining).toBe(0);
    expect(queue.takeLargest()).toBeUndefined();
    expect(queue.takeSmallest()).toBeUndefined();
  });

  it('cuts batches by file count, and hands every job out exactly once whichever end takes it', () => {
    const queue = new BatchQueue(jobs, 2, Infinity);
    const seen: string[] = [];
    for (let i = 0; queue.remaining > 0; i++) seen.push(...(i % 2 ? queue.takeSmallest()! : queue.takeLargest()!).map((j) => j.path));
    expect(seen.sort()).toEqual(jobs.map((j) => j.path).sort());
  });

  it('runOnThisThread drains the queue from the back, reporting progress per batch', async () => {
    const queue = new BatchQueue(jobs, 3, Infinity);
    const progress: number[] = [];
    const results = await runOnThisThread(queue, (j) => ({ path: j.path, drafts: [], signals: {} }), (n) => progress.push(n));
    expect(results.map((r) => r.path)).toEqual(['f0.ts', 'f6.ts', 'f7.ts', 'f2.ts', 'f4.ts', 'f1.ts', 'f5.ts', 'f3.ts']);
    expect(progress).toEqual([2, 3, 3]);
    expect(queue.remaining).toBe(0);
  });
});

describe('poolSize: file workers besides the main thread', () => {
  it('is none on one or two cores, two fewer than the cores above that, at most 4', () => {
    expect([1, 2, 3, 4, 5, 6, 8, 64].map((cores) => poolSize(cores))).toEqual([0, 0, 1, 2, 3, 4, 4, 4]);
  });
});
