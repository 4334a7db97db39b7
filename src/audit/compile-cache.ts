import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import module, { createRequire, type Module } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { Script, constants as vmConstants } from 'node:vm';
import { isMainThread, threadId } from 'node:worker_threads';
import { cacheDirectory, cacheFileFor } from './cache.js';

/**
 * The one CommonJS file worth a code cache: ts-morph's copy of TypeScript, 9 MB that the main thread and every worker
 * compile again, a quarter of a second each time. ts-morph's own two bundles (4 MB) spend their load time running, not
 * compiling: caching them measured no gain. Everything else loaded is small.
 */
const cachedBundle = ['', 'node_modules', '@ts-morph', 'common', 'dist', 'typescript.js'].join(sep);

// Node's CommonJS wrapper, kept on one line so that line numbers in stack traces stay those of the file.
const wrapperHead = '(function (exports, require, module, __filename, __dirname) { ';
const wrapperTail = '\n});';

type CommonJsWrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
type ExtensionLoader = (module: Module, filename: string) => void;

/** What became of a bundle's cached code: anything but a hit is written anew by `flushCompileCache`. */
export type CodeCacheOutcome = 'hit' | 'missing' | 'stale' | 'corrupt' | 'rejected';

interface CompiledBundle {
  file: string;
  cacheFile: string;
  key: Buffer;
  script: Script;
  outcome: CodeCacheOutcome;
  written: boolean;
}

const compiled: CompiledBundle[] = [];
let hookInstalled = false;

const sha256 = (data: string | Buffer): Buffer => createHash('sha256').update(data).digest();

/**
 * Turns on a cache of compiled code for the modules loaded after this call. Node 22.1 and later have their own
 * (`module.enableCompileCache`); on older versions prodgrade keeps V8's code cache of TypeScript's bundle in
 * `code-cache/` of its cache directory, next to the result cache. `NODE_DISABLE_COMPILE_CACHE=1` turns either off.
 * The main thread, given the audited root, writes that cache at exit, and turns it off when the directory lies inside
 * the audited tree; worker threads (no root) only read it.
 */
export function enableCompileCache(auditedRoot?: string): void {
  // Not in @types/node 20, which this package is typed against.
  const nodeCompileCache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
  if (nodeCompileCache) {
    nodeCompileCache();
    return;
  }
  if (process.env.NODE_DISABLE_COMPILE_CACHE || hookInstalled) return;
  if (auditedRoot !== undefined && cacheFileFor(auditedRoot) === undefined) return; // the cache directory is in the tree
  hookInstalled = true;
  const directory = join(cacheDirectory(), 'code-cache');
  // `require.extensions`: the one place that sees every CommonJS load, `require` from ts-morph as well as an ES
  // import of it, and where the file is not read yet.
  const extensions = (module as unknown as { _extensions: Record<string, ExtensionLoader> })._extensions;
  const loadJs = extensions['.js']!;
  extensions['.js'] = (mod, filename) => {
    if (filename.endsWith(cachedBundle) && loadWithCodeCache(mod, filename, directory)) return;
    loadJs.call(extensions, mod, filename);
  };
  if (isMainThread && auditedRoot !== undefined) process.once('exit', flushCompileCache);
}

/**
 * Compiles and runs one CommonJS file into `mod` (already in `require.cache`, as Node puts it there before loading),
 * with V8's code cache from `cacheDirectory` when it is there and still fits. Returns undefined, having run nothing,
 * when the file cannot be read: Node's own loader then reports that.
 */
export function loadWithCodeCache(mod: Module, filename: string, cacheDirectory: string): CodeCacheOutcome | undefined {
  let wrapped: WrappedSource;
  try {
    wrapped = readWrapped(filename);
  } catch {
    return undefined;
  }
  const runtime = `${process.version} ${process.versions.v8} ${process.arch}`;
  const cacheFile = join(cacheDirectory, `${sha256(`${runtime}\n${filename}`).toString('hex').slice(0, 24)}.bin`);
  // V8 itself checks its version and flags, and the length of the source but not its text: the file's size and
  // modification time stand for its content.
  const key = sha256(JSON.stringify([runtime, filename, wrapped.size, wrapped.mtimeMs]));
  const stored = readCodeCache(cacheFile, key);
  const script = new Script(wrapped.source, {
    filename,
    ...(Buffer.isBuffer(stored) ? { cachedData: stored } : {}),
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const outcome = Buffer.isBuffer(stored) ? (script.cachedDataRejected ? 'rejected' : 'hit') : stored;
  compiled.push({ file: filename, cacheFile, key, script, outcome, written: false });
  const wrapper = script.runInThisContext() as CommonJsWrapper;
  wrapper.call(mod.exports, mod.exports, createRequire(filename), mod, filename, dirname(filename));
  return outcome;
}

/**
 * Writes the code cache of every bundle this thread compiled without a usable one. Done at exit, not at load: the
 * code of the functions run since then (TypeScript's scanner and parser) is in it too, which saves compiling them
 * lazily in the next runs. A cache that cannot be written is not an error (read-only home, full disk).
 */
export function flushCompileCache(): void {
  for (const bundle of compiled) {
    if (bundle.outcome === 'hit' || bundle.written) continue;
    bundle.written = true;
    const data = bundle.script.createCachedData();
    writeAtomically(bundle.cacheFile, [bundle.key, sha256(data), data]);
  }
}

/** The bundles this thread loaded through the code cache, and what became of their cache. */
export function codeCacheOutcomes(): { file: string; outcome: CodeCacheOutcome }[] {
  return compiled.map(({ file, outcome }) => ({ file, outcome }));
}

interface WrappedSource {
  source: string;
  size: number;
  mtimeMs: number;
}

/** The file inside Node's wrapper, read into one buffer: one flat string for V8, no 9 MB concatenation. */
function readWrapped(filename: string): WrappedSource {
  const fd = openSync(filename, 'r');
  try {
    const { size, mtimeMs } = fstatSync(fd);
    const bytes = Buffer.allocUnsafe(wrapperHead.length + size + wrapperTail.length);
    bytes.write(wrapperHead, 0, 'latin1');
    let read = 0;
    while (read < size) {
      const count = readSync(fd, bytes, wrapperHead.length + read, size - read, read);
      if (count === 0) throw new Error(`${filename} shrank while being read`);
      read += count;
    }
    bytes.write(wrapperTail, wrapperHead.length + size, 'latin1');
    // ASCII read as Latin-1 is the same text, in a third of the time UTF-8 decoding takes. A byte-order mark, which
    // Node strips, is whitespace to JavaScript.
    return { source: bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8'), size, mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Layout of a cache file: the key (32 bytes), the SHA-256 of the data (32 bytes), V8's data. */
function readCodeCache(cacheFile: string, key: Buffer): Buffer | 'missing' | 'stale' | 'corrupt' {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return 'missing';
  }
  if (bytes.length < 64) return 'corrupt';
  if (!bytes.subarray(0, 32).equals(key)) return 'stale';
  const data = bytes.subarray(64);
  // V8 checks the data's checksum only in debug builds: a damaged file must not reach it.
  return sha256(data).equals(bytes.subarray(32, 64)) ? data : 'corrupt';
}

function writeAtomically(file: string, parts: readonly Buffer[]): void {
  const temporary = `${file}.${process.pid}.${threadId}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(temporary, 'w');
    try {
      for (const part of parts) {
        for (let written = 0; written < part.length; ) written += writeSync(fd, part, written);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written, or the directory cannot be written at all
    }
  }
}
