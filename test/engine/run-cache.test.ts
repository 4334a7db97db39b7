import { readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyRule } from '../../src/core/define-rule.js';
import { realFs } from '../../src/core/fs.js';
import { discover, type Stamps } from '../../src/audit/discover.js';
import type { Report } from '../../src/audit/report.js';
import { auditRun, type AuditRunRequest } from '../../src/audit/run.js';
import { commitAll, git, keys, trackedRule, removeTempDirs, tempDir, testRules, writeTree } from '../support/tree.js';

let cacheDir: string;
const saved = process.env.PRODGRADE_CACHE_DIR;
beforeAll(() => {
  cacheDir = tempDir('prodgrade-run-cache-');
  process.env.PRODGRADE_CACHE_DIR = cacheDir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.PRODGRADE_CACHE_DIR;
  else process.env.PRODGRADE_CACHE_DIR = saved;
  removeTempDirs();
});

/** auditRun with test rules, counting how often the rules had to be loaded (a hit never loads them). */
function runner(rules: readonly AnyRule[] = testRules) {
  let loads = 0;
  const run = (root: string, over: Partial<AuditRunRequest> = {}): Promise<Report> =>
    auditRun({
      root,
      raw: undefined,
      source: undefined,
      loadRules: async () => {
        loads++;
        return rules;
      },
      rulesKey: rules.map((r) => r.meta.id).join(),
      workers: 0,
      today: '2026-01-01',
      ...over,
    });
  return { run, loads: () => loads };
}

const tree = (): string => writeTree(tempDir(), { 'a.ts': 'FLAG;\nTODO;\n', 'b.yaml': 'x: FLAG\n', 'img.png': new Uint8Array([0, 1, 2]) });

describe('whole-run cache', () => {
  it('answers an unchanged tree without loading the rules, with the same report', async () => {
    const root = tree();
    const { run, loads } = runner();
    const first = await run(root);
    expect(first.stats.cache).toBe('miss');
    expect(loads()).toBe(1);
    const second = await run(root);
    expect(loads()).toBe(1);
    expect(second.stats.cache).toBe('hit');
    expect(second.stats.workers).toBe(0);
    const stable = (r: Report) => ({ ...r, generatedAt: '', stats: { ...r.stats, durationMs: 0, cache: '', workers: 0 } });
    expect(stable(second)).toEqual(JSON.parse(JSON.stringify(stable(first))));
    expect(readdirSync(cacheDir).some((name) => name.endsWith('.run.json'))).toBe(true);
  });

  it('misses on any change of a file, an added, removed or skipped file, or an ignore file', async () => {
    const root = tree();
    const { run, loads } = runner();
    await run(root);
    const changes: Array<() => void> = [
      () => writeTree(root, { 'a.ts': 'FLAG;\nTODO;\nFLAG;\n' }),
      () => writeTree(root, { 'c.md': 'FLAG\n' }),
      () => rmSync(join(root, 'c.md')),
      () => writeTree(root, { 'logo.png': new Uint8Array([0, 9, 9, 9]) }),
      () => writeTree(root, { '.gitignore': 'b.yaml\n' }),
      () => writeTree(root, { '.gitignore': '# nothing ignored\n' }),
    ];
    let expected = 1;
    for (const change of changes) {
      change();
      await run(root);
      expect(loads(), `after change ${expected}`).toBe(++expected);
      expect((await run(root)).stats.cache).toBe('hit');
      expect(loads()).toBe(expected);
    }
    // A skipped file counts by its path and why it was skipped: rules never see a binary file's bytes.
    writeTree(root, { 'img.png': new Uint8Array([0, 9, 9, 9]) });
    await run(root);
    expect(loads()).toBe(expected);
    expect(keys(await run(root))).toEqual(['(repository) test-readme', 'a.ts:1 test-flag', 'a.ts:2 test-todo', 'a.ts:3 test-flag', 'b.yaml:1 test-flag']);
  });

  it('misses when the configuration, --fail-on, --type-check, the date or the rule set differ', async () => {
    const root = tree();
    const { run, loads } = runner();
    await run(root);
    const variants: Array<Partial<AuditRunRequest>> = [
      { raw: { rules: { 'test-flag': 'low' } } },
      { raw: { rules: { 'test-flag': { options: { word: 'TODO' } } } } },
      { source: 'prodgrade.config.yaml' },
      { failOn: 'none' },
      { typeCheck: true },
      { today: '2026-01-02' },
      { rulesKey: 'other rules' },
    ];
    for (const variant of variants) {
      const before = loads();
      await run(root, variant);
      expect(loads(), JSON.stringify(variant)).toBe(before + 1);
      await run(root, variant);
      expect(loads(), `${JSON.stringify(variant)} twice`).toBe(before + 1);
    }
    const severity = await run(root, { raw: { rules: { 'test-flag': 'low' } } });
    expect(severity.findings.find((f) => f.ruleId === 'test-flag')?.severity).toBe('low');
  });

  it('never answers --changed-since or --update-baseline; a baseline file is part of the key', async () => {
    const root = tree();
    commitAll(root);
    const { run, loads } = runner();
    await run(root);
    await run(root, { changedSince: 'HEAD' });
    await run(root, { changedSince: 'HEAD' });
    expect(loads()).toBe(3);

    const baseline = join(tempDir(), 'baseline.json');
    await run(root, { baseline: { path: baseline, update: true } });
    await run(root, { baseline: { path: baseline, update: true } });
    expect(loads()).toBe(5);
    const withBaseline = await run(root, { baseline: { path: baseline, update: false } });
    expect(loads()).toBe(6);
    expect(withBaseline.findings).toEqual([]);
    expect((await run(root, { baseline: { path: baseline, update: false } })).stats.cache).toBe('hit');
    expect(loads()).toBe(6);
    writeFileSync(baseline, JSON.stringify({ findings: [] }));
    const emptied = await run(root, { baseline: { path: baseline, update: false } });
    expect(loads()).toBe(7);
    expect(emptied.findings.length).toBeGreaterThan(0);
  });

  it('misses when suppressions may have expired: the date is in the key', async () => {
    const root = writeTree(tempDir(), { 'a.ts': '// prodgrade-ignore-next-line test-flag -- demo until=2026-01-01\nFLAG;\n' });
    const { run, loads } = runner();
    expect(keys(await run(root, { today: '2026-01-01' }))).not.toContain('a.ts:2 test-flag');
    expect((await run(root, { today: '2026-01-01' })).stats.cache).toBe('hit');
    expect(loads()).toBe(1);
    const later = await run(root, { today: '2026-01-02' });
    expect(loads()).toBe(2);
    expect(keys(later)).toContain('a.ts:2 test-flag');
  });

  it('misses when what git tracks changed, for rules that asked git', async () => {
    const root = writeTree(tempDir(), { 'secret.env': 'KEY=1\n', 'README.md': '#\n' });
    commitAll(root);
    const { run, loads } = runner([trackedRule]);
    expect(keys(await run(root))).toEqual(['secret.env:1 test-tracked']);
    expect((await run(root)).stats.cache).toBe('hit');
    git(root, 'rm', '-q', '--cached', 'secret.env');
    const report = await run(root);
    expect(loads()).toBe(2);
    expect(keys(report)).toEqual([]);
  });

  it('--no-cache neither reads nor writes it', async () => {
    const root = tree();
    const { run, loads } = runner();
    await run(root, { cache: false });
    await run(root, { cache: false });
    expect(loads()).toBe(2);
    expect((await run(root, { cache: false })).stats.cache).toBe('off');
  });
});

describe('file stamps', () => {
  /** Stamps as if taken `ms` from now: lets a test trust files written a moment ago. */
  const takenIn = (stamps: Stamps, ms: number): Stamps => ({ ...stamps, takenAt: Date.now() + ms });
  const walk = (root: string, known?: Stamps) => discover({ root, fs: realFs, exclude: [], include: [], maxFileBytes: 1024 * 1024, ...(known ? { known } : {}) });

  it('an unchanged file is not read again: its hash is reused and its content read when asked for', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'const a = 1;\n', 'bin.dat2': new Uint8Array([0, 1]) });
    const first = await walk(root);
    expect(first.stamps?.files['a.ts']?.[4]).toBe(first.files.find((f) => f.path === 'a.ts')?.hash);
    expect(first.stamps?.files['bin.dat2']?.[4]).toBeNull();
    const known = takenIn(first.stamps!, 10_000);
    known.files['a.ts']![4] = 'trusted-hash';
    const second = await walk(root, known);
    const a = second.files.find((f) => f.path === 'a.ts')!;
    expect(a.hash).toBe('trusted-hash');
    expect(a.text).toBe('const a = 1;\n');
    expect(second.skipped).toEqual([{ path: 'bin.dat2', reason: 'binary file' }]);
  });

  it('a rewrite is read again even with the same size and modification time (the status-change time moved)', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'const a = 1;\n' });
    const first = await walk(root);
    const [, mtimeMs] = first.stamps!.files['a.ts']!;
    await new Promise((done) => setTimeout(done, 20));
    writeTree(root, { 'a.ts': 'const b = 2;\n' });
    utimesSync(join(root, 'a.ts'), new Date(mtimeMs), new Date(mtimeMs));
    const second = await walk(root, takenIn(first.stamps!, 10_000));
    const a = second.files.find((f) => f.path === 'a.ts')!;
    expect(a.hash).not.toBe(first.files[0]!.hash);
    expect(a.text).toBe('const b = 2;\n');
  });

  it('a stamp taken within moments of the file’s last change is not trusted', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'const a = 1;\n' });
    const first = await walk(root);
    first.stamps!.files['a.ts']![4] = 'stale';
    const second = await walk(root, first.stamps);
    expect(second.files[0]!.hash).not.toBe('stale');
  });
});
