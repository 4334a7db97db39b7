import type { ts } from 'ts-morph';
import type { Confidence, Severity } from './types.js';
import type { OptionsOf, OptionsShape } from './options.js';
import type { Language } from '../audit/languages.js';
import type { RepoModel, WorkspaceFile } from '../audit/model.js';
import type { Document } from 'yaml';

export type Stability = 'stable' | 'experimental';
export type RuleCategory = 'tenancy' | 'api' | 'database' | 'security' | 'observability' | 'delivery' | 'scalability' | 'operations';

export interface RuleExample {
  /** File name shown in the docs, e.g. `src/server.ts`. */
  file: string;
  code: string;
  /** Other files of the example repository (path → content), shown collapsed in the docs. */
  context?: Record<string, string>;
  /** Optional sentence under the example. */
  note?: string;
}

export interface RuleDocs {
  /** One line: what the rule finds. */
  summary: string;
  /** Why it matters in production. */
  why: string;
  /** What to do about a finding. Shown as `help` on every finding. */
  howToFix: string;
  examples: { invalid: RuleExample[]; valid: RuleExample[] };
  /** Equivalent rules of peer tools (Checkov, hadolint, zizmor, eslint-plugin-security...). */
  peers?: string[];
  /** Known blind spots, written down so users can judge a clean result. */
  limitations?: string[];
}

export interface RuleMeta<M extends string, S extends OptionsShape> {
  /** kebab-case; equals the rule's folder name. */
  id: string;
  category: RuleCategory;
  /** The CHECKLIST.md item the rule observes. */
  checklist: string;
  severity: Severity;
  confidence: Confidence;
  stability: Stability;
  /**
   * Message templates by id. `{{name}}` inserts `data.name`. Every message says what is wrong, why it
   * matters and what to do.
   */
  messages: Record<M, string>;
  options?: S;
  docs: RuleDocs;
}

/** Which files a file rule reads. All given conditions must hold. */
export interface FileSelector {
  languages?: readonly Language[];
  /** Tested against the path relative to the root, forward slashes. */
  paths?: RegExp;
  /** A cheap text pre-filter: the file must contain at least one of these substrings. */
  keywords?: readonly string[];
  /**
   * The rule uses type information when the user enables it (`--type-check`); `ctx.checker()` is undefined otherwise,
   * so the rule must still work on syntax alone.
   */
  types?: boolean;
}

export interface ReportDescriptor<M extends string> {
  messageId: M;
  data?: Record<string, string | number>;
  /** Where: a TypeScript node, a text range of the file (offsets), or a 1-based line. Omit for a whole-file finding. */
  node?: ts.Node;
  range?: { start: number; end: number };
  line?: number;
  severity?: Severity;
  confidence?: Confidence;
  /** Offsets of a secret inside the file text; it is masked in messages and snippets. */
  secret?: { start: number; end: number };
  /** Extra fingerprint discriminator for findings without a stable snippet (e.g. a model name). */
  key?: string;
}

export interface RepoReportDescriptor<M extends string> extends Omit<ReportDescriptor<M>, 'node'> {
  /** File the finding points at; omit for a repository-level finding. */
  path?: string;
  /** Package the finding belongs to, when it is not derived from `path`. */
  packageDir?: string;
}

export type NodeVisitor = (node: ts.Node) => void;
/** AST visitors keyed by `ts.SyntaxKind` names, e.g. `CallExpression`. The engine walks each file once. */
export type Visitors = Partial<Record<keyof typeof ts.SyntaxKind, NodeVisitor>>;

export interface FileContext<M extends string, O, P = undefined> {
  readonly file: WorkspaceFile & { readonly text: string };
  readonly options: O;
  /** What the rule's `prepare` step computed from the whole repository (e.g. which tables are tenant-owned). */
  readonly prepared: P;
  /** The parsed TypeScript/JavaScript source (shared by all rules; parsed at most once). */
  ast(): ts.SourceFile;
  /** The type checker, only with `--type-check` and `files.types: true`; undefined otherwise. */
  checker(): ts.TypeChecker | undefined;
  /** Parsed YAML documents of a YAML file (shared; parsed at most once). */
  yaml(): Document.Parsed[];
  /** 1-based line and column of a text offset. */
  position(offset: number): { line: number; column: number };
  report(descriptor: ReportDescriptor<M>): void;
  /** Hands a serializable value to this rule's `summarize` step, which runs once after all files. */
  emit(value: unknown): void;
}

export interface RepoContext<M extends string, O> {
  readonly model: RepoModel;
  readonly options: O;
  report(descriptor: RepoReportDescriptor<M>): void;
  /** Marks the rule's checklist item "not assessed" for this run, with the reason shown to the user. */
  notApplicable(reason: string): void;
}

export interface Signal {
  path: string;
  value: unknown;
}

interface RuleBase<M extends string, S extends OptionsShape> {
  meta: RuleMeta<M, S>;
}

export interface PrepareContext<O> {
  readonly model: RepoModel;
  readonly options: O;
}

export interface FileRule<M extends string = string, S extends OptionsShape = OptionsShape, P = undefined> extends RuleBase<M, S> {
  scope: 'file';
  files: FileSelector;
  /**
   * Runs once on the main thread before any file, with the repository model. Its result must be serializable (it is
   * sent to worker threads and is part of the cache key); every `check` receives it as `ctx.prepared`.
   */
  prepare?(ctx: PrepareContext<OptionsOf<S>>): P | Promise<P>;
  check(ctx: FileContext<M, OptionsOf<S>, P>): Visitors | void;
  /** Runs once after every file, with what `emit` collected (in path order). */
  summarize?(ctx: RepoContext<M, OptionsOf<S>>, signals: readonly Signal[]): void;
}

export interface RepositoryRule<M extends string = string, S extends OptionsShape = OptionsShape> extends RuleBase<M, S> {
  scope: 'repository';
  check(ctx: RepoContext<M, OptionsOf<S>>): void | Promise<void>;
}

export type Rule<M extends string = string, S extends OptionsShape = OptionsShape, P = undefined> = FileRule<M, S, P> | RepositoryRule<M, S>;

// The registry holds rules of many message-id and option types; their contexts are built generically.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: a rule's check takes its own option type
export type AnyRule = Rule<string, any, any>;

/**
 * Declares a rule. The rule lives in `rules/<category>/<id>/rule.ts` beside its fixtures; its metadata
 * feeds `prodgrade rules`, `docs/rules/<id>.md`, SARIF descriptors and the config JSON Schema.
 */
export function defineRule<M extends string, S extends OptionsShape = Record<never, never>, P = undefined>(rule: Rule<M, S, P>): Rule<M, S, P> {
  return rule;
}
