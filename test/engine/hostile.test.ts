import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineRule } from '../../src/core/define-rule.js';
import { KnownError } from '../../src/core/errors.js';
import type { Report } from '../../src/audit/report.js';
import { buildHostileTree, deep } from '../support/hostile.js';
import { audit, flagRule, keys, readmeRule, removeTempDirs, tempDir, testRules, todoRule, writeTree } from '../support/tree.js';

describe('hostile trees, in-process', () => {
  let root: string;
  let report: Report;
  let skipped: Map<string, string>;

  beforeAll(async () => {
    ({ root } = buildHostileTree());
    report = await audit(root);
    skipped = new Map(report.skippedFiles.map((s) => [s.path, s.reason]));
  }, 60_000);
  afterAll(removeTempDirs);

  it('skips binary files by content and by extension', () => {
    expect(skipped.get('nul.txt')).toBe('binary file');
    expect(skipped.get('logo.png')).toBe('binary file');
  });

  it('skips the 50 MB file as oversized without reading it', () => {
    expect(skipped.get('huge.txt')).toMatch(/^larger than 1024 KiB$/);
    expect(report.findings.some((f) => f.location?.path === 'huge.txt')).toBe(false);
  });

  it('reports symbolic links and follows none of them', () => {
    expect(skipped.get('loop-a')).toMatch(/loop/);
    expect(skipped.get('loop-b')).toMatch(/loop/);
    expect(skipped.get('links/parent')).toMatch(/^symbolic link \(not followed/);
    expect(skipped.get('links/readme.md')).toMatch(/^symbolic link \(not followed/);
    expect(skipped.get('links/outside.ts')).toBe('symbolic link pointing outside the audited root (not followed)');
    expect(skipped.get('links/outside-dir')).toBe('symbolic link pointing outside the audited root (not followed)');
    expect(skipped.get('links/broken.ts')).toBe('broken symbolic link');
    expect(report.findings.some((f) => f.location?.path.startsWith('links/'))).toBe(false);
  });

  it('never reads FIFOs or devices (a .gitignore FIFO, a .prodgradeignore linked to /dev/zero) and reports the FIFO', () => {
    expect(skipped.get('pipe.ts')).toMatch(/not a regular file/);
    expect(keys(report)).toContain('fifo-ignore/kept.ts:1 test-todo');
    expect(keys(report)).toContain('zero-ignore/kept.ts:1 test-todo');
  });

  it('audits a file 100 folders deep', () => {
    const leaf = `${Array.from({ length: 100 }, (_, i) => `d${i}`).join('/')}/leaf.ts`;
    expect(keys(report)).toContain(`${leaf}:1 test-todo`);
  });

  it('decodes invalid UTF-8 without failing and still finds what follows', () => {
    expect(keys(report)).toEqual(expect.arrayContaining(['invalid-utf8.ts:2 test-todo', 'invalid-utf8.ts:2 test-flag']));
  });

  it('places findings correctly in a file with a BOM and CRLF line ends', () => {
    const todo = report.findings.find((f) => f.ruleId === 'test-todo' && f.location?.path === 'bom-crlf.ts');
    expect(todo?.location).toMatchObject({ startLine: 3, startColumn: 3, endLine: 3, endColumn: 7 });
    expect(todo?.snippet?.lines).toContain('  TODO; // FLAG');
  });

  it('audits files with syntax errors in TS, YAML, HCL, SQL, Dockerfile and JSON without crashing', () => {
    expect(keys(report)).toEqual(
      expect.arrayContaining([
        'syntax/broken.ts:2 test-todo',
        'syntax/broken.ts:2 test-flag',
        'syntax/broken.yaml:3 test-flag',
        'syntax/broken.tf:2 test-flag',
        'syntax/broken.sql:2 test-flag',
        'syntax/Dockerfile:2 test-flag',
        'syntax/broken.json:1 test-flag',
      ]),
    );
    expect(report.findings.filter((f) => f.internal)).toEqual([]);
  });

  it('survives 5,000 nested brackets, parentheses, objects and calls: each such file is skipped with a reason, nothing crashes', () => {
    for (const path of Object.keys(deep).filter((p) => /\.[jt]s$/.test(p))) {
      expect(skipped.get(path), path).toBe('too deeply nested to parse');
    }
    expect(keys(report)).toContain('deep/nested.yaml:2 test-flag');
    expect(report.findings.filter((f) => f.internal)).toEqual([]);
  });

  it('still scores the run', () => {
    expect(report.summary.score).toEqual(expect.any(Number));
    expect(report.stats.files).toBeGreaterThan(10);
  });
});

describe('edge roots', () => {
  afterAll(removeTempDirs);

  it('audits an empty repository: repository rules run, file rules have nothing to assess', async () => {
    const root = tempDir();
    const report = await audit(root);
    expect(keys(report)).toEqual(['(repository) test-readme']);
    expect(report.notAssessed.map((n) => n.checklist)).toEqual(expect.arrayContaining(['OPS-1', 'OBS-6']));
    expect(report.summary.sections.OPS.score).toEqual(expect.any(Number));
    expect(report.summary.sections.OBS.score).toBeNull();
  });

  it('gives null scores, not 0 or 100, when no rule can assess anything', async () => {
    const report = await audit(tempDir(), []);
    expect(report.summary.score).toBeNull();
    expect(report.summary.grade).toBeNull();
    for (const section of Object.values(report.summary.sections)) expect(section.score).toBeNull();
  });

  it('rejects a missing path and a file path with a known error', async () => {
    const root = tempDir();
    writeTree(root, { 'file.ts': 'x' });
    await expect(audit(join(root, 'missing'))).rejects.toThrow(KnownError);
    await expect(audit(join(root, 'missing'))).rejects.toThrow(/^Path not found: /);
    await expect(audit(join(root, 'file.ts'))).rejects.toThrow(/^Not a directory: /);
  });
});

describe('rules meeting hostile input', () => {
  afterAll(removeTempDirs);

  it('a repository rule that parses a too-deeply nested file gets undefined, not a crash', async () => {
    const root = writeTree(tempDir(), { 'deep.ts': deep['deep/array.ts'], 'ok.ts': 'TODO;\n' });
    const seen: Array<string | undefined> = [];
    const parsing = defineRule({
      ...readmeRule,
      meta: { ...readmeRule.meta, id: 'test-parse-all' },
      scope: 'repository',
      check(ctx) {
        for (const f of ctx.model.ofLanguage('ts')) seen.push(ctx.model.ts(f.path) ? f.path : undefined);
      },
    });
    const report = await audit(root, [parsing, todoRule]);
    expect(report.findings.filter((f) => f.internal)).toEqual([]);
    expect(seen).toEqual([undefined, 'ok.ts']);
    expect(keys(report)).toEqual(['ok.ts:1 test-todo']);
    expect(report.skippedFiles).toEqual([{ path: 'deep.ts', reason: 'too deeply nested to parse' }]);
  });

  it('a rule throwing an ordinary RangeError is reported as a crash of that rule, not as a skipped file', async () => {
    const root = writeTree(tempDir(), { 'a.yaml': 'x: FLAG\n' });
    const throwing = defineRule({
      ...flagRule,
      meta: { ...flagRule.meta, id: 'test-range' },
      check() {
        new Date(Number.NaN).toISOString();
      },
    });
    const report = await audit(root, [throwing, flagRule]);
    expect(report.skippedFiles).toEqual([]);
    expect(keys(report)).toEqual(['a.yaml:1 test-flag']);
    const internal = report.findings.filter((f) => f.internal);
    expect(internal).toHaveLength(1);
    expect(internal[0]!.message).toMatch(/rule test-range crashed on a\.yaml: Invalid time value/);
  });

  it('a suppression comment followed by a megabyte of spaces is parsed in linear time', async () => {
    const root = writeTree(tempDir(), { 'a.ts': `// prodgrade-ignore-next-line test-flag${' '.repeat(1024 * 1024 - 100)}\nFLAG;\n` });
    const started = performance.now();
    const report = await audit(root, testRules);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(report.suppressions[0]).toMatchObject({ status: 'invalid', problem: expect.stringMatching(/no reason/) });
  }, 20_000);
});
