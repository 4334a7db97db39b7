import { ignore } from './ignore.js';
import { parseAllDocuments, type Document } from 'yaml';
import type { ts } from 'ts-morph';
import { languageOf, type Language } from './languages.js';
import { ignoredBy } from './discover.js';
import { trackedFiles } from './git-tracked.js';
import { detectPackages, packageFor, type MonorepoInfo, type WorkspacePackage } from './packages.js';
import { parseTypeScript } from './parsers/typescript.js';
import { isStackOverflow } from './file-runner.js';
import { parseDockerfile, type DockerfileModel } from './parsers/dockerfile.js';
import { parseHcl, type HclFile } from './parsers/hcl.js';
import { splitSql, type SqlStatement } from './parsers/sql.js';
import { parsePrisma } from './parsers/prisma.js';
import { parsePg, type PgFile } from './parsers/pg.js';
import { MentionIndex, type KeywordSet } from './keywords.js';
import type { Timer } from './timing.js';

export interface WorkspaceFile {
  /** Relative to the root, forward slashes. */
  readonly path: string;
  readonly language: Language;
  readonly size: number;
  /** Directory of the workspace package the file belongs to ("." for the root). */
  readonly packageDir: string;
}

export interface PackageManifest {
  name?: string;
  version?: string;
  private?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: Record<string, string>;
  workspaces?: unknown;
  volta?: Record<string, string>;
  packageManager?: string;
  [key: string]: unknown;
}

export interface ParsedYaml {
  documents: Document.Parsed[];
  /** First syntax error, if any. */
  error?: string;
}

/**
 * The shared, lazily built model of the audited repository that repository rules query. Every parse is cached, so a
 * file is parsed at most once per run whichever rules ask for it.
 */
export class RepoModel {
  readonly files: readonly WorkspaceFile[];
  readonly monorepo: MonorepoInfo;
  /** Read lazily: discovery decodes a file's text only when something asks for it. */
  private readonly sources: ReadonlyMap<string, { readonly text: string; content?(): string | Uint8Array }>;
  private readonly byPath: ReadonlyMap<string, WorkspaceFile>;
  private readonly yamlCache = new Map<string, ParsedYaml>();
  private readonly jsonCache = new Map<string, unknown>();
  private readonly tsCache = new Map<string, ts.SourceFile>();
  private readonly unparsable = new Set<string>();
  private readonly hclCache = new Map<string, Promise<HclFile>>();
  private readonly dockerCache = new Map<string, DockerfileModel>();
  private readonly sqlCache = new Map<string, SqlStatement[]>();
  private readonly pgCache = new Map<string, Promise<PgFile>>();
  private readonly prismaCache = new Map<string, ReturnType<typeof parsePrisma>>();
  private readonly mentionIndex = new MentionIndex();
  private gitignoreCache: ((path: string) => boolean) | undefined;
  private readonly skippedPaths: ReadonlySet<string>;
  private trackedCache: Promise<Set<string> | undefined> | undefined;
  /** Set with `--timing`: parses are timed apart from the rules that ask for them. */
  timer: Timer | undefined;

  constructor(
    readonly root: string,
    files: ReadonlyArray<{ readonly path: string; readonly size: number; readonly text: string; content?(): string | Uint8Array }>,
    skipped: ReadonlyArray<{ readonly path: string }> = [],
  ) {
    this.sources = new Map(files.map((f) => [f.path, f]));
    this.skippedPaths = new Set(skipped.map((f) => f.path));
    this.monorepo = detectPackages(
      files.map((f) => f.path),
      (p) => this.sources.get(p)?.text,
    );
    this.files = files.map((f) => ({
      path: f.path,
      size: f.size,
      language: languageOf(f.path),
      packageDir: packageFor(this.monorepo.packages, f.path).dir,
    }));
    this.byPath = new Map(this.files.map((f) => [f.path, f]));
  }

  get packages(): readonly WorkspacePackage[] {
    return this.monorepo.packages;
  }

  /** True when the file was read (audited). See {@link exists} for files that were skipped. */
  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /**
   * True when the file is in the tree, read or not: oversized and binary files (a 2 MB lockfile, `bun.lockb`) are
   * skipped by discovery but still exist for rules that only ask whether they are there.
   */
  exists(path: string): boolean {
    return this.byPath.has(path) || this.skippedPaths.has(path);
  }

  file(path: string): WorkspaceFile | undefined {
    return this.byPath.get(path);
  }

  text(path: string): string | undefined {
    return this.sources.get(path)?.text;
  }

  /**
   * Whether the file contains one of `keywords`, answered from its raw bytes while nothing has decoded its text: a
   * pre-filter for rules that scan every file's text, so that the main thread decodes only the files they match.
   */
  mentions(path: string, keywords: KeywordSet): boolean {
    const source = this.sources.get(path);
    if (!source) return false;
    return this.mentionIndex.mentions(path, keywords, source.content?.() ?? source.text, () => source.text);
  }

  /**
   * Whether the file's text matches `pattern`, decoded and searched only when its bytes hold one of `words` (words the
   * pattern cannot match without); without `words`, always searched.
   */
  textMatches(path: string, pattern: RegExp, words?: KeywordSet): boolean {
    if (words && !this.mentions(path, words)) return false;
    const text = this.text(path);
    return text !== undefined && pattern.test(text);
  }

  /** Files whose path matches, in path order. */
  find(test: RegExp | ((file: WorkspaceFile) => boolean)): WorkspaceFile[] {
    const predicate = test instanceof RegExp ? (f: WorkspaceFile) => test.test(f.path) : test;
    return this.files.filter(predicate);
  }

  ofLanguage(...languages: Language[]): WorkspaceFile[] {
    return this.files.filter((f) => languages.includes(f.language));
  }

  /** Parsed JSON (BOM and comments in .jsonc tolerated), or undefined when missing or malformed. */
  json<T = unknown>(path: string): T | undefined {
    if (!this.jsonCache.has(path)) {
      this.timer?.enter('model: parse JSON');
      const text = this.sources.get(path)?.text;
      let value: unknown;
      if (text !== undefined) {
        try {
          value = JSON.parse(text.replace(/^\uFEFF/, ''));
        } catch {
          value = undefined;
        }
      }
      this.jsonCache.set(path, value);
      this.timer?.exit();
    }
    return this.jsonCache.get(path) as T | undefined;
  }

  yaml(path: string): ParsedYaml | undefined {
    const cached = this.yamlCache.get(path);
    if (cached) return cached;
    const text = this.sources.get(path)?.text;
    if (text === undefined) return undefined;
    this.timer?.enter('model: parse YAML');
    const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false });
    this.timer?.exit();
    const list = Array.isArray(documents) ? documents : [documents as unknown as Document.Parsed];
    const firstError = list.flatMap((d) => d.errors)[0];
    const parsed: ParsedYaml = { documents: list, ...(firstError ? { error: firstError.message } : {}) };
    this.yamlCache.set(path, parsed);
    return parsed;
  }

  /**
   * A TypeScript/JavaScript AST parsed on the main thread; the engine then runs file rules on it here too. Undefined
   * when the file is missing or nests too deeply to parse (its file rules then report it as skipped).
   */
  ts(path: string): ts.SourceFile | undefined {
    const cached = this.tsCache.get(path);
    if (cached) return cached;
    const text = this.sources.get(path)?.text;
    if (text === undefined || this.unparsable.has(path)) return undefined;
    let source: ts.SourceFile;
    this.timer?.enter('model: parse TypeScript');
    try {
      source = parseTypeScript(path, text);
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      this.unparsable.add(path);
      return undefined;
    } finally {
      this.timer?.exit();
    }
    this.tsCache.set(path, source);
    return source;
  }

  /** Paths whose AST was already built on the main thread (the engine runs their file rules here). */
  parsedOnMainThread(): ReadonlyMap<string, ts.SourceFile> {
    return this.tsCache;
  }

  /** Terraform/HCL with positions; loads the parser on first use. */
  hcl(path: string): Promise<HclFile | undefined> {
    const text = this.sources.get(path)?.text;
    if (text === undefined) return Promise.resolve(undefined);
    let cached = this.hclCache.get(path);
    if (!cached) this.hclCache.set(path, (cached = parseHcl(text)));
    return cached;
  }

  dockerfile(path: string): DockerfileModel | undefined {
    return this.memo(this.dockerCache, path, parseDockerfile);
  }

  /** PostgreSQL statements parsed by PostgreSQL's own parser; loads the WebAssembly parser on first use. */
  pg(path: string): Promise<PgFile | undefined> {
    const text = this.sources.get(path)?.text;
    if (text === undefined) return Promise.resolve(undefined);
    let cached = this.pgCache.get(path);
    if (!cached) this.pgCache.set(path, (cached = parsePg(text)));
    return cached;
  }

  /** Takes schemas already parsed elsewhere (a worker thread, while this one loaded its rules). */
  adoptPrisma(parsed: ReadonlyMap<string, ReturnType<typeof parsePrisma>>): void {
    for (const [path, result] of parsed) if (this.sources.has(path) && !this.prismaCache.has(path)) this.prismaCache.set(path, result);
  }

  #parsedElsewhere: Promise<void> | undefined;

  /**
   * Schemas a worker thread is still parsing for this model: adopted when they arrive. Readers of the database
   * schemas await {@link whenParsedElsewhere} first; a reader that does not, and asks before they arrive, parses the
   * file itself (same result, the work done twice).
   */
  adoptPrismaLater(parsing: Promise<ReadonlyMap<string, ReturnType<typeof parsePrisma>>>): void {
    this.#parsedElsewhere = parsing.then((parsed) => this.adoptPrisma(parsed));
  }

  /** Resolves once the schemas handed to {@link adoptPrismaLater} are adopted (at once if there are none). */
  async whenParsedElsewhere(): Promise<void> {
    await this.#parsedElsewhere;
  }

  /** A Prisma schema with positions, or the syntax error. */
  prisma(path: string): ReturnType<typeof parsePrisma> | undefined {
    return this.memo(this.prismaCache, path, parsePrisma);
  }

  /** SQL statements of a file (migrations, schema dumps), comments and quoting respected. */
  sql(path: string): SqlStatement[] | undefined {
    return this.memo(this.sqlCache, path, splitSql);
  }

  private memo<T>(cache: Map<string, T>, path: string, parse: (text: string) => T): T | undefined {
    if (cache.has(path)) return cache.get(path);
    const text = this.sources.get(path)?.text;
    if (text === undefined) return undefined;
    this.timer?.enter('model: parse Dockerfile, Prisma, SQL');
    let value: T;
    try {
      value = parse(text);
    } finally {
      this.timer?.exit();
    }
    cache.set(path, value);
    return value;
  }

  manifest(packageDir = '.'): PackageManifest | undefined {
    return this.json<PackageManifest>(packageDir === '.' ? 'package.json' : `${packageDir}/package.json`);
  }

  manifests(): Array<{ path: string; manifest: PackageManifest }> {
    return this.find((f) => f.path === 'package.json' || f.path.endsWith('/package.json')).flatMap((f) => {
      const manifest = this.json<PackageManifest>(f.path);
      return manifest && typeof manifest === 'object' ? [{ path: f.path, manifest }] : [];
    });
  }

  /** All dependency names a package declares (any kind). */
  dependencies(packageDir = '.'): Set<string> {
    const m = this.manifest(packageDir);
    return new Set(
      [m?.dependencies, m?.devDependencies, m?.peerDependencies, m?.optionalDependencies].flatMap((d) =>
        d && typeof d === 'object' ? Object.keys(d) : [],
      ),
    );
  }

  /** True when the repository's own .gitignore files would ignore `path` (e.g. `.env`). */
  isGitIgnored(path: string): boolean {
    if (!this.gitignoreCache) {
      // Same ordered semantics as discovery: deeper files and later patterns win, `!pattern` re-includes.
      const scopes = this.find((f) => f.path === '.gitignore' || f.path.endsWith('/.gitignore'))
        .sort((a, b) => a.path.split('/').length - b.path.split('/').length)
        .map((f) => ({
          base: f.path === '.gitignore' ? '' : f.path.slice(0, -'/.gitignore'.length),
          matcher: ignore().add(this.sources.get(f.path)?.text ?? ''),
        }));
      this.gitignoreCache = (candidate: string) => ignoredBy(scopes, candidate, false);
    }
    return this.gitignoreCache(path);
  }

  /**
   * Paths tracked by git (read-only `git ls-files`), or undefined when the root is not a git work tree or git is
   * not installed. Never runs the audited project's code.
   */
  tracked(): Promise<Set<string> | undefined> {
    this.trackedCache ??= trackedFiles(this.root);
    return this.trackedCache;
  }

  /** Whether a rule asked git for the tracked files: their results then depend on more than the files' content. */
  askedGit(): boolean {
    return this.trackedCache !== undefined;
  }

}
