import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KnownError } from '../../src/core/errors.js';
import { audit, flagRule, keys, removeTempDirs, tempDir, writeTree } from '../support/tree.js';

afterAll(removeTempDirs);

const withBaseline = (root: string, path: string, update = false) => audit(root, [flagRule], undefined, { baseline: { path, update } });

describe('baseline', () => {
  it('records findings outside the tree, then reports only new ones and lists stale entries', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'FLAG one;\nFLAG two;\n', 'b.yaml': 'x: FLAG\n' });
    const file = join(tempDir('prodgrade-baseline-'), 'baseline.json');

    const recorded = await withBaseline(root, file, true);
    expect(recorded.findings).toEqual([]);
    expect(recorded.baseline).toMatchObject({ matched: 3, stale: [] });
    const data = JSON.parse(readFileSync(file, 'utf8')) as { schemaVersion: number; findings: Array<{ fingerprint: string; ruleId: string; path: string }> };
    expect(data.schemaVersion).toBe(1);
    expect(data.findings.map((f) => f.path).sort()).toEqual(['a.ts', 'a.ts', 'b.yaml']);

    const again = await withBaseline(root, file);
    expect(again.findings).toEqual([]);
    expect(again.baseline).toMatchObject({ matched: 3, stale: [] });
    expect(again.summary.failed).toBe(false);

    writeTree(root, { 'a.ts': 'FLAG one;\nFLAG three;\n', 'b.yaml': 'x: 1\n' });
    const later = await withBaseline(root, file);
    expect(keys(later)).toEqual(['a.ts:2 test-flag']);
    expect(later.baseline?.matched).toBe(1);
    expect(later.baseline?.stale.map((s) => s.path).sort()).toEqual(['a.ts', 'b.yaml']);
    expect(existsSync(join(root, 'baseline.json'))).toBe(false);
  });

  it('fails with a known error on a missing or malformed baseline', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'FLAG\n' });
    const dir = tempDir();
    await expect(withBaseline(root, join(dir, 'missing.json'))).rejects.toThrow(KnownError);
    writeFileSync(join(dir, 'bad.json'), '{"nope": 1}');
    await expect(withBaseline(root, join(dir, 'bad.json'))).rejects.toThrow(/is not a prodgrade baseline/);
    await expect(withBaseline(root, join(dir, 'no-such-dir', 'b.json'), true)).rejects.toThrow(/^Cannot write baseline/);
  });
});

describe('fingerprints', () => {
  const fingerprints = async (text: string): Promise<string[]> => {
    const root = writeTree(tempDir(), { 'src/a.ts': text });
    return (await audit(root, [flagRule])).findings.map((f) => f.fingerprint);
  };

  it('survive lines inserted above and re-indentation', async () => {
    const original = await fingerprints('function f() {\n  call(FLAG);\n}\n');
    expect(original).toHaveLength(1);
    expect(await fingerprints('// a new comment\nimport x from "y";\n\nfunction f() {\n  call(FLAG);\n}\n')).toEqual(original);
    expect(await fingerprints('function f() {\n\t\t    call(FLAG);\n}\n')).toEqual(original);
    expect(await fingerprints('function f() {\r\n  call(FLAG);\r\n}\r\n')).toEqual(original);
  });

  it('tell identical findings in one file apart, and keep the first stable when a copy is added', async () => {
    const [one] = await fingerprints('call(FLAG);\n');
    const two = await fingerprints('call(FLAG);\nother();\ncall(FLAG);\n');
    expect(new Set(two).size).toBe(2);
    expect(two[0]).toBe(one);
  });

  it('differ between files and between rules', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'FLAG\n', 'b.ts': 'FLAG\n' });
    const report = await audit(root, [flagRule]);
    expect(new Set(report.findings.map((f) => f.fingerprint)).size).toBe(2);
  });
});
