import type { ts } from 'ts-morph';
import type { Document } from 'yaml';
import { parseAllDocuments } from 'yaml';
import type { AnyRule, FileContext, FileSelector, NodeVisitor, ReportDescriptor } from '../core/define-rule.js';
import { errorMessage } from '../core/errors.js';
import type { Language } from './languages.js';
import { draftFinding, remaskSnippet, type DraftFinding, type FileText } from './findings.js';
import { parseTypeScript, typescript } from './parsers/typescript.js';
import { KeywordIndex } from './keywords.js';
import { decodeText, lineStarts, positionAt } from './text.js';
import type { Timer } from './timing.js';

export interface FileJob {
  path: string;
  /** The text, if decoded already, and/or the raw bytes: a worker decodes them itself, sparing the main thread. */
  text?: string;
  /** Keywords are matched on these when given. */
  bytes?: Uint8Array;
  language: Language;
  packageDir: string;
  size: number;
  /**
   * Indexes, into the configured rules, of the rules whose languages and paths select this file (the engine already
   * tested them); their keywords are tested here, all in one pass. Undefined: every rule's whole selector is tested.
   */
  rules?: number[];
  /** The engine tested the keywords of `rules` already (on this thread, with the repository model's answers). */
  keywordsTested?: boolean;
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

/** A stack overflow: the file nests deeper than a recursive parser or walker can follow. Other RangeErrors are rule bugs. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** The languages and paths conditions of a selector (not its keywords). */
export function selectsPath(selector: FileSelector, file: { path: string; language: Language }): boolean {
  if (selector.languages && !selector.languages.includes(file.language)) return false;
  if (selector.paths && !selector.paths.test(file.path)) return false;
  return true;
}

/** One keyword automaton per configured rule list (a worker's, an audit's). */
const keywordIndexes = new WeakMap<readonly ConfiguredRule[], KeywordIndex>();

function keywordIndexOf(rules: readonly ConfiguredRule[]): KeywordIndex {
  let index = keywordIndexes.get(rules);
  if (!index) keywordIndexes.set(rules, (index = new KeywordIndex(rules.map((r) => (r.rule.scope === 'file' ? r.rule.files.keywords : undefined)))));
  return index;
}

/** The rules that audit this file: languages and paths (unless the engine tested them), then keywords in one pass. */
function selectedRules(job: FileJob, content: string | Uint8Array, text: () => string, rules: readonly ConfiguredRule[]): ConfiguredRule[] {
  const selected: ConfiguredRule[] = [];
  let matches: boolean[] | undefined;
  const consider = (i: number): void => {
    const configured = rules[i]!;
    const { rule } = configured;
    if (rule.scope !== 'file') return;
    if (!job.rules && !selectsPath(rule.files, job)) return;
    if (rule.files.keywords && !job.keywordsTested) {
      matches ??= keywordIndexOf(rules).match(content, text);
      if (!matches[i]) return;
    }
    selected.push(configured);
  };
  if (job.rules) for (const i of job.rules) consider(i);
  else for (let i = 0; i < rules.length; i++) consider(i);
  return selected;
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
    kind = (typescript().SyntaxKind as unknown as Record<string, number>)[name];
    if (kind === undefined) throw new Error(`unknown syntax kind "${name}" in visitors`);
    kindCache.set(name, kind);
  }
  return kind;
}

/**
 * Walks the tree once, iteratively (deeply nested code must not overflow the stack), dispatching by node kind. The
 * stacks are indexed by hand: truncating or popping a JS array can shrink its storage and grow it again at every
 * node, and that garbage made the collector cost as much as the parse.
 */
function walk(
  source: ts.SourceFile,
  dispatch: Map<number, Array<{ rule: AnyRule; visit: NodeVisitor }>>,
  onCrash: (rule: AnyRule, e: unknown) => void,
  timer: Timer | undefined,
): void {
  const stack: ts.Node[] = [source];
  let top = 1;
  const children: ts.Node[] = [];
  let count = 0;
  const crashed = new Set<AnyRule>();
  const { forEachChild } = typescript();
  const collect = (child: ts.Node): void => {
    children[count++] = child;
  };
  while (top > 0) {
    const node = stack[--top]!;
    const visitors = dispatch.get(node.kind);
    if (visitors) {
      for (const { rule, visit } of visitors) {
        if (crashed.has(rule)) continue;
        if (timer) timer.enter(`rule ${rule.meta.id}`);
        try {
          visit(node);
        } catch (error) {
          if (isStackOverflow(error)) throw error;
          crashed.add(rule);
          onCrash(rule, error);
        } finally {
          if (timer) timer.exit();
        }
      }
    }
    count = 0;
    forEachChild(node, collect);
    for (let i = count - 1; i >= 0; i--) stack[top++] = children[i]!;
  }
}

/**
 * A file's text whose line starts are computed when a finding or a rule first needs a position: most files report
 * nothing. A class, not an object literal with a getter: V8 allocates such a getter's closure in the old generation,
 * and that closure kept each file's syntax tree alive through young collections, tripling the collector's work.
 */
class LazyLines implements FileText {
  #starts: number[] | undefined;

  constructor(
    readonly path: string,
    readonly text: string,
  ) {}

  get lineStarts(): readonly number[] {
    return (this.#starts ??= lineStarts(this.text));
  }
}

/** Runs every selected file rule on one file. Used by the worker threads and, for a few files, the main thread. */
export function runFileRules(
  job: FileJob,
  rules: readonly ConfiguredRule[],
  preParsed?: ts.SourceFile,
  checker?: ts.TypeChecker,
  timer?: Timer,
): FileResult {
  // Keywords are matched on the raw bytes: a file no rule selects is never decoded.
  let decoded = job.text;
  const readText = (): string => (decoded ??= decodeText(job.bytes ?? new Uint8Array()));
  const selected = selectedRules(job, job.bytes ?? job.text ?? '', readText, rules);
  const result: FileResult = { path: job.path, drafts: [], signals: {} };
  if (selected.length === 0) return result;
  const text = readText();
  const fileText = new LazyLines(job.path, text);
  let source: ts.SourceFile | undefined = preParsed;
  let yamlDocs: Document.Parsed[] | undefined;
  const ast = (): ts.SourceFile => {
    if (source === undefined) {
      if (timer) timer.enter('parse TypeScript');
      try {
        source = parseTypeScript(job.path, text);
      } finally {
        if (timer) timer.exit();
      }
    }
    return source;
  };
  const dispatch = new Map<number, Array<{ rule: AnyRule; visit: NodeVisitor }>>();
  /** Every secret reported in this file: each snippet masks all of them, not only its own finding's. */
  const secrets: Array<{ start: number; end: number }> = [];
  const onCrash = (rule: AnyRule, error: unknown): void => {
    result.drafts = result.drafts.filter((d) => d.ruleId !== rule.meta.id);
    result.drafts.push(crashFinding(rule, job.path, job.packageDir, error));
  };
  for (const { rule, options, prepared } of selected) {
    if (rule.scope !== 'file') continue;
    // Options were validated against the rule's own schema when the configuration was resolved.
    const ctx: FileContext<string, never, unknown> = {
      file: { path: job.path, text, language: job.language, packageDir: job.packageDir, size: job.size },
      options: options as never,
      prepared,
      ast,
      checker: () => (rule.files.types ? checker : undefined),
      yaml: () => {
        if (yamlDocs === undefined) {
          if (timer) timer.enter('parse YAML');
          try {
            yamlDocs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false }) as Document.Parsed[];
          } finally {
            if (timer) timer.exit();
          }
        }
        return yamlDocs;
      },
      position: (offset) => positionAt(fileText.lineStarts, offset),
      report: (descriptor: ReportDescriptor<string>) => {
        result.drafts.push(draftFinding(rule, descriptor, job.packageDir, fileText));
        if (descriptor.secret) secrets.push(descriptor.secret);
      },
      emit: (value) => {
        // Emitted values cross thread boundaries; a function or class instance would kill the worker, so it fails
        // here, inside the rule, and becomes that rule's internal finding.
        try {
          structuredClone(value);
        } catch (error) {
          throw new Error(`emitted a value that cannot be sent between threads (${errorMessage(error)})`);
        }
        (result.signals[rule.meta.id] ??= []).push(value);
      },
    };
    if (timer) timer.enter(`rule ${rule.meta.id}`);
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
      if (isStackOverflow(error)) {
        result.skipped = source === undefined ? 'too deeply nested to parse' : 'too deeply nested to audit';
        return result;
      }
      onCrash(rule, error);
    } finally {
      if (timer) timer.exit();
    }
  }
  if (dispatch.size > 0) {
    let tree: ts.SourceFile;
    try {
      tree = ast();
    } catch (error) {
      // One file the parser cannot handle must not end the audit of every other file.
      result.skipped = isStackOverflow(error) ? 'too deeply nested to parse' : `the parser failed on it: ${errorMessage(error)}`;
      return result;
    }
    try {
      walk(tree, dispatch, onCrash, timer);
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      result.skipped = 'too deeply nested to audit';
    }
  }
  if (secrets.length > 1) for (const draft of result.drafts) remaskSnippet(draft, fileText, secrets);
  return result;
}
