import { parentPort, workerData } from 'node:worker_threads';
import { ruleById } from './registry.js';
import { runFileRules, type ConfiguredRule, type FileJob, type FileResult } from './file-runner.js';

interface WorkerInit {
  rules: Array<{ id: string; options: unknown; prepared?: unknown }>;
}

const init = workerData as WorkerInit;
const configured: ConfiguredRule[] = init.rules.map(({ id, options, prepared }) => {
  const rule = ruleById(id);
  if (!rule) throw new Error(`worker: unknown rule ${id}`);
  return { rule, options, prepared };
});

parentPort!.on('message', (batch: FileJob[]) => {
  const results: FileResult[] = batch.map((job) => runFileRules(job, configured));
  parentPort!.postMessage(results);
});
