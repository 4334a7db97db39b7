import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { realFs, type Fs } from '../core/fs.js';
import { decodeText, looksBinary } from './text.js';

/** Directories never descended into. Listed in `--verbose` and the JSON report. */
export const defaultExcludedDirectories = [
  'node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', '.next', '.nuxt', '.output', '.svelte-kit',
  'coverage', '.turbo', '.cache', '.parcel-cache', '.vercel', '.serverless', '.terraform', '.terragrunt-cache',
  '.venv', 'venv', '__pycache__', 'bower_components', 'jspm_packages', '.yarn', '.pnpm-store', 'storybook-static',
] as const;

/**
 * File extensions skipped as binary without reading them. `.key` is not listed: PEM private keys (`server.key`) are
 * text; a binary Keynote file is caught by `looksBinary`.
 */
export const binaryExtensions: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'avif', 'tiff', 'psd', 'mp3', 'mp4', 'mov', 'avi', 'webm',
  'wav', 'ogg', 'flac', 'woff', 'woff2', 'ttf', 'otf', 'eot', 'zip', 'gz', 'tgz', 'bz2', 'xz', '7z', 'rar', 'jar', 'war',
  'pdf', 'exe', 'dll', 'so', 'dylib', 'o', 'a', 'class', 'wasm', 'node', 'bin', 'dat', 'db', 'sqlite', 'sqlite3',
  'pyc', 'docx', 'xlsx', 'pptx', 'jks', 'p12', 'pfx', 'keystore', 'der',
]);

/** Files whose content never carries anything a rule looks at, but whose size would dominate a run. */
const minifiedPattern = /\.min\.(?:js|css)$|\.map$|\.snap$/;

export interface DiscoverOptions {
  root: string;
  fs: Fs;
  /** gitignore-style patterns relative to the root. */
  exclude: readonly string[];
  /** When non-empty, only files matching one of these gitignore-style patterns are kept. */
  include: readonly string[];
  maxFileBytes: number;
  /** Called after each directory is read, with files found so far. */
  onProgress?: (found: number) => void;
}

export interface DiscoveredFile {
  readonly path: string;
  readonly size: number;
  /** Decoded on first use: a cached run reads every file but needs the text of only a few. */
  readonly text: string;
  readonly hash: string;
  /** Whether the content contains `needle`, answered from the raw bytes while the text has not been decoded. */
  includes(needle: string): boolean;
}

const ascii = /^[\x00-\x7f]*$/;

class ReadFile implements DiscoveredFile {
  #bytes: Buffer | undefined;
  #text: string | undefined;

  constructor(
    readonly path: string,
    readonly size: number,
    readonly hash: string,
    bytes: Uint8Array,
  ) {
    this.#bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get text(): string {
    if (this.#text === undefined) {
      this.#text = decodeText(this.#bytes!);
      this.#bytes = undefined;
    }
    return this.#text;
  }

  includes(needle: string): boolean {
    // An ASCII needle is in the bytes exactly when it is in the decoded text: decoding never consumes an ASCII byte.
    if (this.#text === undefined && ascii.test(needle)) return this.#bytes!.includes(needle, 0, 'latin1');
    return this.text.includes(needle);
  }
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  skipped: SkippedFile[];
  /** Directory names excluded by default; part of the JSON report. */
  defaultExcludes: readonly string[];
}

export interface IgnoreScope {
  base: string;
  matcher: Ignore;
}

function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
}

function relativeTo(base: string, path: string): string {
  return base === '' ? path : path.slice(base.length + 1);
}

/** Applies ignore scopes in order (outer to inner); a later `!pattern` re-includes what an earlier one ignored. */
export function ignoredBy(scopes: readonly IgnoreScope[], path: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const scope of scopes) {
    if (scope.base !== '' && !path.startsWith(scope.base + '/')) continue;
    const candidate = relativeTo(scope.base, path) + (isDirectory ? '/' : '');
    const result = scope.matcher.test(candidate);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

type WalkFs = Pick<Fs, 'readFile' | 'readdir' | 'lstat' | 'realpath'>;

/**
 * The real file system through synchronous calls. A file read through `fs/promises` costs four thread-pool round
 * trips (open, stat, read, close); from the page cache, where a checked-out tree almost always is, the synchronous
 * calls read a large tree in a quarter of the CPU time and wall time.
 */
const syncRealFs: WalkFs = {
  readFile: async (path) => readFileSync(path),
  readdir: async (path, options) => readdirSync(path, options),
  lstat: async (path) => lstatSync(path),
  realpath: async (path) => realpathSync.native(path),
};

const ignoreFileNames = ['.gitignore', '.prodgradeignore'];

/** Reads an ignore file only when it is a regular file of sane size: a FIFO would block and a link could point anywhere. */
async function readIgnoreFile(fs: WalkFs, file: string, maxBytes: number): Promise<string | undefined> {
  try {
    const stats = await fs.lstat(file);
    if (!stats.isFile() || stats.size > maxBytes) return undefined;
    return decodeText(await fs.readFile(file));
  } catch {
    return undefined;
  }
}

function symlinkProblem(error: unknown): string {
  return (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'symbolic link loop (not followed)' : 'broken symbolic link';
}

/**
 * Lists and reads the files of the audited tree. Honours nested `.gitignore` and `.prodgradeignore` files and the
 * config excludes, follows no symbolic link (a link inside the root is audited at its target's own path; one
 * pointing outside is reported), and reports binary, oversized and unreadable files as skipped.
 */
export async function discover(options: DiscoverOptions): Promise<Discovery> {
  const { root, maxFileBytes } = options;
  const fs: WalkFs = options.fs === realFs ? syncRealFs : options.fs;
  const realRoot = await fs.realpath(root);
  const files: DiscoveredFile[] = [];
  const skipped: SkippedFile[] = [];
  const configScope: IgnoreScope = { base: '', matcher: ignore().add([...options.exclude]) };
  const includeMatcher = options.include.length > 0 ? ignore().add([...options.include]) : undefined;
  const defaultExcluded = new Set<string>(defaultExcludedDirectories);

  const queue: Array<{ dir: string; rel: string; scopes: IgnoreScope[] }> = [{ dir: realRoot, rel: '', scopes: [configScope] }];
  const reads: Array<Promise<void>> = [];
  let inFlight = 0;
  const waiters: Array<() => void> = [];
  const limit = 32;

  const readOne = async (abs: string, rel: string, size: number): Promise<void> => {
    while (inFlight >= limit) await new Promise<void>((r) => waiters.push(r));
    inFlight++;
    try {
      const bytes = await fs.readFile(abs);
      if (looksBinary(bytes)) {
        skipped.push({ path: rel, reason: 'binary file' });
        return;
      }
      files.push(new ReadFile(rel, size, createHash('sha1').update(bytes).digest('hex'), bytes));
    } catch (error) {
      skipped.push({ path: rel, reason: `unreadable: ${(error as NodeJS.ErrnoException).code ?? 'error'}` });
    } finally {
      inFlight--;
      waiters.shift()?.();
    }
  };

  while (queue.length > 0) {
    const { dir, rel, scopes: parentScopes } = queue.shift()!;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: rel || '.', reason: `unreadable directory: ${(error as NodeJS.ErrnoException).code ?? 'error'}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let scopes = parentScopes;
    for (const entry of entries) {
      if (!ignoreFileNames.includes(entry.name) || !entry.isFile()) continue;
      const content = await readIgnoreFile(fs, resolve(dir, entry.name), maxFileBytes);
      if (content !== undefined) scopes = [...scopes, { base: rel, matcher: ignore().add(content) }];
    }
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const childAbs = resolve(dir, entry.name);
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await fs.realpath(childAbs);
        } catch (error) {
          skipped.push({ path: childRel, reason: symlinkProblem(error) });
          continue;
        }
        skipped.push({
          path: childRel,
          reason: isInside(realRoot, target)
            ? 'symbolic link (not followed; its target is audited at its own path)'
            : 'symbolic link pointing outside the audited root (not followed)',
        });
        continue;
      }
      if (entry.isDirectory()) {
        if (defaultExcluded.has(entry.name)) continue;
        if (ignoredBy(scopes, childRel, true)) continue;
        queue.push({ dir: childAbs, rel: childRel, scopes });
        continue;
      }
      if (ignoredBy(scopes, childRel, false)) continue;
      if (includeMatcher && !includeMatcher.ignores(childRel)) continue;
      if (!entry.isFile()) {
        // Reading a FIFO blocks forever and a device never ends: only regular files are read.
        skipped.push({ path: childRel, reason: 'not a regular file (FIFO, socket or device)' });
        continue;
      }
      const ext = entry.name.includes('.') ? entry.name.slice(entry.name.lastIndexOf('.') + 1).toLowerCase() : '';
      if (binaryExtensions.has(ext)) {
        skipped.push({ path: childRel, reason: 'binary file' });
        continue;
      }
      if (minifiedPattern.test(entry.name)) {
        skipped.push({ path: childRel, reason: 'generated file (minified bundle, source map or snapshot)' });
        continue;
      }
      let size: number;
      try {
        size = (await fs.lstat(childAbs)).size;
      } catch {
        skipped.push({ path: childRel, reason: 'unreadable' });
        continue;
      }
      if (size > maxFileBytes) {
        skipped.push({ path: childRel, reason: `larger than ${Math.round(maxFileBytes / 1024)} KiB` });
        continue;
      }
      reads.push(readOne(childAbs, childRel, size));
    }
    options.onProgress?.(files.length + reads.length);
  }
  await Promise.all(reads);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped, defaultExcludes: defaultExcludedDirectories };
}
