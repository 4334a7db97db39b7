import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyRules, prodgrade, removeDefaultCacheDir, repoRoot, stderrLines } from '../support/cli.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tree.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

afterAll(() => {
  removeTempDirs();
  removeDefaultCacheDir();
});

/** A repository whose only CI workflow runs manually: ci-missing reports it at the `on:` key. */
let repo: string;
let config: string;
beforeAll(async () => {
  repo = writeTree(tempDir('prodgrade-e2e-'), {
    'README.md': '# app\n',
    '.github/workflows/release.yml': 'name: release\non:\n  workflow_dispatch: {}\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n',
  });
  config = join(tempDir('prodgrade-e2e-config-'), 'prodgrade.config.json');
  writeFileSync(config, JSON.stringify(await onlyRules(['ci-missing'])));
});

describe('the command line', () => {
  it('--version prints the package version', async () => {
    const r = await prodgrade(['--version']);
    expect(r).toMatchObject({ exitCode: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists the commands, examples and exit codes; audit --help has its own examples', async () => {
    const [top, audit] = await Promise.all([prodgrade(['--help']), prodgrade(['audit', '--help'])]);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/Commands:[\s\S]*audit[\s\S]*rules/);
    expect(top.stdout).toMatch(/Examples:\n\s+\$ prodgrade audit/);
    expect(top.stdout).toMatch(/Exit codes: 0 .*, 1 .*, 2 /);
    expect(audit.exitCode).toBe(0);
    expect(audit.stdout).toMatch(/--format <format>[\s\S]*--changed-since[\s\S]*Examples:\n\s+\$ prodgrade audit \./);
  });

  it.each([
    [['nope'], /unknown command 'nope'/],
    [['audit', '--bogus'], /unknown option '--bogus'/],
  ])('%j is a usage error: exit 2 with a message, no stack', async (args, message) => {
    const r = await prodgrade(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('without a command prints usage and exits 2', async () => {
    const r = await prodgrade([]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Usage: prodgrade/);
  });
});

describe('prodgrade audit', () => {
  it('--format json prints the documented report to stdout; --format json=path writes the same report to a file', async () => {
    const out = join(tempDir('prodgrade-out-'), 'nested', 'report.json');
    const r = await prodgrade(['audit', repo, '--config', config, '--format', 'json', '--format', `json=${out}`, '--no-cache']);
    expect(r.exitCode).toBe(1); // ci-missing is high, failOn defaults to high
    expect(r.stderr).toBe(`prodgrade: wrote json report to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(r.stdout);
    const report = JSON.parse(r.stdout) as Record<string, unknown> & { summary: Record<string, unknown>; findings: Array<Record<string, unknown>> };
    for (const key of ['schemaVersion', 'tool', 'summary', 'findings', 'notAssessed', 'skippedFiles', 'suppressions']) expect(report).toHaveProperty(key);
    for (const key of ['score', 'grade', 'sections', 'counts']) expect(report.summary).toHaveProperty(key);
    expect(report.schemaVersion).toMatch(/^1\.\d+\.\d+$/);
    expect(report.tool).toMatchObject({ name: 'prodgrade', version });
    expect(report.findings).toEqual([
      expect.objectContaining({
        ruleId: 'ci-missing',
        checklist: 'CI-1',
        severity: 'high',
        confidence: 'high',
        location: { path: '.github/workflows/release.yml', startLine: 2, startColumn: 1, endLine: 2, endColumn: 3 },
        package: '.',
        fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
        message: expect.any(String),
        help: expect.any(String),
      }),
    ]);
    expect(report.summary).toMatchObject({ failOn: 'high', failed: true, counts: { total: 1, internal: 0 } });
    expect(report).toMatchObject({ stats: { cache: 'off' } });
  });

  it.each([
    [['--format', 'json', '--format', 'text'], /^prodgrade: Only one --format can print to stdout$/],
    [['--format', 'xml'], /^prodgrade: Unknown format "xml"$/],
  ])('%j: exit 2, one line and a hint', async (args, message) => {
    const r = await prodgrade(['audit', repo, ...args, '--no-cache']);
    expect(r.exitCode).toBe(2);
    const lines = stderrLines(r);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^hint: /);
    expect(r.stdout).toBe('');
  });

  it('a missing path: exit 2, "prodgrade: Path not found: …" and a hint, no stack; also with --print-config', async () => {
    const missing = join(repo, 'does-not-exist');
    for (const extra of [[], ['--print-config']]) {
      const r = await prodgrade(['audit', missing, ...extra]);
      expect(r.exitCode).toBe(2);
      expect(stderrLines(r)).toEqual([`prodgrade: Path not found: ${missing}`, 'hint: Pass the directory of the repository to audit, e.g. `prodgrade audit .`']);
      expect(r.stdout).toBe('');
    }
  });

  it('a file instead of a directory: exit 2 and one line', async () => {
    const r = await prodgrade(['audit', join(repo, 'README.md')]);
    expect(r.exitCode).toBe(2);
    expect(stderrLines(r)[0]).toBe(`prodgrade: Not a directory: ${join(repo, 'README.md')}`);
  });

  it('honours NO_COLOR and FORCE_COLOR in text output, and shows no progress line when stderr is not a terminal', async () => {
    const args = ['audit', repo, '--config', config, '--no-cache'];
    const [plain, noColor, forced] = await Promise.all([
      prodgrade(args),
      prodgrade(args, { env: { NO_COLOR: '1' } }),
      prodgrade(args, { env: { FORCE_COLOR: '1' } }),
    ]);
    const ansi = /\u001b\[/;
    expect(plain.stdout).toMatch(/ci-missing/);
    expect(plain.stdout).not.toMatch(ansi);
    expect(noColor.stdout).not.toMatch(ansi);
    expect(forced.stdout).toMatch(ansi);
    const strip = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').replace(/in \d+\.\d+ s\./, 'in N s.');
    expect(strip(forced.stdout)).toBe(strip(plain.stdout));
    for (const r of [plain, noColor, forced]) {
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe('');
    }
  });
});

describe('prodgrade rules', () => {
  it('lists the rules, explains one, and prints JSON', async () => {
    const [list, one, json] = await Promise.all([prodgrade(['rules']), prodgrade(['rules', 'ci-missing']), prodgrade(['rules', '--format', 'json'])]);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/^RULE\s+ITEM\s+SEVERITY\s+SUMMARY\n/);
    expect(list.stdout).toMatch(/\nci-missing\s+CI-1\s+high\s+/);
    expect(list.stdout).toMatch(/\n\d+ rules\. `prodgrade rules <id>` explains one\.\n$/);
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toMatch(/^ci-missing {2}CI-1 · high · high confidence · stable\n/);
    expect(one.stdout).toMatch(/\nWhy it matters\n[\s\S]*\nHow to fix\n[\s\S]*\nFlagged: /);
    const rules = JSON.parse(json.stdout) as Array<{ id: string; scope: string; checklist: string }>;
    expect(rules.map((r) => r.id)).toContain('ci-missing');
    expect(rules.every((r) => /^[a-z0-9-]+$/.test(r.id) && /^(?:file|repository)$/.test(r.scope))).toBe(true);
  });

  it('an unknown rule id exits 2 with one line and a hint', async () => {
    const r = await prodgrade(['rules', 'nope']);
    expect(r.exitCode).toBe(2);
    expect(stderrLines(r)).toEqual(['prodgrade: Unknown rule "nope"', 'hint: Run `prodgrade rules` for the list.']);
  });
});
