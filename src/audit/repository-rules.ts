import type { AnyRule, RepoContext, RepoReportDescriptor, Signal } from '../core/define-rule.js';
import { crashFinding, type FileResult } from './file-runner.js';
import { draftFinding, type DraftFinding } from './findings.js';
import type { RepoModel } from './model.js';
import { lineStarts } from './text.js';
import type { Timer } from './timing.js';

/** What repository rules and file rules' summaries found. */
export interface RuleOutcome {
  drafts: DraftFinding[];
  notApplicable: Map<string, string>;
}

/** A configured rule as these functions need it. */
export interface RuleWithOptions {
  rule: AnyRule;
  options: unknown;
}

/** Line starts of the files repository rules report on: one rule may report many findings in one large file. */
const lineStartsByModel = new WeakMap<RepoModel, Map<string, number[]>>();

function lineStartsIn(model: RepoModel, path: string, text: string): number[] {
  let byPath = lineStartsByModel.get(model);
  if (!byPath) lineStartsByModel.set(model, (byPath = new Map()));
  let starts = byPath.get(path);
  if (!starts) byPath.set(path, (starts = lineStarts(text)));
  return starts;
}

// Options were validated against the rule's own schema when the configuration was resolved.
function repoContext(rule: AnyRule, options: unknown, model: RepoModel, outcome: RuleOutcome): RepoContext<string, never> {
  return {
    model,
    options: options as never,
    report: (descriptor: RepoReportDescriptor<string>) => {
      const path = descriptor.path;
      const text = path === undefined ? undefined : model.text(path);
      const file = path !== undefined && text !== undefined ? { path, text, lineStarts: lineStartsIn(model, path, text) } : undefined;
      const packageDir = descriptor.packageDir ?? (path !== undefined ? model.file(path)?.packageDir : undefined) ?? '.';
      const draft = draftFinding(rule, descriptor, packageDir, file);
      if (path !== undefined && !file) draft.location = { path, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
      outcome.drafts.push(draft);
    },
    notApplicable: (reason) => {
      outcome.notApplicable.set(rule.meta.id, reason);
    },
  };
}

/** Rules run on the repository model (on the main thread, or the tree thread). A rule that throws becomes an internal finding. */
export async function runRepositoryRules(rules: readonly RuleWithOptions[], model: RepoModel, outcome: RuleOutcome, timer: Timer | undefined): Promise<void> {
  for (const { rule, options } of rules) {
    if (rule.scope !== 'repository') continue;
    // Between two rules, the workers' replies are answered and they are fed again.
    await new Promise<void>((resolve) => setImmediate(resolve));
    timer?.enter(`rule ${rule.meta.id}`);
    try {
      await rule.check(repoContext(rule, options, model, outcome));
    } catch (error) {
      outcome.drafts.push(crashFinding(rule, '(repository)', '.', error));
      outcome.drafts.at(-1)!.location = null;
    } finally {
      timer?.exit();
    }
  }
}

export function runSummaries(rules: readonly RuleWithOptions[], model: RepoModel, results: readonly FileResult[], outcome: RuleOutcome, timer: Timer | undefined): void {
  for (const { rule, options } of rules) {
    if (rule.scope !== 'file' || !rule.summarize) continue;
    timer?.enter(`rule ${rule.meta.id}`);
    const signals: Signal[] = [];
    for (const r of results) for (const value of r.signals[rule.meta.id] ?? []) signals.push({ path: r.path, value });
    try {
      rule.summarize(repoContext(rule, options, model, outcome), signals);
    } catch (error) {
      outcome.drafts.push(crashFinding(rule, '(repository)', '.', error));
      outcome.drafts.at(-1)!.location = null;
    } finally {
      timer?.exit();
    }
  }
}
