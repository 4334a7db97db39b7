import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/audit/report.js';
import { onlyRules, prodgrade, removeDefaultCacheDir, stderrLines } from '../support/cli.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tree.js';

afterAll(() => {
  removeTempDirs();
  removeDefaultCacheDir();
});

/** No CI at all: ci-missing reports one high finding about the repository. */
function repo(files: Record<string, string> = {}): string {
  return writeTree(tempDir('prodgrade-config-'), { 'README.md': '# x\n', ...files });
}

let base: Record<string, unknown>;
beforeAll(async () => {
  base = await onlyRules(['ci-missing']);
});

const json = (r: { stdout: string }) => JSON.parse(r.stdout) as Report;

describe('configuration errors', () => {
  it.each([
    [{ rulez: {} }, /^prodgrade: Invalid configuration in prodgrade\.config\.json: "rulez" is not a known key/],
    [{ rules: { 'no-such-rule': 'off' } }, /"rules\.no-such-rule" is not a known rule/],
    [{ rules: { 'ci-missing': 'severe' } }, /"rules\.ci-missing" must be one of off, on, critical/],
    [{ rules: { 'ci-missing': { options: { nope: true } } } }, /"rules\.ci-missing\.options" unknown option "nope"/],
  ])('%j: exit 2 with one line naming the key, and a hint', async (config, message) => {
    const root = repo({ 'prodgrade.config.json': JSON.stringify(config) });
    const r = await prodgrade(['audit', root]);
    expect(r.exitCode).toBe(2);
    const lines = stderrLines(r);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^hint: Run `prodgrade audit --print-config`/);
    expect(r.stdout).toBe('');
  });
});

describe('configuration sources and effects', () => {
  it('reads prodgrade.config.yaml and package.json#prodgrade; --print-config shows the resolved result', async () => {
    const yamlRoot = repo({ 'prodgrade.config.yaml': `failOn: low\nrules:\n${Object.keys(base.rules as object).map((id) => `  ${id}: "off"`).join('\n')}\n  ci-missing: medium\n` });
    const pkgRoot = repo({ 'package.json': JSON.stringify({ name: 'x', prodgrade: { ...base, failOn: 'critical', exclude: ['legacy/'] } }) });
    const [yaml, pkg] = await Promise.all([prodgrade(['audit', yamlRoot, '--print-config']), prodgrade(['audit', pkgRoot, '--print-config'])]);
    expect(yaml.exitCode).toBe(0);
    expect(JSON.parse(yaml.stdout)).toMatchObject({ source: 'prodgrade.config.yaml', failOn: 'low', rules: { 'ci-missing': { checklist: 'CI-1', severity: 'medium', options: {} } } });
    expect(Object.keys((JSON.parse(yaml.stdout) as { rules: object }).rules)).toEqual(['ci-missing']);
    expect(JSON.parse(pkg.stdout)).toMatchObject({ source: 'package.json#prodgrade', failOn: 'critical', exclude: ['legacy/'], maxFileSizeKb: 1024 });
  });

  it('a severity override shows in findings; failOn, --fail-on and gates decide the exit code', async () => {
    const write = (root: string, config: unknown) => writeFileSync(join(root, 'prodgrade.config.json'), JSON.stringify(config));
    const medium = repo();
    write(medium, { ...base, rules: { ...(base.rules as object), 'ci-missing': 'medium' } });
    const off = repo();
    write(off, { ...base, rules: { ...(base.rules as object), 'ci-missing': 'off' } });
    const gated = repo();
    write(gated, { ...base, failOn: 'none', gates: { CI: 90 } });
    const [defaults, failOnMedium, ruleOff, gate] = await Promise.all([
      prodgrade(['audit', medium, '--format', 'json']),
      prodgrade(['audit', medium, '--format', 'json', '--fail-on', 'medium']),
      prodgrade(['audit', off, '--format', 'json']),
      prodgrade(['audit', gated, '--format', 'json']),
    ]);
    expect(defaults.exitCode).toBe(0); // one medium finding, failOn high
    expect(json(defaults).findings.map((f) => `${f.ruleId} ${f.severity}`)).toEqual(['ci-missing medium']);
    expect(failOnMedium.exitCode).toBe(1);
    expect(json(failOnMedium).summary.failOn).toBe('medium');
    expect(ruleOff.exitCode).toBe(0);
    expect(json(ruleOff).findings).toEqual([]);
    expect(json(ruleOff).summary.score).toBeNull();
    expect(gate.exitCode).toBe(1);
    expect(json(gate).summary.failedGates).toEqual([{ section: 'CI', minimum: 90, score: 80 }]);
  });
});
