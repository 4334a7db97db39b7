import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { features, templatesRoot } from '../../src/create/features.js';
import { allCombinations, combinationFlags, completions, pairwiseCombinations, violations } from '../../src/create/combinations.js';
import { optionsOf, validateManifests, defineFeature } from '../../src/create/manifest.js';
import { contentHash, type ProjectRecord } from '../../src/create/plan.js';
import { isBehind, npmDeps, templateVersions } from '../../src/create/versions.js';
import { planFor, text } from './support.js';

const all = allCombinations(features);

describe('combinations derived from the manifests', () => {
  it('are the cartesian product of the choices minus the ones a constraint forbids', () => {
    const product = optionsOf(features).reduce((n, o) => n * o.choices.length, 1);
    expect(product).toBe(24);
    // tenancy=hybrid requires infra=terraform-aws: 1 × 2 ci × 1 infra(none) × 3 package managers are out
    expect(all).toHaveLength(18);
    for (const combo of all) expect(violations(features, combo)).toEqual([]);
    expect(all.some((c) => c.tenancy === 'hybrid' && c.infra === 'none')).toBe(false);
  });

  it('pairwise subset covers every valid pair with fewer combinations', () => {
    const pairwise = pairwiseCombinations(features);
    expect(pairwise.length).toBeLessThan(all.length);
    const ids = optionsOf(features).map((o) => o.id);
    const pairs = (list: Record<string, string>[]): Set<string> =>
      new Set(list.flatMap((c) => ids.flatMap((a, i) => ids.slice(i + 1).map((b) => `${a}=${c[a]}&${b}=${c[b]}`))));
    expect(pairs(pairwise)).toEqual(pairs(all));
  });

  it('turn into flags for a CI matrix', () => {
    expect(combinationFlags(features, all[0]!)).toEqual(['--tenancy', 'shared-rls', '--ci', 'github', '--infra', 'terraform-aws', '--package-manager', 'npm']);
  });

  it('completions of a partial answer agree with it', () => {
    expect(completions(features, { tenancy: 'hybrid' }).every((c) => c.infra === 'terraform-aws')).toBe(true);
  });
});

describe('every combination renders', () => {
  for (const combo of all) {
    it(Object.values(combo).join(' '), async () => {
      const plan = await planFor(combo);
      const record = JSON.parse(text(plan, 'prodgrade.json')) as ProjectRecord;
      for (const file of plan.files) {
        if (file.path !== 'prodgrade.json') expect(record.files[file.path]).toBe(contentHash(file.content));
        if (file.path.endsWith('.json')) expect(() => JSON.parse(text(plan, file.path)), file.path).not.toThrow();
        if (/\.ya?ml$/.test(file.path)) {
          const doc = YAML.parseDocument(text(plan, file.path));
          expect(doc.errors, file.path).toEqual([]);
        }
        // a handlebars insert that slipped through unrendered (GitHub Actions' own `${{ }}` is expected)
        expect(text(plan, file.path), file.path).not.toMatch(/(?<!\$)\{\{/);
      }
      const ci = combo.ci === 'github' ? '.github/workflows/ci.yml' : '.gitlab-ci.yml';
      const pipeline = text(plan, ci);
      for (const script of ['lint', 'typecheck', 'test']) expect(pipeline).toContain(script);
    });
  }
});

describe('feature modules', () => {
  it('the registry holds exactly the folders under templates/, each with a feature.ts', () => {
    const folders = readdirSync(templatesRoot).filter((name) => statSync(join(templatesRoot, name)).isDirectory());
    expect([...features.map((f) => f.id)].sort()).toEqual(folders.sort());
  });

  it('files/ of a feature with an option holds only choice folders', () => {
    for (const feature of features.filter((f) => f.option)) {
      const dir = join(templatesRoot, feature.id, 'files');
      for (const name of readdirSync(dir)) expect(feature.option!.choices.map((c) => c.value), `${feature.id}/files/${name}`).toContain(name);
    }
  });

  it('manifests validate, and validation catches bad references', () => {
    expect(() => validateManifests(features)).not.toThrow();
    const broken = defineFeature({
      id: 'Broken',
      title: 'x',
      option: {
        id: 'x',
        message: 'x',
        default: 'c',
        choices: [{ value: 'a', label: 'a', requires: [{ option: 'nope', values: ['z'], reason: 'r' }] }],
      },
    });
    expect(() => validateManifests([broken])).toThrow(/not kebab-case[\s\S]*default "c"[\s\S]*unknown option "nope"/);
  });

  it('every pinned npm package resolves through the version map', () => {
    expect(npmDeps('typescript', 'vitest')).toEqual({ typescript: templateVersions.typescript.version, vitest: templateVersions.vitest.version });
  });

  it('compares pins at their granularity', () => {
    expect(isBehind(templateVersions.typescript, '5.9.3')).toBe(false);
    expect(isBehind(templateVersions.typescript, '5.9.4')).toBe(true);
    expect(isBehind(templateVersions.awsProvider, '6.25.0')).toBe(false);
    expect(isBehind(templateVersions.awsProvider, '7.0.0')).toBe(true);
    expect(isBehind(templateVersions.terraform, '1.11.9')).toBe(false);
    expect(isBehind(templateVersions.terraform, '1.12.0')).toBe(true);
    expect(isBehind(templateVersions.checkout, 'v5.0.1')).toBe(true);
  });
});
