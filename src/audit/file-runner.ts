import { ts } from 'ts-morph';
import type { Document } from 'yaml';
import { parseAllDocuments } from 'yaml';
import type { AnyRule, FileContext, FileSelector, NodeVisitor, ReportDescriptor } from '../core/define-rule.js';
import { errorMessage } from '../core/errors.js';
import type { Language } from './languages.js';
import { draftFinding, type DraftFinding, type FileText } from './findings.js';
import { parseTypeScript } from './parsers/typescript.js';
import { lineStarts, positionAt } from './text.js';

export interface FileJob {
  path: string;
  text: string;
  language: Language;
  packageDir: string;
  size: number;
}

export interface ConfiguredRule {
  rule: AnyRule;
  options: unknown;
  /** The result of the rule's `prepare` step, if it has one. */
  prepared?: unknown;
}

export interface FileResult {
  path: string;
  drafts: DraftFinding[];
  /** Values rules emitted for their `summarize` step, by rule id. */
  signals: Record<string, unknown[]>;
  /** Set when the file could not be parsed at all (e.g. nesting deeper than the parser's stack). */
  skipped?: string;
}

export function selects(selector: FileSelector, file: { path: string; language: Language }, text?: string): boolean {
  if (selector.languages && !selector.languages.includes(file.language)) return false;
  if (selector.paths && !selector.paths.test(file.path)) return false;
  if (selector.keywords && text !== undefined && !selector.keywords.some((k) => text.includes(k))) return false;
  return true;
}

/** An internal finding: a rule crashed on a file. The audit goes on; the user sees which rule and which file. */
export function crashFinding(rule: AnyRule, path: string, packageDir: string, error: unknown): DraftFinding {
  return {
    ruleId: rule.meta.id,
    checklist: rule.meta.checklist,
    severity: 'info',
    confidence: 'low',
    message: `Internal error: rule ${rule.meta.id} crashed on ${path}: ${errorMessage(error)}. The rest of the audit ran; please report this with the file's shape.`,
    help: 'Report the crash with the rule id and a minimal file that reproduces it; suppress the rule for this file meanwhile.',
    location: { path, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
    package: packageDir,
    internal: true,
    fingerprintBase: `internal:${rule.meta.id}:${path}`,
  };
}

const kindCache = new Map<string, number>();
function kindOf(name: string): number {
  let kind = kindCache.get(name);
  if (kind === undefined) {
    kind = (ts.SyntaxKind as unknown as Record<string, number>)[name];
    if (kind === undefined) throw new Error(`unknown syntax kind "${name}" in visitors`);
    kindCache.set(name, kind);
  }
  return kind;
}

/** Walks the tree once, iteratively (deeply nested code must not overflow the stack), dispatching by node kind. */
function walk(source: ts.SourceFile, dispatch: Map<number, Array<{ rule: AnyRule; visit: NodeVisitor }>>, onCrash: (rule: AnyRule, e: unknown) => void): void {
  const stack: ts.Node[] = [source];
  const children: ts.Node[] = [];
  const crashed = new Set<AnyRule>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    const visitors = dispatch.get(node.kind);
    if (visitors) {
      for (const { rule, visit } of visitors) {
        if (crashed.has(rule)) continue;
        try {
          visit(node);
        } catch (error) {
          crashed.add(rule);
          onCrash(rule, error);
        }
      }
    }
    children.length = 0;
    ts.forEachChild(node, (child) => {
      children.push(child);
    });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/** Runs every selected file rule on one file. Used by the worker threads and, for a few files, the main thread. */
export function runFileRules(job: FileJob, rules: readonly ConfiguredRule[], preParsed?: ts.SourceFile, checker?: ts.TypeChecker): FileResult {
  const selected = rules.filter((r) => r.rule.scope === 'file' && selects(r.rule.files, job, job.text));
  const result: FileResult = { path: job.path, drafts: [], signals: {} };
  if (selected.length === 0) return result;
  const fileText: FileText = { path: job.path, text: job.text, lineStarts: lineStarts(job.text) };
  let source: ts.SourceFile | undefined = preParsed;
  let yamlDocs: Document.Parsed[] | undefined;
  const ast = (): ts.SourceFile => {
    source ??= parseTypeScript(job.path, job.text);
    return source;
  };
  const dispatch = new Map<number, Array<{ rule: AnyRule; visit: NodeVisitor }>>();
  const onCrash = (rule: AnyRule, error: unknown): void => {
    result.drafts = result.drafts.filter((d) => d.ruleId !== rule.meta.id);
    result.drafts.push(crashFinding(rule, job.path, job.packageDir, error));
  };
  for (const { rule, options, prepared } of selected) {
    if (rule.scope !== 'file') continue;
    // Options were validated against the rule's own schema when the configuration was resolved.
    const ctx: FileContext<string, never, unknown> = {
      file: { path: job.path, text: job.text, language: job.language, packageDir: job.packageDir, size: job.size },
      options: options as never,
      prepared,
      ast,
      checker: () => (rule.files.types ? checker : undefined),
      yaml: () => {
        yamlDocs ??= parseAllDocuments(job.text, { prettyErrors: false, uniqueKeys: false }) as Document.Parsed[];
        return yamlDocs;
      },
      position: (offset) => positionAt(fileText.lineStarts, offset),
      report: (descriptor: ReportDescriptor<string>) => {
        result.drafts.push(draftFinding(rule, descriptor, job.packageDir, fileText));
      },
      emit: (value) => {
        (result.signals[rule.meta.id] ??= []).push(value);
      },
    };
    try {
      const visitors = rule.check(ctx);
      if (visitors) {
        for (const [name, visit] of Object.entries(visitors)) {
          if (!visit) continue;
          const kind = kindOf(name);
          let list = dispatch.get(kind);
          if (!list) dispatch.set(kind, (list = []));
          list.push({ rule, visit });
        }
      }
    } catch (error) {
      if (error instanceof RangeError && source === undefined) {
        result.skipped = 'too deeply nested to parse';
        return result;
      }
      onCrash(rule, error);
    }
  }
  if (dispatch.size > 0) {
    let tree: ts.SourceFile;
    try {
      tree = ast();
    } catch (error) {
      if (error instanceof RangeError) {
        result.skipped = 'too deeply nested to parse';
        return result;
      }
      throw error;
    }
    try {
      walk(tree, dispatch, onCrash);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      result.skipped = 'too deeply nested to walk';
    }
  }
  return result;
}
