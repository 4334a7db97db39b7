import { parentPort } from 'node:worker_threads';
import { enableCompileCache } from './compile-cache.js';
import { runFileRules, type ConfiguredRule, type FileResult } from './file-runner.js';
import { parseTypeScript, typescript } from './parsers/typescript.js';
import type { PrismaParsedReply, WorkerMessage, WorkerReply } from './pool.js';
import { decodeText } from './text.js';
import { Timer } from './timing.js';
import type { ts } from 'ts-morph';

const startedAt = performance.now();
enableCompileCache();
// Loaded now, while the main thread is still reading the tree, rather than on the first batch.
typescript();
const loadedAt = performance.now();

/**
 * Every rule, loaded now too: `init`, which names the rules to run, comes only once the main thread has read the tree,
 * loaded its own rules and run their prepare steps, and this thread would otherwise start loading them then, with the
 * files already waiting. Repository rules cost little more: they load their parsers only when they run.
 */
let registryLoadedAt = 0;
const registry = import('./registry.js').then((module) => {
  registryLoadedAt = performance.now();
  return module;
});
registry.catch(() => undefined); // reported by the first batch, not as an unhandled rejection meanwhile

let configured: Promise<ConfiguredRule[]> = Promise.resolve([]);
let timer: Timer | undefined;
let idleSince: number | undefined;
let firstBatch = false;

/**
 * Parsing ahead: until its first batch comes, this thread parses the TypeScript files it will most likely be given
 * (the largest: workers take batches from the front of a queue sorted by size), instead of waiting while the main
 * thread loads its rules and runs the prepare and repository steps. A file it is then not given was parsed in time
 * it would have spent idle.
 */
const parsedAhead = new Map<string, ts.SourceFile>();
let ahead: Array<{ path: string; bytes: Uint8Array }> = [];
let aheadNext = 0;
let aheadMs = 0;

function parseAheadStep(): void {
  if (firstBatch || aheadNext >= ahead.length) {
    ahead = [];
    return;
  }
  const { path, bytes } = ahead[aheadNext++]!;
  const start = performance.now();
  try {
    parsedAhead.set(path, parseTypeScript(path, decodeText(bytes)));
  } catch {
    // Parsed again with its batch, where a failure is reported.
  }
  aheadMs += performance.now() - start;
  setImmediate(parseAheadStep);
}

parentPort!.on('message', (message: WorkerMessage) => {
  if ('prismaAhead' in message) {
    const schemas = message.prismaAhead;
    void import('./parsers/prisma.js').then(({ parsePrisma }) => {
      const reply: PrismaParsedReply = { prismaParsed: schemas.map(({ path, text }) => ({ path, result: parsePrisma(text) })) };
      parentPort!.postMessage(reply);
    });
    return;
  }
  if ('parseAhead' in message) {
    ahead = message.parseAhead;
    // After the rules have loaded: interleaved with their loading, parsing would delay it.
    void registry.then(() => setImmediate(parseAheadStep), () => undefined);
    return;
  }
  if ('init' in message) {
    const { rules, timing } = message.init;
    if (timing) {
      timer = new Timer();
      timer.milestones.push(['running', performance.timeOrigin + startedAt], ['TypeScript loaded', performance.timeOrigin + loadedAt]);
      timer.add('start-up (Node, TypeScript, engine)', startedAt);
      timer.add('load TypeScript', loadedAt - startedAt);
    }
    configured = registry.then(({ ruleById }) => {
      const list = rules.map(({ id, options, prepared }): ConfiguredRule => {
        const rule = ruleById(id);
        if (!rule) throw new Error(`worker: unknown rule ${id}`);
        return { rule, options, prepared };
      });
      if (timer) {
        timer.add('load rules', registryLoadedAt - loadedAt);
        timer.milestones.push(['rules loaded', performance.timeOrigin + registryLoadedAt]);
      }
      idleSince = registryLoadedAt;
      return list;
    });
    return;
  }
  const { batch } = message;
  void configured.then((rules) => {
    if (!firstBatch) {
      firstBatch = true;
      timer?.milestone('first batch');
      timer?.add('parse TypeScript ahead of the first batch', aheadMs);
      if (idleSince !== undefined) idleSince += aheadMs;
    }
    if (timer && idleSince !== undefined) timer.add('idle (waiting for files)', performance.now() - idleSince);
    timer?.enter('engine (walk, findings)');
    const results: FileResult[] = batch.map((job) => {
      const parsed = parsedAhead.get(job.path);
      if (parsed) parsedAhead.delete(job.path);
      return runFileRules(job, rules, parsed, undefined, timer);
    });
    timer?.exit();
    const reply: WorkerReply = { results, ...(timer ? { timing: timer.drain(), milestones: timer.milestones.splice(0) } : {}) };
    parentPort!.postMessage(reply);
    idleSince = performance.now();
  });
});
