import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleById } from '../../src/audit/registry.js';
import type { Report } from '../../src/audit/report.js';
import { prodgrade, removeDefaultCacheDir, type CliResult } from '../support/cli.js';
import { buildHostileTree, deep } from '../support/hostile.js';
import { removeTempDirs, tempDir } from '../support/tree.js';

afterAll(() => {
  removeTempDirs();
  removeDefaultCacheDir();
});

function parse(result: CliResult): Report {
  expect(result.timedOut, 'the audit hung').toBe(false);
  expect(result.stderr, 'stderr').toBe('');
  expect([0, 1], `exit code ${result.exitCode}`).toContain(result.exitCode);
  return JSON.parse(result.stdout) as Report;
}

describe('the built bin on a hostile tree (every shipped rule on)', () => {
  let threaded: Report;
  let inline: Report;

  beforeAll(async () => {
    const { root } = buildHostileTree();
    const args = ['audit', root, '--format', 'json', '--no-cache', '--fail-on', 'none'];
    const [a, b] = await Promise.all([prodgrade([...args, '--jobs', '2'], { timeout: 90_000 }), prodgrade([...args, '--jobs', '0'], { timeout: 90_000 })]);
    threaded = parse(a);
    inline = parse(b);
  }, 120_000);

  it('runs with worker threads and on the main thread', () => {
    expect(threaded.stats.workers).toBe(2);
    expect(inline.stats.workers).toBe(0);
  });

  it('reports binary, oversized, linked and special files as skipped, in both modes', () => {
    for (const report of [threaded, inline]) {
      const skipped = new Map(report.skippedFiles.map((s) => [s.path, s.reason]));
      expect(skipped.get('nul.txt')).toBe('binary file');
      expect(skipped.get('logo.png')).toBe('binary file');
      expect(skipped.get('huge.txt')).toBe('larger than 1024 KiB');
      expect(skipped.get('loop-a')).toMatch(/loop/);
      expect(skipped.get('links/parent')).toMatch(/^symbolic link \(not followed/);
      expect(skipped.get('links/outside.ts')).toMatch(/outside the audited root/);
      expect(skipped.get('links/broken.ts')).toBe('broken symbolic link');
      expect(skipped.get('pipe.ts')).toMatch(/not a regular file/);
    }
  });

  it('audits or skips the 5,000-deep files, and no rule crashes on anything', () => {
    for (const report of [threaded, inline]) {
      for (const reason of report.skippedFiles.filter((s) => s.path in deep).map((s) => s.reason)) {
        expect(reason).toMatch(/^too deeply nested to (?:parse|audit)$/);
      }
      const crashes = report.findings.filter((f) => f.internal).map((f) => f.message);
      expect(crashes).toEqual([]);
      expect(report.summary.counts.internal).toBe(0);
    }
  });

  // A shipped rule that parses server code: when it exists, the deep server files reach the parser in a worker thread.
  it.skipIf(!ruleById('console-in-server-code'))('skips deep server files in worker threads and on the main thread alike', () => {
    for (const report of [threaded, inline]) {
      const skipped = new Map(report.skippedFiles.map((s) => [s.path, s.reason]));
      expect(skipped.get('src/server/deep-array.ts')).toBe('too deeply nested to parse');
      expect(skipped.get('src/server/deep-object.ts')).toBe('too deeply nested to parse');
    }
  });

  it('finds the same things with and without worker threads', () => {
    const outsideDeep = (r: Report) =>
      r.findings
        .filter((f) => !(f.location && f.location.path in deep))
        .map((f) => f.fingerprint)
        .sort();
    expect(outsideDeep(threaded)).toEqual(outsideDeep(inline));
  });
});

describe('the built bin on an empty repository', () => {
  it('reports, exits 0 or 1, and audits nothing', async () => {
    const r = await prodgrade(['audit', tempDir(), '--format', 'json', '--jobs', '2']);
    const report = parse(r);
    expect(report.stats.files).toBe(0);
    expect(report.skippedFiles).toEqual([]);
  });
});
