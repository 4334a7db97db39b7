import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { reporterNames } from '../../src/audit/reporters/index.js';
import { prodgrade, removeDefaultCacheDir } from '../support/cli.js';
import { commitAll, removeTempDirs, snapshotTree, tempDir, writeTree } from '../support/tree.js';

afterAll(() => {
  removeTempDirs();
  removeDefaultCacheDir();
});

const extension: Record<string, string> = { text: 'txt', json: 'json', sarif: 'sarif', markdown: 'md', html: 'html', junit: 'xml' };

describe('the audit writes nothing into the audited tree', () => {
  let root: string;
  let cacheDir: string;
  let outDir: string;
  const run = (...args: string[]) => prodgrade(['audit', root, ...args], { env: { PRODGRADE_CACHE_DIR: cacheDir } });
  const resultEntries = (): string[] => {
    const names = readdirSync(cacheDir).sort();
    if (names.includes('code-cache')) expect(readdirSync(join(cacheDir, 'code-cache')).every((name) => name.endsWith('.bin'))).toBe(true);
    return names.filter((name) => name !== 'code-cache');
  };
  const json = async (...args: string[]): Promise<Report> => {
    const r = await run('--format', 'json', ...args);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as Report;
  };

  beforeAll(() => {
    root = writeTree(tempDir('prodgrade-readonly-'), {
      'package.json': '{"name":"app","version":"1.0.0","workspaces":["packages/*"]}',
      'packages/api/package.json': '{"name":"api"}',
      'packages/api/src/server.ts': 'import https from "node:https";\nconsole.log("listening");\nexport const agent = new https.Agent({ rejectUnauthorized: false });\n',
      '.github/workflows/ci.yml': 'on:\n  push:\njobs:\n  t:\n    runs-on: ubuntu-latest\n    permissions: write-all\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm test\n',
      '.gitignore': 'node_modules/\n',
      'README.md': '# app\n',
      'infra/main.tf': 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n',
    });
    commitAll(root);
    writeTree(root, { 'packages/api/src/extra.ts': 'console.log("new");\n' });
    cacheDir = tempDir('prodgrade-cache-');
    outDir = tempDir('prodgrade-reports-');
  });

  it('every format written outside, with the cache on, then --changed-since: the tree (and .git) is untouched', async () => {
    const before = snapshotTree(root);
    const formats = reporterNames.map((name) => `${name}=${join(outDir, `report.${extension[name] ?? name}`)}`);
    const full = await run(...formats.flatMap((f) => ['--format', f]));
    expect([0, 1]).toContain(full.exitCode);
    expect(full.stdout).toBe('');
    expect(readdirSync(outDir).sort()).toEqual(reporterNames.map((n) => `report.${extension[n] ?? n}`).sort());
    for (const file of readdirSync(outDir)) expect(statSync(join(outDir, file)).size).toBeGreaterThan(0);

    const changed = await run('--changed-since', 'HEAD', '--format', 'text', '--format', `sarif=${join(outDir, 'changed.sarif')}`);
    expect([0, 1]).toContain(changed.exitCode);
    expect(changed.stderr).toMatch(/^prodgrade: wrote sarif report to /);

    expect(snapshotTree(root)).toEqual(before);
    // The per-file cache and the whole-run entry of this root, nothing else, besides the code cache of TypeScript's
    // bundle that Node versions without a compile cache of their own get (prodgrade's code, not the tree's).
    const cacheFiles = resultEntries();
    expect(cacheFiles).toHaveLength(2);
    expect(cacheFiles[0]).toMatch(/^[0-9a-f]{24}\.json$/);
    expect(cacheFiles[1]).toBe(cacheFiles[0]!.replace(/\.json$/, '.run.json'));
  });

  it('the cache: a second run hits, --no-cache is off, an edit makes it partial', async () => {
    const hit = await json(); // the runs above filled the cache
    expect(resultEntries()).toHaveLength(2);
    expect(hit.stats.cache).toBe('hit');
    expect((await json('--no-cache')).stats.cache).toBe('off');
    writeFileSync(join(root, 'packages/api/src/extra.ts'), 'console.log("changed");\n');
    const partial = await json();
    expect(partial.stats.cache).toBe('partial');
    expect(partial.findings.map((f) => f.fingerprint).sort()).toEqual((await json('--no-cache')).findings.map((f) => f.fingerprint).sort());
    expect(existsSync(join(root, '.cache'))).toBe(false);
  });
});
