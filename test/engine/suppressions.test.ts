import { afterAll, describe, expect, it } from 'vitest';
import { parseSuppressions } from '../../src/audit/suppressions.js';
import { audit, flagRule, keys, removeTempDirs, tempDir, testRules, writeTree } from '../support/tree.js';

afterAll(removeTempDirs);

const today = '2026-01-01';

describe('suppression comments', () => {
  it('next-line and file forms work in //, #, and -- comments across languages', async () => {
    const root = writeTree(tempDir(), {
      'a.ts': '// prodgrade-ignore-next-line test-flag -- demo data\nFLAG;\nFLAG;\n',
      'b.ts': '/* prodgrade-ignore-file test-flag, test-todo -- generated fixture */\nFLAG;\nTODO;\n',
      'c.yaml': 'a: 1\n# prodgrade-ignore-next-line test-flag -- yaml reason\nb: FLAG\nc: FLAG\n',
      Dockerfile: 'FROM node:20\n# prodgrade-ignore-next-line test-flag -- docker reason\nRUN echo FLAG\n',
      'main.tf': '# prodgrade-ignore-file test-flag -- terraform reason\nx = "FLAG"\ny = "FLAG"\n',
      'm.sql': '-- prodgrade-ignore-next-line test-flag -- sql reason\nSELECT \'FLAG\';\nSELECT \'FLAG\';\n',
      'n.sql': '-- prodgrade-ignore-file all -- sql file reason\nSELECT \'FLAG\';\n',
      'page.html': '<!-- prodgrade-ignore-next-line test-flag -- html reason -->\n<p>FLAG</p>\n',
    });
    const report = await audit(root);
    expect(keys(report)).toEqual(['(repository) test-readme', 'a.ts:3 test-flag', 'c.yaml:4 test-flag', 'm.sql:3 test-flag']);
    expect(report.suppressions.map((s) => `${s.path}:${s.line} ${s.kind} ${s.status} ${s.matched}`)).toEqual([
      'Dockerfile:2 next-line used 1',
      'a.ts:1 next-line used 1',
      'b.ts:1 file used 2',
      'c.yaml:2 next-line used 1',
      'm.sql:1 next-line used 1',
      'main.tf:1 file used 2',
      'n.sql:1 file used 1',
      'page.html:1 next-line used 1',
    ]);
    expect(report.suppressions.find((s) => s.path === 'page.html')?.reason).toBe('html reason');
    expect(report.suppressions.find((s) => s.path === 'b.ts')?.rules).toEqual(['test-flag', 'test-todo']);
  });

  it('requires a reason, rejects unknown rules and bad dates, expires on until=, and reports unused ones; none of those suppress', async () => {
    const root = writeTree(tempDir(), {
      'a.ts': [
        '// prodgrade-ignore-next-line test-flag',
        'FLAG; // 2: no reason',
        '// prodgrade-ignore-next-line test-flag --',
        'FLAG; // 4: empty reason',
        '// prodgrade-ignore-next-line no-such-rule -- typo',
        'FLAG; // 6: unknown rule',
        '// prodgrade-ignore-next-line test-flag -- reason until=2025-12-31',
        'FLAG; // 8: expired yesterday',
        '// prodgrade-ignore-next-line test-flag -- reason until=2026-01-01',
        'FLAG; // 10: last valid day',
        '// prodgrade-ignore-next-line test-flag -- reason until=2026-02-30',
        'FLAG; // 12: not a date',
        '// prodgrade-ignore-next-line test-todo -- nothing to silence here',
        'const ok = 1;',
        '// prodgrade-ignore-next-line -- no rule at all',
        'FLAG; // 16',
      ].join('\n'),
    });
    const report = await audit(root, testRules);
    expect(keys(report).filter((k) => k.startsWith('a.ts'))).toEqual(
      ['a.ts:12 test-flag', 'a.ts:16 test-flag', 'a.ts:2 test-flag', 'a.ts:4 test-flag', 'a.ts:6 test-flag', 'a.ts:8 test-flag'],
    );
    const byLine = new Map(report.suppressions.map((s) => [s.line, s]));
    expect(byLine.get(1)).toMatchObject({ status: 'invalid', problem: expect.stringMatching(/gives no reason/) });
    expect(byLine.get(3)).toMatchObject({ status: 'invalid', problem: expect.stringMatching(/gives no reason/) });
    expect(byLine.get(5)).toMatchObject({ status: 'invalid', problem: 'names unknown rule no-such-rule' });
    expect(byLine.get(7)).toMatchObject({ status: 'expired', until: '2025-12-31', matched: 0 });
    expect(byLine.get(9)).toMatchObject({ status: 'used', until: '2026-01-01', matched: 1 });
    expect(byLine.get(11)).toMatchObject({ status: 'invalid', problem: expect.stringMatching(/invalid date until=2026-02-30/) });
    expect(byLine.get(13)).toMatchObject({ status: 'unused', matched: 0 });
    expect(byLine.get(15)).toMatchObject({ status: 'invalid', problem: expect.stringMatching(/names no rule/) });
  });

  it('a suppression naming a rule turned off in the configuration is known, merely unused', async () => {
    const root = writeTree(tempDir(), { 'a.ts': '// prodgrade-ignore-next-line test-flag -- off anyway\nFLAG;\n' });
    const report = await audit(root, testRules, { rules: { 'test-flag': 'off' } });
    expect(report.suppressions[0]).toMatchObject({ status: 'unused' });
  });

  it('counts lines the way findings do, also with CR-only and CRLF line ends', async () => {
    for (const eol of ['\r', '\r\n']) {
      const root = writeTree(tempDir(), { 'a.ts': ['const a = 1;', '// prodgrade-ignore-next-line test-flag -- reason', 'FLAG;', 'FLAG;'].join(eol) });
      const report = await audit(root, [flagRule]);
      expect(report.suppressions[0]).toMatchObject({ line: 2, status: 'used' });
      expect(keys(report)).toEqual(['a.ts:4 test-flag']);
    }
  });
});

describe('parseSuppressions', () => {
  it('reads rules, reason and until from every comment style', () => {
    const text = [
      '// prodgrade-ignore-next-line a, b -- why not until=2030-01-01',
      '# prodgrade-ignore-file c -- hash',
      '-- prodgrade-ignore-next-line d -- sql',
      '{/* prodgrade-ignore-next-line e -- jsx */}',
    ].join('\n');
    expect(parseSuppressions('f', text, today).map(({ line, kind, rules, reason, until, status }) => ({ line, kind, rules, reason, until, status }))).toEqual([
      { line: 1, kind: 'next-line', rules: ['a', 'b'], reason: 'why not', until: '2030-01-01', status: 'unused' },
      { line: 2, kind: 'file', rules: ['c'], reason: 'hash', until: undefined, status: 'unused' },
      { line: 3, kind: 'next-line', rules: ['d'], reason: 'sql', until: undefined, status: 'unused' },
      { line: 4, kind: 'next-line', rules: ['e'], reason: 'jsx', until: undefined, status: 'unused' },
    ]);
  });

  it('stays linear on hostile input', () => {
    const started = performance.now();
    parseSuppressions('f', `# prodgrade-ignore-file x${' '.repeat(200_000)}y\n${'# prodgrade-ignore-file a -- '.repeat(20_000)}`, today);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
