import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFileFor } from '../../src/audit/cache.js';
import { audit, commitAll, git, keys, trackedRule, removeTempDirs, snapshotTree, tempDir, testRules, writeTree } from '../support/tree.js';

let cacheDir: string;
const saved = process.env.PRODGRADE_CACHE_DIR;
beforeAll(() => {
  cacheDir = tempDir('prodgrade-cache-');
  process.env.PRODGRADE_CACHE_DIR = cacheDir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.PRODGRADE_CACHE_DIR;
  else process.env.PRODGRADE_CACHE_DIR = saved;
  removeTempDirs();
});

const cached = (root: string, rules = testRules) => audit(root, rules, undefined, { cache: true });

describe('result cache', () => {
  it('misses, then hits, then is partial after an edit; --no-cache is off; the file lives in PRODGRADE_CACHE_DIR', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'FLAG;\nTODO;\n', 'b.yaml': 'x: FLAG\n' });
    const before = snapshotTree(root);
    const first = await cached(root);
    expect(first.stats.cache).toBe('miss');
    const file = cacheFileFor(root)!;
    expect(file.startsWith(cacheDir)).toBe(true);
    expect(existsSync(file)).toBe(true);

    const second = await cached(root);
    expect(second.stats.cache).toBe('hit');
    expect(second.findings).toEqual(first.findings);

    writeTree(root, { 'b.yaml': 'x: FLAG\ny: FLAG\n' });
    const third = await cached(root);
    expect(third.stats.cache).toBe('partial');
    expect(keys(third)).toEqual(['(repository) test-readme', 'a.ts:1 test-flag', 'a.ts:2 test-todo', 'b.yaml:1 test-flag', 'b.yaml:2 test-flag']);

    expect((await audit(root, testRules, undefined, { cache: false })).stats.cache).toBe('off');
    const after = snapshotTree(root);
    expect([...after.keys()]).toEqual([...before.keys()]);
    expect(readdirSync(cacheDir).every((name) => name.endsWith('.json'))).toBe(true);
  });

  it('is off when the cache directory would sit inside the audited tree', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'FLAG\n' });
    process.env.PRODGRADE_CACHE_DIR = join(root, '.cache-here');
    try {
      const report = await cached(root);
      expect(report.stats.cache).toBe('off');
      expect(existsSync(join(root, '.cache-here'))).toBe(false);
    } finally {
      process.env.PRODGRADE_CACHE_DIR = cacheDir;
    }
  });

  it('re-audits an unchanged file that now belongs to another workspace package', async () => {
    const root = writeTree(tempDir(), { 'package.json': '{"name":"root"}', 'packages/a/x.ts': 'FLAG\n' });
    expect((await cached(root)).findings.find((f) => f.ruleId === 'test-flag')?.package).toBe('.');
    writeTree(root, { 'package.json': '{"name":"root","workspaces":["packages/*"]}', 'packages/a/package.json': '{"name":"a"}' });
    const report = await cached(root);
    expect(report.findings.find((f) => f.ruleId === 'test-flag')?.package).toBe('packages/a');
  });

  it('re-runs repository rules that asked git when what git tracks changed, though no byte of the tree did', async () => {
    const root = writeTree(tempDir(), { 'secret.env': 'KEY=1\n', 'README.md': '#\n' });
    commitAll(root);
    expect(keys(await cached(root, [trackedRule]))).toEqual(['secret.env:1 test-tracked']);
    git(root, 'rm', '-q', '--cached', 'secret.env');
    const report = await cached(root, [trackedRule]);
    expect(keys(report)).toEqual([]);
    expect(report.stats.cache).toBe('partial');
  });
});
