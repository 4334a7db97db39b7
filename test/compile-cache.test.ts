import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flushCompileCache, loadWithCodeCache, type CodeCacheOutcome } from '../src/audit/compile-cache.js';

const work = mkdtempSync(join(tmpdir(), 'prodgrade-compile-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fixtures = 0;
// A fixed modification time: a test can then change a file's text without changing its size or time.
const fixedTime = new Date('2024-01-02T03:04:05Z');

function writeModule(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  utimesSync(file, fixedTime, fixedTime);
}

/** A CommonJS module of its own (V8 keeps what it compiled in memory, keyed by the text). */
function newModule(label: string): { file: string; dir: string } {
  const dir = join(work, `case-${++fixtures}`);
  const file = join(dir, 'bundle.js');
  writeModule(file, `'use strict';\nconst { join } = require('node:path');\nfunction twice(n) { return n * 2; }\nmodule.exports = { label: ${JSON.stringify(label)}, twice, file: __filename, dir: __dirname, joined: join('a', 'b') };\n`);
  return { file, dir: join(dir, 'cache') };
}

function load(file: string, cacheDir: string): { outcome: CodeCacheOutcome | undefined; exports: Record<string, unknown> } {
  const mod = new Module(file);
  const outcome = loadWithCodeCache(mod, file, cacheDir);
  return { outcome, exports: mod.exports as Record<string, unknown> };
}

function expectLoaded(exports: Record<string, unknown>, label: string, file: string): void {
  expect(exports).toMatchObject({ label, file, dir: dirname(file), joined: join('a', 'b') });
  expect((exports.twice as (n: number) => number)(21)).toBe(42);
}

const cacheFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

describe('code cache of a CommonJS bundle', () => {
  it('misses, writes the cache when flushed, then hits', () => {
    const { file, dir } = newModule('miss-then-hit');
    const first = load(file, dir);
    expect(first.outcome).toBe('missing');
    expectLoaded(first.exports, 'miss-then-hit', file);
    expect(cacheFiles(dir)).toEqual([]);
    flushCompileCache();
    expect(cacheFiles(dir)).toHaveLength(1);
    expect(cacheFiles(dir)[0]).toMatch(/^[0-9a-f]{24}\.bin$/); // no temporary file left behind
    const second = load(file, dir);
    expect(second.outcome).toBe('hit');
    expectLoaded(second.exports, 'miss-then-hit', file);
  });

  it('treats the cache of an older version of the file as stale and replaces it', () => {
    const { file, dir } = newModule('stale');
    load(file, dir);
    flushCompileCache();
    writeModule(file, `${readFileSync(file, 'utf8')}module.exports.extra = true;\n`);
    const changed = load(file, dir);
    expect(changed.outcome).toBe('stale');
    expect(changed.exports.extra).toBe(true);
    flushCompileCache();
    expect(load(file, dir).outcome).toBe('hit');
  });

  it('ignores a damaged or truncated cache file, loads the module anyway, and rewrites the file', () => {
    const { file, dir } = newModule('corrupt');
    load(file, dir);
    flushCompileCache();
    const cacheFile = join(dir, cacheFiles(dir)[0]!);
    const bytes = readFileSync(cacheFile);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
    writeFileSync(cacheFile, bytes);
    const damaged = load(file, dir);
    expect(damaged.outcome).toBe('corrupt');
    expectLoaded(damaged.exports, 'corrupt', file);
    flushCompileCache();
    expect(load(file, dir).outcome).toBe('hit');
    writeFileSync(cacheFile, bytes.subarray(0, 20));
    expect(load(file, dir).outcome).toBe('corrupt');
  });

  it('rewrites data that V8 rejects', () => {
    const other = newModule('rejected-other');
    load(other.file, other.dir);
    const { file, dir } = newModule('rejected');
    load(file, dir);
    flushCompileCache();
    // The right key and checksum around V8 data of another script (layout: key, SHA-256 of the data, data).
    const ownFile = join(dir, cacheFiles(dir)[0]!);
    const foreign = readFileSync(join(other.dir, cacheFiles(other.dir)[0]!)).subarray(32);
    writeFileSync(ownFile, Buffer.concat([readFileSync(ownFile).subarray(0, 32), foreign]));
    // Same size and time, new text: V8 has not compiled it yet in this process, so it does look at the data.
    writeModule(file, readFileSync(file, 'utf8').replace('n * 2', 'n + n'));
    const rejected = load(file, dir);
    expect(rejected.outcome).toBe('rejected');
    expectLoaded(rejected.exports, 'rejected', file);
    flushCompileCache();
    expect(readFileSync(ownFile).subarray(32).equals(foreign)).toBe(false);
  });

  it('works without a cache when the directory cannot be written', () => {
    const { file } = newModule('unwritable');
    const blocker = join(work, 'not-a-directory');
    writeFileSync(blocker, '');
    const dir = join(blocker, 'code-cache');
    const result = load(file, dir);
    expect(result.outcome).toBe('missing');
    expectLoaded(result.exports, 'unwritable', file);
    expect(() => flushCompileCache()).not.toThrow();
    expect(load(file, dir).outcome).toBe('missing');
  });

  it('leaves an unreadable file to Node, having run nothing', () => {
    const mod = new Module(join(work, 'absent.js'));
    expect(loadWithCodeCache(mod, join(work, 'absent.js'), join(work, 'cache'))).toBeUndefined();
    expect(mod.exports).toEqual({});
  });
});

const repo = join(import.meta.dirname, '..');
const nodeHasItsOwn = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/**
 * A fresh Node process that turns the cache on, loads TypeScript the way the engine does and through ts-morph (an ES
 * import, as the rules do), and checks that both reach one TypeScript (tsx wraps the engine's `require` result, so
 * its functions are compared) and that ts-morph's type checker works on it.
 */
function runChild(auditedRoot: string, cacheDir: string, env: Record<string, string> = {}): { outcomes: { outcome: string }[]; oneTypeScript: boolean; type: string } {
  const script = join(work, 'child.mts');
  writeFileSync(
    script,
    `import { pathToFileURL } from 'node:url';
const [src, root, tsMorph] = process.argv.slice(2);
const cache = await import(pathToFileURL(src + '/audit/compile-cache.ts').href);
cache.enableCompileCache(root);
const { typescript } = await import(pathToFileURL(src + '/audit/parsers/typescript.ts').href);
const { Project, ts } = await import(pathToFileURL(tsMorph).href);
const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { noLib: true } });
const type = project.createSourceFile('a.ts', 'const one = 1; export const n = one + one;').getVariableDeclarationOrThrow('n').getType().getText();
console.log(JSON.stringify({ outcomes: cache.codeCacheOutcomes(), oneTypeScript: ts.createSourceFile === typescript().createSourceFile && ts.SyntaxKind === typescript().SyntaxKind, type }));
`,
  );
  const tsMorph = createRequire(join(repo, 'package.json')).resolve('ts-morph');
  const output = execFileSync(process.execPath, ['--import', 'tsx', script, join(repo, 'src'), auditedRoot, tsMorph], {
    cwd: repo,
    env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '', PRODGRADE_CACHE_DIR: cacheDir, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').pop()!) as ReturnType<typeof runChild>;
}

describe.skipIf(nodeHasItsOwn)('compile cache on Node without module.enableCompileCache', () => {
  const cacheDir = join(work, 'user-cache');
  const codeCache = join(cacheDir, 'code-cache');
  const audited = join(work, 'audited');
  mkdirSync(audited, { recursive: true });

  it('is off with NODE_DISABLE_COMPILE_CACHE=1', () => {
    const run = runChild(audited, cacheDir, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(run).toMatchObject({ outcomes: [], oneTypeScript: true, type: 'number' });
    expect(existsSync(codeCache)).toBe(false);
  });

  it('is off when the cache directory lies inside the audited tree', () => {
    const run = runChild(work, cacheDir);
    expect(run).toMatchObject({ outcomes: [], oneTypeScript: true, type: 'number' });
    expect(existsSync(codeCache)).toBe(false);
  });

  it("caches ts-morph's TypeScript at exit and reuses it, one instance for the engine and ts-morph", () => {
    const cold = runChild(audited, cacheDir);
    expect(cold).toEqual({ outcomes: [{ file: expect.stringMatching(/typescript\.js$/), outcome: 'missing' }], oneTypeScript: true, type: 'number' });
    expect(cacheFiles(codeCache)).toHaveLength(1);
    const warm = runChild(audited, cacheDir);
    expect(warm).toMatchObject({ outcomes: [{ outcome: 'hit' }], oneTypeScript: true, type: 'number' });
  });
});
