import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { onlyRules, prodgrade, removeDefaultCacheDir, stderrLines } from '../support/cli.js';
import { commitAll, removeTempDirs, tempDir, writeTree } from '../support/tree.js';

afterAll(() => {
  removeTempDirs();
  removeDefaultCacheDir();
});

const manualWorkflow = (prefix = '') => `name: release\n${prefix}on:\n  workflow_dispatch: {}\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`;
const json = (r: { stdout: string }) => JSON.parse(r.stdout) as Report;

let config: string;
beforeAll(async () => {
  config = join(tempDir('prodgrade-e2e-config-'), 'prodgrade.config.json');
  writeFileSync(config, JSON.stringify(await onlyRules(['ci-missing'])));
});

describe('suppressions through the CLI', () => {
  it('a # comment suppresses the finding on the next line; --list-suppressions lists every one with its status', async () => {
    const root = writeTree(tempDir(), {
      '.github/workflows/release.yml': manualWorkflow('# prodgrade-ignore-next-line ci-missing -- manual releases only, CI runs elsewhere\n'),
      'deploy/Dockerfile': '# prodgrade-ignore-file ci-missing\n# prodgrade-ignore-file ci-missing -- expired until=2020-01-01\nFROM node:20\n',
      'db/schema.sql': '-- prodgrade-ignore-next-line not-a-rule -- typo\nSELECT 1;\n',
    });
    const [report, list] = await Promise.all([
      prodgrade(['audit', root, '--config', config, '--format', 'json']),
      prodgrade(['audit', root, '--config', config, '--list-suppressions']),
    ]);
    expect(report.exitCode).toBe(0);
    expect(json(report).findings).toEqual([]);
    expect(json(report).suppressions.map((s) => `${s.path}:${s.line} ${s.status}`)).toEqual([
      '.github/workflows/release.yml:2 used',
      'db/schema.sql:1 invalid',
      'deploy/Dockerfile:1 invalid',
      'deploy/Dockerfile:2 expired',
    ]);
    expect(list.exitCode).toBe(0);
    expect(list.stdout.trimEnd().split('\n')).toEqual([
      '.github/workflows/release.yml:2\tnext-line\tci-missing\tused\tmanual releases only, CI runs elsewhere',
      'db/schema.sql:1\tnext-line\tnot-a-rule\tinvalid\tnames unknown rule not-a-rule',
      'deploy/Dockerfile:1\tfile\tci-missing\tinvalid\tgives no reason (write `-- <reason>` after the rule id)',
      'deploy/Dockerfile:2\tfile\tci-missing\texpired (until 2020-01-01)\texpired',
    ]);
  });
});

describe('baselines through the CLI', () => {
  it('--update-baseline records, the next run reports nothing new, a fixed finding is listed as stale', async () => {
    const root = writeTree(tempDir(), { 'README.md': '#\n' });
    const baseline = join(tempDir('prodgrade-baseline-'), 'baseline.json');
    const record = await prodgrade(['audit', root, '--config', config, '--baseline', baseline, '--update-baseline', '--format', 'json']);
    expect(record.exitCode).toBe(0);
    expect((JSON.parse(readFileSync(baseline, 'utf8')) as { findings: Array<{ ruleId: string }> }).findings.map((f) => f.ruleId)).toEqual(['ci-missing']);

    const again = await prodgrade(['audit', root, '--config', config, '--baseline', baseline, '--format', 'json']);
    expect(again.exitCode).toBe(0);
    expect(json(again).findings).toEqual([]);
    expect(json(again).baseline).toMatchObject({ matched: 1, stale: [] });

    writeTree(root, { '.gitlab-ci.yml': 'test:\n  script: npm test\n' });
    const fixed = await prodgrade(['audit', root, '--config', config, '--baseline', baseline]);
    expect(fixed.exitCode).toBe(0);
    expect(fixed.stdout).toMatch(/Baseline .*: 0 known findings hidden, 1 stale entries\.\n\s+stale: ci-missing \(repository\) [0-9a-f]{32}/);
  });

  it('a missing baseline file: exit 2 with one line and a hint', async () => {
    const r = await prodgrade(['audit', tempDir(), '--config', config, '--baseline', '/nonexistent/b.json']);
    expect(r.exitCode).toBe(2);
    expect(stderrLines(r)).toEqual(['prodgrade: Baseline file not found: /nonexistent/b.json', 'hint: Create it with `prodgrade audit --baseline <file> --update-baseline`.']);
  });
});

describe('--changed-since through the CLI', () => {
  it('repository findings stay; a bad ref exits 2 with one line', async () => {
    const root = writeTree(tempDir(), { 'README.md': '#\n', 'src/a.ts': 'export {};\n' });
    commitAll(root);
    writeTree(root, { 'src/b.ts': 'export {};\n' });
    const [ok, bad] = await Promise.all([
      prodgrade(['audit', root, '--config', config, '--changed-since', 'HEAD', '--format', 'json']),
      prodgrade(['audit', root, '--config', config, '--changed-since', 'no-such-ref']),
    ]);
    expect(ok.exitCode).toBe(1);
    expect(json(ok).findings.map((f) => f.ruleId)).toEqual(['ci-missing']);
    expect(bad.exitCode).toBe(2);
    expect(stderrLines(bad)[0]).toBe(`prodgrade: --changed-since: "no-such-ref" is not a commit in the git repository at ${root}`);
    expect(stderrLines(bad)).toHaveLength(2);
  });
});

describe('monorepos through the CLI', () => {
  it('summary.packages lists every workspace package with a score', async () => {
    const root = writeTree(tempDir(), {
      'package.json': '{"name":"mono","workspaces":["apps/*"]}',
      'pnpm-workspace.yaml': 'packages:\n  - libs/*\n',
      'apps/web/package.json': '{"name":"web"}',
      'libs/core/package.json': '{"name":"core"}',
    });
    const r = await prodgrade(['audit', root, '--config', config, '--format', 'json']);
    const report = json(r);
    expect(report.config.monorepoTools).toEqual(['workspaces', 'pnpm']);
    expect(report.summary.packages.map((p) => [p.dir, p.name, typeof p.score])).toEqual([
      ['.', 'mono', 'number'],
      ['apps/web', 'web', 'number'],
      ['libs/core', 'core', 'number'],
    ]);
    expect(report.findings.map((f) => f.package)).toEqual(['.']);
  });
});
