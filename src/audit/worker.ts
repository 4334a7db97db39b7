import { parentPort } from 'node:worker_threads';
import { enableCompileCache } from './compile-cache.js';
import { runFileRules, type ConfiguredRule, type FileResult } from './file-runner.js';
import { typescript } from './parsers/typescript.js';
import type { WorkerMessage, WorkerReply } from './pool.js';
import { Timer } from './timing.js';

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

parentPort!.on('message', (message: WorkerMessage) => {
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
    if (timer && idleSince !== undefined) timer.add('idle (waiting for files)', performance.now() - idleSince);
    if (!firstBatch) {
      firstBatch = true;
      timer?.milestone('first batch');
    }
    timer?.enter('engine (walk, findings)');
    const results: FileResult[] = batch.map((job) => runFileRules(job, rules, undefined, undefined, timer));
    timer?.exit();
    const reply: WorkerReply = { results, ...(timer ? { timing: timer.drain(), milestones: timer.milestones.splice(0) } : {}) };
    parentPort!.postMessage(reply);
    idleSince = performance.now();
  });
});
