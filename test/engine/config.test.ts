import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KnownError } from '../../src/core/errors.js';
import { realFs } from '../../src/core/fs.js';
import { loadRawConfig, resolveConfig } from '../../src/audit/config.js';
import { audit, removeTempDirs, tempDir, testRules, writeTree } from '../support/tree.js';

afterAll(removeTempDirs);

function configError(raw: unknown): string {
  try {
    resolveConfig(raw, 'prodgrade.config.json', testRules);
  } catch (error) {
    expect(error).toBeInstanceOf(KnownError);
    return (error as KnownError).message;
  }
  throw new Error('expected a configuration error');
}

describe('resolveConfig', () => {
  it.each([
    [{ rulez: {} }, /"rulez" is not a known key/],
    [[], /"\(root\)" must be an object/],
    [{ rules: { 'no-such-rule': 'off' } }, /"rules\.no-such-rule" is not a known rule/],
    [{ rules: { 'test-flag': 'severe' } }, /"rules\.test-flag" must be one of off, on, critical, high, medium, low, info \(got "severe"\)/],
    [{ rules: { 'test-flag': { severity: 'on' } } }, /"rules\.test-flag\.severity" must be one of off, critical/],
    [{ rules: { 'test-flag': { level: 'high' } } }, /"rules\.test-flag\.level" is not a known key/],
    [{ rules: { 'test-flag': { options: { word: 3 } } } }, /"rules\.test-flag\.options" → "word": expected a string, got number/],
    [{ rules: { 'test-flag': { options: { colour: 'red' } } } }, /"rules\.test-flag\.options" unknown option "colour" \(known: word\)/],
    [{ rules: { 'test-todo': { options: { x: 1 } } } }, /this rule has no options/],
    [{ rules: { 'test-flag': 3 } }, /"rules\.test-flag" must be "off", "on", a severity/],
    [{ failOn: 'sometimes' }, /"failOn" must be one of critical, high, medium, low, info, none/],
    [{ gates: { XYZ: 50 } }, /"gates\.XYZ" is not a checklist section/],
    [{ gates: { SEC: 101 } }, /"gates\.SEC" must be a number from 0 to 100/],
    [{ maxFileSizeKb: -1 }, /"maxFileSizeKb" must be a positive number/],
    [{ exclude: 'dist' }, /"exclude" must be an array of strings/],
  ])('rejects %j with one line naming the key', (raw, message) => {
    const text = configError(raw);
    expect(text).toMatch(message);
    expect(text).toMatch(/^Invalid configuration in prodgrade\.config\.json: /);
    expect(text).not.toContain('\n');
  });

  it('applies severities, options and rules turned off', () => {
    const config = resolveConfig({ rules: { 'test-flag': { severity: 'critical', options: { word: 'XX' } }, 'test-todo': 'off', 'test-readme': 'on' } }, 'x', testRules);
    expect(config.rules.map((r) => [r.rule.meta.id, r.severity, r.options])).toEqual([
      ['test-flag', 'critical', { word: 'XX' }],
      ['test-readme', 'high', {}],
    ]);
    expect(config.disabledRules).toEqual(['test-todo']);
    expect(config.failOn).toBe('high');
  });
});

describe('loadRawConfig', () => {
  it('prefers prodgrade.config.json, then .yaml, then .yml, then package.json#prodgrade', async () => {
    const root = writeTree(tempDir(), {
      'prodgrade.config.yaml': 'failOn: low\n',
      'prodgrade.config.yml': 'failOn: info\n',
      'package.json': '\uFEFF{"name":"x","prodgrade":{"failOn":"none"}}',
    });
    expect(await loadRawConfig(realFs, root, undefined)).toEqual({ raw: { failOn: 'low' }, source: 'prodgrade.config.yaml' });
    writeTree(root, { 'prodgrade.config.json': '{"failOn":"critical"}' });
    expect(await loadRawConfig(realFs, root, undefined)).toEqual({ raw: { failOn: 'critical' }, source: 'prodgrade.config.json' });
    const onlyPackage = writeTree(tempDir(), { 'package.json': '{"name":"x","prodgrade":{"failOn":"none"}}' });
    expect(await loadRawConfig(realFs, onlyPackage, undefined)).toEqual({ raw: { failOn: 'none' }, source: 'package.json#prodgrade' });
    const none = writeTree(tempDir(), { 'package.json': '{"name":"x"' });
    expect(await loadRawConfig(realFs, none, undefined)).toEqual({ raw: undefined, source: undefined });
  });

  it('reports a config file with a syntax error in one line', async () => {
    const root = writeTree(tempDir(), { 'prodgrade.config.yaml': 'rules: [\n  a: b\n' });
    await expect(loadRawConfig(realFs, root, undefined)).rejects.toThrow(/^Cannot parse prodgrade\.config\.yaml: [^\n]+$/);
    await expect(loadRawConfig(realFs, root, join(root, 'missing.json'))).rejects.toThrow(/^Config file not found/);
  });

  it('never reads a config FIFO or a config link from the audited tree', async () => {
    const root = tempDir();
    execFileSync('mkfifo', [join(root, 'prodgrade.config.json')]);
    symlinkSync('/dev/zero', join(root, 'prodgrade.config.yaml'));
    const outside = writeTree(tempDir(), { 'package.json': '{"prodgrade":{"failOn":"none"}}' });
    symlinkSync(join(outside, 'package.json'), join(root, 'package.json'));
    expect(await loadRawConfig(realFs, root, undefined)).toEqual({ raw: undefined, source: undefined });
  }, 10_000);
});

describe('configuration in findings and exit decisions', () => {
  const root = () => writeTree(tempDir(), { 'a.ts': 'FLAG;\nTODO;\n' });

  it('reflects severity overrides and rules turned off', async () => {
    const report = await audit(root(), testRules, { rules: { 'test-flag': 'critical', 'test-readme': 'off' } });
    expect(report.findings.map((f) => `${f.ruleId} ${f.severity}`)).toEqual(['test-flag critical', 'test-todo low']);
  });

  it('fails at or above failOn, never with none', async () => {
    const dir = root();
    expect((await audit(dir, testRules, { failOn: 'high' })).summary.failed).toBe(true); // test-readme is high
    expect((await audit(dir, testRules, { failOn: 'critical' })).summary.failed).toBe(false);
    expect((await audit(dir, testRules, { failOn: 'low' , rules: { 'test-readme': 'off', 'test-flag': 'off' } })).summary.failed).toBe(true);
    expect((await audit(dir, testRules, { failOn: 'none' })).summary.failed).toBe(false);
  });

  it('fails a section gate even with failOn none, and ignores gates of sections not assessed', async () => {
    const report = await audit(root(), testRules, { failOn: 'none', gates: { OPS: 95, SEC: 100 } });
    expect(report.summary.failed).toBe(true);
    expect(report.summary.failedGates).toEqual([{ section: 'OPS', minimum: 95, score: report.summary.sections.OPS.score }]);
    expect(report.summary.sections.SEC.score).toBeNull();
    expect((await audit(root(), testRules, { failOn: 'none', gates: { OPS: 10 } })).summary.failed).toBe(false);
  });
});
