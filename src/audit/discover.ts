import { createHash, hash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync, readdirSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { ignore, type Ignore } from './ignore.js';
import { KnownError } from '../core/errors.js';
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
  /** Stamps of the previous run (real file system only): files whose stamp is unchanged are not read (see {@link Stamps}). */
  known?: Stamps;
}

/**
 * What a file looked like when it was last read: size, modification and status-change times, inode, and its content
 * hash (null: binary). A file whose stamp is unchanged is not read again: its hash is reused and its content read
 * only if asked for. Any write changes the status-change time (which no tool can set back), a replacement changes the
 * inode. As git does with its index, a stamp is trusted only when its times are a safe distance before the moment it
 * was taken: a file written within the same clock tick as that moment could change again without changing its times.
 */
export interface Stamps {
  /** When the walk that took them started (ms since the epoch). */
  takenAt: number;
  files: Record<string, [size: number, mtimeMs: number, ctimeMs: number, ino: number, hash: string | null]>;
}

/** A stamp younger than this, relative to when it was taken, is not trusted (coarse file-system clocks tick in 2 s). */
const racyMarginMs = 2000;

export interface DiscoveredFile {
  readonly path: string;
  readonly size: number;
  /** Decoded on first use: a cached run reads every file but needs the text of only a few. */
  readonly text: string;
  readonly hash: string;
  /** Whether the content contains `needle`, answered from the raw bytes while the text has not been decoded. */
  includes(needle: string): boolean;
  /**
   * The raw bytes, for byte-level pre-filters. They are kept after the text is decoded: encoding the text again for
   * every pre-filter that reads it cost more time than the bytes take memory.
   */
  content(): Uint8Array;
  /** Whether something already decoded the text. */
  readonly decoded: boolean;
}

const ascii = /^[\x00-\x7f]*$/;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

class ReadFile implements DiscoveredFile {
  #bytes: Buffer | undefined;
  #text: string | undefined;
  /** Reads the content of a file whose stamp was trusted, when something first asks for it. */
  #load: (() => Uint8Array) | undefined;

  constructor(
    readonly path: string,
    readonly size: number,
    readonly hash: string,
    bytes: Uint8Array | (() => Uint8Array),
  ) {
    if (typeof bytes === 'function') this.#load = bytes;
    else this.#bytes = asBuffer(bytes);
  }

  private get bytes(): Buffer {
    if (this.#bytes === undefined) {
      this.#bytes = asBuffer(this.#load!());
      this.#load = undefined;
    }
    return this.#bytes;
  }

  get text(): string {
    this.#text ??= decodeText(this.bytes);
    return this.#text;
  }

  get decoded(): boolean {
    return this.#text !== undefined;
  }

  includes(needle: string): boolean {
    // An ASCII needle is in the bytes exactly when it is in the decoded text: decoding never consumes an ASCII byte.
    if (this.#text === undefined && ascii.test(needle)) return this.bytes.includes(needle, 0, 'latin1');
    return this.text.includes(needle);
  }

  content(): Uint8Array {
    return this.bytes;
  }

  /** The bytes as read, if neither decoded nor left to be read later (what {@link portableDiscovery} can send). */
  readBytes(): Buffer | undefined {
    return this.#text === undefined ? this.#bytes : undefined;
  }
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  skipped: SkippedFile[];
  /** Stamps of the files read or trusted, for the next run (real file system only). */
  stamps?: Stamps;
  /** Directory names excluded by default; part of the JSON report. */
  defaultExcludes: readonly string[];
}

/**
 * A discovery as a worker thread sends it to the main thread: each file's bytes as a range of one of `buffers`, which
 * travel transferred, not copied (files are read into shared slabs, so there are few of them).
 */
export interface PortableDiscovery {
  files: Array<[path: string, size: number, hash: string, buffer: number, byteOffset: number, byteLength: number]>;
  buffers: ArrayBuffer[];
  skipped: SkippedFile[];
  stamps?: Stamps;
}

/**
 * Packs a discovery whose files were all read (none trusted from stamps, none decoded) for `postMessage`; returns
 * undefined otherwise. The buffers are listed for transfer: after sending, this thread can no longer read them.
 */
export function portableDiscovery(discovery: Discovery): { portable: PortableDiscovery; transfer: ArrayBuffer[] } | undefined {
  const buffers = new Map<ArrayBuffer, number>();
  const files: PortableDiscovery['files'] = [];
  for (const file of discovery.files) {
    const bytes = file instanceof ReadFile ? file.readBytes() : undefined;
    if (!bytes) return undefined;
    const buffer = bytes.buffer as ArrayBuffer;
    let index = buffers.get(buffer);
    if (index === undefined) buffers.set(buffer, (index = buffers.size));
    files.push([file.path, file.size, file.hash, index, bytes.byteOffset, bytes.byteLength]);
  }
  const transfer = [...buffers.keys()];
  return {
    portable: { files, buffers: transfer, skipped: discovery.skipped, ...(discovery.stamps ? { stamps: discovery.stamps } : {}) },
    transfer,
  };
}

/** The discovery a worker packed with {@link portableDiscovery}. */
export function fromPortable(portable: PortableDiscovery): Discovery {
  return {
    files: portable.files.map(
      ([path, size, hash, buffer, offset, length]) => new ReadFile(path, size, hash, Buffer.from(portable.buffers[buffer]!, offset, length)),
    ),
    skipped: portable.skipped,
    ...(portable.stamps ? { stamps: portable.stamps } : {}),
    defaultExcludes: defaultExcludedDirectories,
  };
}

const treeDigests = new WeakMap<Discovery, string>();

/**
 * A digest of the tree as discovered: every file's path and content hash, every skipped path and why (repository
 * rules see skipped files through `model.exists`). Computed once per discovery; it keys the per-file cache's
 * repository entry and, completed, the whole-run cache.
 */
export function treeDigest(discovery: Discovery): string {
  let value = treeDigests.get(discovery);
  if (value === undefined) {
    const h = createHash('sha256');
    for (const f of discovery.files) h.update(f.path).update('\0').update(f.hash).update('\0');
    h.update('\0skipped\0');
    for (const f of discovery.skipped) h.update(f.path).update('\0').update(f.reason).update('\0');
    treeDigests.set(discovery, (value = h.digest('hex').slice(0, 32)));
  }
  return value;
}

/** Throws a known error unless `root` is an existing directory. */
export async function assertDirectory(fs: Fs, root: string): Promise<void> {
  let stats;
  try {
    stats = await fs.stat(root);
  } catch {
    throw new KnownError(`Path not found: ${root}`, 'Pass the directory of the repository to audit, e.g. `prodgrade audit .`');
  }
  if (!stats.isDirectory()) throw new KnownError(`Not a directory: ${root}`, 'Pass the repository directory, not a file.');
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
    const { base } = scope;
    if (base !== '' && !(path[base.length] === '/' && path.startsWith(base))) continue;
    const candidate = relativeTo(scope.base, path) + (isDirectory ? '/' : '');
    const result = scope.matcher.test(candidate);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}

type WalkFs = Pick<Fs, 'readFile' | 'readdir' | 'lstat' | 'realpath'> & {
  /**
   * Reads a regular file unless it is larger than `maxBytes` (then only its size): one open, one fstat, one read.
   * Only the real file system has it; other ports lstat, then read.
   */
  readSmall?(path: string, maxBytes: number): { size: number; bytes?: Uint8Array; mtimeMs: number; ctimeMs: number; ino: number };
};

/**
 * Files are read into shared slabs: thousands of small buffers cost more in allocation and garbage collection than the
 * reads themselves. A slab lives as long as one of its files does: a file keeps its bytes after its text is decoded.
 */
class Slabs {
  static readonly size = 4 * 1024 * 1024;
  private slab = Buffer.allocUnsafeSlow(0);
  private used = 0;

  take(n: number): Buffer {
    if (n > Slabs.size / 4) return Buffer.allocUnsafeSlow(n);
    if (this.used + n > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Slabs.size);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return out;
  }
}

const noFollow = constants.O_NOFOLLOW ?? 0;

function readSmallSync(slabs: Slabs): NonNullable<WalkFs['readSmall']> {
  return (path, maxBytes) => {
    const fd = openSync(path, constants.O_RDONLY | noFollow);
    try {
      const { size, mtimeMs, ctimeMs, ino } = fstatSync(fd);
      if (size > maxBytes) return { size, mtimeMs, ctimeMs, ino };
      const bytes = slabs.take(size);
      let read = 0;
      while (read < size) {
        const n = readSync(fd, bytes, read, size - read, null);
        if (n === 0) break; // truncated meanwhile
        read += n;
      }
      return { size: read, bytes: bytes.subarray(0, read), mtimeMs, ctimeMs, ino };
    } finally {
      closeSync(fd);
    }
  };
}

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
  const fs: WalkFs = options.fs === realFs ? { ...syncRealFs, readSmall: readSmallSync(new Slabs()) } : options.fs;
  const realRoot = await fs.realpath(root);
  const files: DiscoveredFile[] = [];
  const skipped: SkippedFile[] = [];
  // A matcher without patterns neither ignores nor re-includes anything: testing every path against it is waste.
  const configScopes: IgnoreScope[] = options.exclude.length > 0 ? [{ base: '', matcher: ignore().add([...options.exclude]) }] : [];
  const includeMatcher = options.include.length > 0 ? ignore().add([...options.include]) : undefined;
  const defaultExcluded = new Set<string>(defaultExcludedDirectories);

  const queue: Array<{ dir: string; rel: string; scopes: IgnoreScope[] }> = [{ dir: realRoot, rel: '', scopes: configScopes }];
  const reads: Array<Promise<void>> = [];
  let inFlight = 0;
  const waiters: Array<() => void> = [];
  const limit = 32;

  const takenAt = Date.now();
  const stamps: Stamps | undefined = fs.readSmall ? { takenAt, files: {} } : undefined;
  const known = fs.readSmall ? options.known : undefined;
  const accept = (rel: string, size: number, bytes: Uint8Array): string | null => {
    if (looksBinary(bytes)) {
      skipped.push({ path: rel, reason: 'binary file' });
      return null;
    }
    const digest = hash('sha1', bytes, 'hex');
    files.push(new ReadFile(rel, size, digest, bytes));
    return digest;
  };
  /** A file whose stamp is unchanged since the last run: its hash is reused, its content read only if asked for. */
  const trusted = (abs: string, rel: string): boolean => {
    const stamp = known?.files[rel];
    if (!stamp) return false;
    const [size, mtimeMs, ctimeMs, ino, digest] = stamp;
    if (size > maxFileBytes || Math.max(mtimeMs, ctimeMs) >= known!.takenAt - racyMarginMs) return false;
    const now = lstatSync(abs, { throwIfNoEntry: false });
    if (!now?.isFile() || now.size !== size || now.mtimeMs !== mtimeMs || now.ctimeMs !== ctimeMs || now.ino !== ino) return false;
    if (digest === null) skipped.push({ path: rel, reason: 'binary file' });
    else {
      files.push(
        new ReadFile(rel, size, digest, () => {
          try {
            return readFileSync(abs);
          } catch {
            return new Uint8Array(); // removed since: audited as empty
          }
        }),
      );
    }
    stamps!.files[rel] = stamp;
    return true;
  };
  const tooLarge = (rel: string): void => {
    skipped.push({ path: rel, reason: `larger than ${Math.round(maxFileBytes / 1024)} KiB` });
  };
  /** The real file system: synchronous, no promise per file. */
  const readNow = (readSmall: NonNullable<WalkFs['readSmall']>, abs: string, rel: string): void => {
    let result;
    try {
      result = readSmall(abs, maxFileBytes);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Replaced by a symbolic link since the directory was listed: not followed, as any other link.
      skipped.push({ path: rel, reason: code === 'ELOOP' ? 'symbolic link (not followed)' : `unreadable: ${code ?? 'error'}` });
      return;
    }
    if (!result.bytes) tooLarge(rel);
    else stamps!.files[rel] = [result.size, result.mtimeMs, result.ctimeMs, result.ino, accept(rel, result.size, result.bytes)];
  };
  const readOne = async (abs: string, rel: string, size: number): Promise<void> => {
    while (inFlight >= limit) await new Promise<void>((r) => waiters.push(r));
    inFlight++;
    try {
      accept(rel, size, await fs.readFile(abs));
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
    // Entry names hold no separator and `dir` is resolved: joining by hand is what `resolve` would return, without
    // re-normalising the whole path for every entry.
    const dirPrefix = dir.endsWith(sep) ? dir : dir + sep;
    let scopes = parentScopes;
    for (const entry of entries) {
      if (!ignoreFileNames.includes(entry.name) || !entry.isFile()) continue;
      const content = await readIgnoreFile(fs, dirPrefix + entry.name, maxFileBytes);
      if (content !== undefined) scopes = [...scopes, { base: rel, matcher: ignore().add(content) }];
    }
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const childAbs = dirPrefix + entry.name;
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
      if (fs.readSmall) {
        if (!trusted(childAbs, childRel)) readNow(fs.readSmall, childAbs, childRel);
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
        tooLarge(childRel);
        continue;
      }
      reads.push(readOne(childAbs, childRel, size));
    }
    options.onProgress?.(files.length + reads.length);
  }
  await Promise.all(reads);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped, ...(stamps ? { stamps } : {}), defaultExcludes: defaultExcludedDirectories };
}
