import { parentPort } from 'node:worker_threads';
import { ruleById } from './registry.js';
import { runFileRules, type ConfiguredRule, type FileResult } from './file-runner.js';
import { typescript } from './parsers/typescript.js';
import type { WorkerMessage } from './pool.js';

// Loaded now, while the main thread is still reading the tree, rather than on the first batch.
typescript();

let configured: ConfiguredRule[] = [];

parentPort!.on('message', (message: WorkerMessage) => {
  if ('init' in message) {
    configured = message.init.rules.map(({ id, options, prepared }) => {
      const rule = ruleById(id);
      if (!rule) throw new Error(`worker: unknown rule ${id}`);
      return { rule, options, prepared };
    });
    return;
  }
  const results: FileResult[] = message.batch.map((job) => runFileRules(job, configured));
  parentPort!.postMessage(results);
});
