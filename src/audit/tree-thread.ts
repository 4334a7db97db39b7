import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromPortable, type Discovery, type PortableDiscovery } from './discover.js';
import type { parsePrisma } from './parsers/prisma.js';

const workerFile = fileURLToPath(new URL('./tree-worker.js', import.meta.url));

/** What the tree thread is given: the real file system's root and the configuration's file options. */
export interface TreeWorkerData {
  root: string;
  exclude: readonly string[];
  include: readonly string[];
  maxFileBytes: number;
}

export type TreeWorkerReply =
  | { found: number }
  | { discovery: PortableDiscovery }
  | { failed: string }
  | { prismaParsed: Array<{ path: string; result: ReturnType<typeof parsePrisma> }> };

type PrismaResults = ReadonlyMap<string, ReturnType<typeof parsePrisma>>;

/**
 * A worker thread that reads the tree while the main thread loads its rules, its engine and TypeScript (which take
 * about as long), then parses the Prisma schemas, which only the prepare steps, after the repository rules, wait for.
 * Whatever it fails at, the main thread does itself. More work measured slower here: running the repository rules on
 * this thread, on a copy of the tree, while the main thread ran the file rules, made a two-core audit 0.3 s slower,
 * as every second thread of JavaScript did (see docs/benchmark.md).
 */
export class TreeThread {
  /** The tree, or undefined when the thread failed (the caller then reads it itself). */
  readonly discovery: Promise<Discovery | undefined>;
  /** The Prisma schemas of the tree, parsed; empty when there are none or the thread failed. */
  readonly prisma: Promise<PrismaResults>;
  private settleDiscovery!: (discovery: Discovery | undefined) => void;
  private settlePrisma!: (parsed: PrismaResults) => void;

  /** Starts the thread, or returns undefined where the built worker file does not exist (tests under a TypeScript loader). */
  static start(data: TreeWorkerData, onProgress?: (found: number) => void): TreeThread | undefined {
    return existsSync(workerFile) ? new TreeThread(data, onProgress) : undefined;
  }

  private constructor(data: TreeWorkerData, onProgress?: (found: number) => void) {
    this.discovery = new Promise((resolve) => (this.settleDiscovery = resolve));
    this.prisma = new Promise((resolve) => (this.settlePrisma = resolve));
    const thread = new Worker(workerFile, { workerData: data });
    thread.on('message', (reply: TreeWorkerReply) => {
      if ('found' in reply) onProgress?.(reply.found);
      else if ('discovery' in reply) this.settleDiscovery(fromPortable(reply.discovery));
      else if ('prismaParsed' in reply) this.settlePrisma(new Map(reply.prismaParsed.map(({ path, result }) => [path, result])));
      else this.fail();
    });
    // Settling what is already settled changes nothing: a thread that ends early leaves the rest to the main thread.
    thread.on('error', () => this.fail());
    thread.on('exit', () => this.fail());
  }

  private fail(): void {
    this.settleDiscovery(undefined);
    this.settlePrisma(new Map());
  }
}
