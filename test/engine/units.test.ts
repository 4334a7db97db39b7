import { describe, expect, it } from 'vitest';
import { checklist } from '../../src/core/checklist.js';
import type { Finding } from '../../src/core/types.js';
import { isStackOverflow } from '../../src/audit/file-runner.js';
import { finalizeFingerprints, type DraftFinding } from '../../src/audit/findings.js';
import { globToRegExp } from '../../src/audit/glob.js';
import { gradeOf, itemPenalty, score } from '../../src/audit/scoring.js';
import { decodeText, lineStarts, looksBinary, positionAt, splitLines } from '../../src/audit/text.js';
import { colorEnabled } from '../../src/cli/color.js';
import { parseFormats } from '../../src/cli/audit.js';

describe('globToRegExp', () => {
  it.each([
    ['packages/*', ['packages/a', 'packages/a-b.c'], ['packages', 'packages/a/b', 'xpackages/a']],
    ['./packages/*/', ['packages/a'], ['packages/a/b']],
    ['apps/**', ['apps/a', 'apps/a/b/c'], ['apps', 'app/a']],
    ['**/pkg', ['pkg', 'a/pkg', 'a/b/pkg'], ['a/pkgs', 'pkg/a']],
    ['libs/**/core', ['libs/core', 'libs/a/core', 'libs/a/b/core'], ['libs/corex']],
    ['p?ck/*', ['pack/x', 'pick/y'], ['paack/x', 'p/ck/x']],
    ['{apps,libs}/*', ['apps/a', 'libs/b'], ['tools/c', '{apps,libs}/a']],
    ['weird.(name)+[x]/*', ['weird.(name)+[x]/a'], ['weirdX(name)+[x]/a', 'weird.(name)[x]/a']],
    ['broken{brace/*', ['broken{brace/a'], ['broken/a']],
    ['$pkg^/*', ['$pkg^/a'], []],
  ])('%s', (glob, matches, misses) => {
    const re = globToRegExp(glob);
    for (const m of matches) expect(re.test(m), `${glob} should match ${m}`).toBe(true);
    for (const m of misses) expect(re.test(m), `${glob} should not match ${m}`).toBe(false);
  });
});

describe('lineStarts / positionAt', () => {
  it.each([
    ['LF', 'ab\ncd\n\nef'],
    ['CRLF', 'ab\r\ncd\r\n\r\nef'],
    ['CR', 'ab\rcd\r\ref'],
    ['mixed', 'ab\r\ncd\n\ref'],
  ])('%s: every character maps to the line splitLines puts it on', (_, text) => {
    const starts = lineStarts(text);
    expect(starts).toHaveLength(4);
    expect(splitLines(text)).toEqual(['ab', 'cd', '', 'ef']);
    expect(positionAt(starts, 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt(starts, text.indexOf('d'))).toEqual({ line: 2, column: 2 });
    expect(positionAt(starts, text.indexOf('e'))).toEqual({ line: 4, column: 1 });
    expect(positionAt(starts, text.length)).toEqual({ line: 4, column: 3 });
  });

  it('handles an empty text and a trailing break', () => {
    expect(lineStarts('')).toEqual([0]);
    expect(positionAt(lineStarts(''), 0)).toEqual({ line: 1, column: 1 });
    expect(lineStarts('a\r\n')).toEqual([0, 3]);
    expect(positionAt(lineStarts('a\r\n'), 3)).toEqual({ line: 2, column: 1 });
  });
});

describe('decoding', () => {
  it('strips a UTF-8 BOM, keeps CRLF, replaces invalid bytes and never throws', () => {
    expect(decodeText(Buffer.from('\uFEFFa\r\nb'))).toBe('a\r\nb');
    expect(decodeText(Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x62]))).toBe('a\uFFFD\uFFFD(b');
  });

  it('calls a file binary when a NUL byte appears in its first 8000 bytes', () => {
    expect(looksBinary(Buffer.from('plain text'))).toBe(false);
    expect(looksBinary(Buffer.from('a\0b'))).toBe(true);
    expect(looksBinary(Buffer.concat([Buffer.alloc(8000, 'a'), Buffer.from([0])]))).toBe(false);
  });
});

const finding = (item: string, severity: Finding['severity'], confidence: Finding['confidence'] = 'high', internal = false): Finding => ({
  ruleId: 'r',
  checklist: item,
  severity,
  confidence,
  message: 'm',
  help: 'h',
  location: null,
  package: '.',
  fingerprint: `${item}-${severity}-${Math.random()}`,
  ...(internal ? { internal } : {}),
});

describe('scoring', () => {
  it('itemPenalty: the worst finding counts fully, the next half, then a third; confidence scales; capped at 100; internal ignored', () => {
    expect(itemPenalty([])).toBe(0);
    expect(itemPenalty([finding('X', 'high')])).toBe(20);
    expect(itemPenalty([finding('X', 'low'), finding('X', 'critical'), finding('X', 'medium')])).toBeCloseTo(40 + 10 / 2 + 4 / 3);
    expect(itemPenalty([finding('X', 'high', 'low')])).toBeCloseTo(6);
    expect(itemPenalty([finding('X', 'info')])).toBe(0);
    expect(itemPenalty(Array.from({ length: 50 }, () => finding('X', 'critical')))).toBe(100);
    expect(itemPenalty([finding('X', 'critical', 'high', true)])).toBe(0);
    expect(itemPenalty(Array.from({ length: 1000 }, () => finding('X', 'low')))).toBeLessThan(40);
  });

  it('score: not-assessed sections are null, never 0 or 100; the overall is the mean of assessed sections', () => {
    const none = score([], new Set());
    expect(none.score).toBeNull();
    expect(none.grade).toBeNull();
    expect(Object.values(none.sections).every((s) => s.score === null && s.grade === null)).toBe(true);

    const secItems = checklist.filter((c) => c.section === 'SEC').map((c) => c.id);
    const result = score([finding('CI-1', 'critical'), finding('SEC-1', 'high')], new Set(['CI-1', 'SEC-1', 'SEC-2']));
    expect(result.sections.CI).toMatchObject({ score: 60, grade: 'D', findings: 1, assessedItems: ['CI-1'] });
    expect(result.sections.SEC).toMatchObject({ score: 80, grade: 'B', findings: 1, assessedItems: ['SEC-1', 'SEC-2'] });
    // Items multiply: two high findings on different items weigh more than one.
    expect(score([finding('SEC-1', 'high'), finding('SEC-2', 'high')], new Set(['SEC-1', 'SEC-2'])).sections.SEC.score).toBe(64);
    expect(result.sections.SEC.notAssessedItems).toEqual(secItems.filter((i) => i !== 'SEC-1' && i !== 'SEC-2'));
    expect(result.sections.TEN.score).toBeNull();
    expect(result.score).toBe(70);

    const clean = score([], new Set(['OPS-1']));
    expect(clean.score).toBe(100);
    expect(clean.sections.OPS.score).toBe(100);
    expect(clean.sections.SEC.score).toBeNull();
  });

  it('findings on items that were not assessed do not move the score', () => {
    expect(score([finding('SEC-1', 'critical')], new Set(['OPS-1'])).score).toBe(100);
  });

  it('gradeOf draws the documented lines', () => {
    expect([100, 90, 89, 80, 79, 70, 69, 60, 59, 0].map(gradeOf)).toEqual(['A', 'A', 'B', 'B', 'C', 'C', 'D', 'D', 'F', 'F']);
  });
});

describe('finalizeFingerprints', () => {
  it('numbers repeated bases in order and leaves distinct ones untouched', () => {
    const draft = (base: string): DraftFinding => ({ ...finding('X', 'low'), fingerprintBase: base });
    const out = finalizeFingerprints([draft('a'), draft('b'), draft('a'), draft('a')]).map((f) => f.fingerprint);
    expect(out[0]).toBe('a');
    expect(out[1]).toBe('b');
    expect(new Set(out).size).toBe(4);
    expect(finalizeFingerprints([draft('a'), draft('a')]).map((f) => f.fingerprint)).toEqual(out.filter((_, i) => i === 0 || i === 2));
  });
});

describe('isStackOverflow', () => {
  it('tells a stack overflow from other RangeErrors', () => {
    const overflow = (() => {
      const recurse = (n: number): number => recurse(n + 1) + 1;
      try {
        recurse(0);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(isStackOverflow(overflow)).toBe(true);
    expect(isStackOverflow(new RangeError('Invalid time value'))).toBe(false);
    expect(isStackOverflow(new Error('Maximum call stack size exceeded'))).toBe(false);
  });
});

describe('CLI pieces', () => {
  it('colorEnabled: FORCE_COLOR wins, then NO_COLOR, then the terminal', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(pipe, {})).toBe(false);
  });

  it('parseFormats: name or name=path, text by default, unknown names and empty paths rejected', () => {
    expect(parseFormats([])).toEqual([{ name: 'text' }]);
    expect(parseFormats(['json', 'sarif=out/r.sarif'])).toEqual([{ name: 'json' }, { name: 'sarif', path: 'out/r.sarif' }]);
    expect(() => parseFormats(['xml'])).toThrow(/Unknown format "xml"/);
    expect(() => parseFormats(['json='])).toThrow(/needs a file path/);
  });
});

describe('formatMessage', () => {
  it('fills placeholders but leaves GitHub expressions alone', async () => {
    const { formatMessage } = await import('../../src/audit/findings.js');
    expect(formatMessage('Use {{name}} in ${{ matrix.os }}.', { name: 'x' })).toBe('Use x in ${{ matrix.os }}.');
    expect(() => formatMessage('{{missing}}', {})).toThrow(/missing/);
  });
});
