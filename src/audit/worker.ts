import { parentPort } from 'node:worker_threads';
import type { AnyRule } from '../core/define-rule.js';
import { runFileRules, type ConfiguredRule, type FileResult } from './file-runner.js';
import { typescript } from './parsers/typescript.js';
import type { WorkerMessage, WorkerReply } from './pool.js';
import { Timer } from './timing.js';

const startedAt = performance.now();
// Loaded now, while the main thread is still reading the tree, rather than on the first batch.
typescript();
const loadedAt = performance.now();

/**
 * Only the rules this worker runs are loaded, each from its own module (`rules/<category>/<id>/rule.js`, which the
 * registry meta-test guarantees): loading every rule would load the libraries of repository rules too (SQL, Prisma,
 * Dockerfile, HCL parsers). The registry is the fallback for a rule found elsewhere.
 */
async function loadRule(id: string, category: string): Promise<AnyRule> {
  try {
    const module = (await import(`../../rules/${category}/${id}/rule.js`)) as { default?: AnyRule };
    if (module.default?.meta?.id === id) return module.default;
  } catch {
    // not at the conventional path: ask the registry
  }
  const rule = (await import('./registry.js')).ruleById(id);
  if (!rule) throw new Error(`worker: unknown rule ${id}`);
  return rule;
}

let configured: Promise<ConfiguredRule[]> = Promise.resolve([]);
let timer: Timer | undefined;
let idleSince: number | undefined;

parentPort!.on('message', (message: WorkerMessage) => {
  if ('init' in message) {
    const { rules, timing } = message.init;
    if (timing) {
      timer = new Timer();
      timer.add('start-up (Node, TypeScript, engine)', startedAt);
      timer.add('load TypeScript', loadedAt - startedAt);
    }
    const initStarted = performance.now();
    configured = Promise.all(
      rules.map(async ({ id, category, options, prepared }) => ({ rule: await loadRule(id, category), options, prepared })),
    ).then((list) => {
      if (timer) timer.add('load rules', performance.now() - initStarted);
      idleSince = performance.now();
      return list;
    });
    return;
  }
  const { batch } = message;
  void configured.then((rules) => {
    if (timer && idleSince !== undefined) timer.add('idle (waiting for files)', performance.now() - idleSince);
    timer?.enter('engine (walk, findings)');
    const results: FileResult[] = batch.map((job) => runFileRules(job, rules, undefined, undefined, timer));
    timer?.exit();
    const reply: WorkerReply = { results, ...(timer ? { timing: timer.drain() } : {}) };
    parentPort!.postMessage(reply);
    idleSince = performance.now();
  });
});
