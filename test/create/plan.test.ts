import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { completeWithoutPrompts, collectGiven } from '../../src/create/answers.js';
import { features } from '../../src/create/features.js';
import { assertSafePath, contentHash, executableMode, planProject, type ProjectRecord } from '../../src/create/plan.js';
import { presets } from '../../src/create/presets.js';
import { targetPathOf, type TemplateFile } from '../../src/create/templates.js';
import { planFor, templates, testVersion, text } from './support.js';

function presetOptions(name: string): Record<string, string> {
  return completeWithoutPrompts(features, collectGiven(features, { flags: {}, preset: name }), {});
}

describe('plan snapshots per preset', () => {
  for (const name of Object.keys(presets)) {
    it(`preset ${name}`, async () => {
      const plan = await planFor(presetOptions(name));
      const lines = plan.files.map((f) => `${f.mode.toString(8)} ${f.path} ${createHash('sha256').update(f.content).digest('hex').slice(0, 16)}`);
      expect({ answers: plan.answers.options, files: lines, notes: plan.notes }).toMatchSnapshot();
    });
  }
});

describe('planProject', () => {
  it('is deterministic and sorted', async () => {
    const a = await planFor(presetOptions('default'));
    const b = await planFor(presetOptions('default'));
    expect(a).toEqual(b);
    const paths = a.files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
  });

  it('records the version, the answers and the hash of every other file in prodgrade.json', async () => {
    const plan = await planFor(presetOptions('hybrid'));
    const record = JSON.parse(text(plan, 'prodgrade.json')) as ProjectRecord;
    expect(record.prodgrade).toBe(testVersion);
    expect(record.answers).toEqual({ name: 'acme-api', tenancy: 'hybrid', ci: 'github', infra: 'terraform-aws', packageManager: 'pnpm' });
    const others = plan.files.filter((f) => f.path !== 'prodgrade.json');
    expect(Object.keys(record.files)).toEqual(others.map((f) => f.path));
    for (const file of others) expect(record.files[file.path]).toBe(contentHash(file.content));
  });

  it('turns _dotfiles into dotfiles, drops .hbs and keeps declared executables executable', async () => {
    const plan = await planFor(presetOptions('default'));
    const paths = plan.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['.gitignore', '.nvmrc', '.editorconfig', '.github/workflows/ci.yml', 'README.md']));
    // `__name` in templates/ is the escape for a literal leading underscore, e.g. drizzle-kit's journal.
    const underscored = paths.filter((p) => p.split('/').some((s) => s.startsWith('_')));
    expect(underscored).toEqual(['drizzle/meta/_journal.json']);
    expect(paths).not.toContain('drizzle/meta/.journal.json');
    expect(paths.some((p) => p.endsWith('.hbs'))).toBe(false);
    expect(plan.files.filter((f) => f.mode === executableMode).map((f) => f.path)).toEqual([
      'infra/deploy/ecs-deploy.sh',
      'infra/deploy/ecs-migrate.sh',
      'infra/deploy/smoke-test.sh',
      'infra/terraform/bootstrap-state.sh',
    ]);
    expect(text(plan, 'infra/terraform/bootstrap-state.sh').startsWith('#!/usr/bin/env bash\n')).toBe(true);
  });

  it('renders the choice-specific files only for the selected choice', async () => {
    const shared = await planFor(presetOptions('default'));
    const hybrid = await planFor(presetOptions('hybrid'));
    const none = await planFor(presetOptions('no-infra'));
    expect(shared.files.map((f) => f.path)).not.toContain('config/tenants.example.json');
    expect(hybrid.files.map((f) => f.path)).toEqual(expect.arrayContaining(['config/tenants.example.json', 'infra/terraform/tenant-databases.tf']));
    expect(text(hybrid, 'docs/adr/0001-tenancy.md')).toContain('Hybrid tenancy');
    expect(none.files.some((f) => f.path.startsWith('infra/'))).toBe(false);
    expect(none.files.map((f) => f.path)).toContain('.yarnrc.yml');
  });

  it('merges the package.json deltas of the selected features', async () => {
    const plan = await planFor(presetOptions('gitlab'));
    const pkg = JSON.parse(text(plan, 'package.json')) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: 'acme-api',
      private: true,
      type: 'module',
      engines: { node: '>=20.12' },
      packageManager: expect.stringMatching(/^pnpm@\d+\.\d+\.\d+$/),
      scripts: { lint: 'eslint .', typecheck: 'tsc --noEmit', test: 'vitest run', check: 'pnpm lint && pnpm typecheck && pnpm test' },
    });
    expect(Object.keys(pkg.devDependencies as object)).toEqual([...Object.keys(pkg.devDependencies as object)].sort());
    expect((pkg.scripts as Record<string, string>)['infra:fmt']).toBeDefined();
    const lean = JSON.parse(text(await planFor(presetOptions('no-infra')), 'package.json')) as { scripts: Record<string, string> };
    expect(lean.scripts['infra:fmt']).toBeUndefined();
  });

  it('writes .env.example from the env declarations of the selected features', async () => {
    const env = text(await planFor(presetOptions('hybrid')), '.env.example');
    const names = env.match(/^[A-Z_]+(?==)/gm) ?? [];
    expect(names.slice(0, 5)).toEqual(['NODE_ENV', 'LOG_LEVEL', 'DATABASE_URL', 'MIGRATION_DATABASE_URL', 'TENANT_ROUTING_FILE']);
    expect(names).toEqual(expect.arrayContaining(['PORT', 'HOST', 'JWT_SECRET', 'CORS_ORIGINS', 'OUTBOUND_TIMEOUT_MS']));
    expect(new Set(names).size).toBe(names.length);
  });

  it('uses the package manager in CI, README and next steps', async () => {
    const plan = await planFor({ tenancy: 'shared-rls', ci: 'gitlab', infra: 'none', packageManager: 'yarn' });
    expect(text(plan, '.gitlab-ci.yml')).toContain('- yarn install --immutable');
    expect(text(plan, 'README.md')).toContain('yarn.lock');
    expect(plan.notes.join('\n')).toContain('.gitlab-ci.yml');
  });
});

describe('path safety', () => {
  const base = { feature: 'base', source: 'templates/base/files/evil', content: new Uint8Array(), render: false, executable: false } satisfies Omit<TemplateFile, 'target'>;

  for (const target of ['../evil', 'a/../../evil', '/etc/passwd', 'C:/evil', 'a\\..\\evil', 'a//b', './a', '']) {
    it(`rejects a template whose path is ${JSON.stringify(target)}`, async () => {
      const evil: TemplateFile = { ...base, target };
      expect(() =>
        planProject({ answers: { name: 'acme-api', options: presetOptions('default') }, features, templates: [evil], prodgradeVersion: testVersion }),
      ).toThrow(/would leave the target directory/);
    });
  }

  it('accepts ordinary nested paths', () => {
    expect(() => assertSafePath('.github/workflows/ci.yml', 'x')).not.toThrow();
  });

  it('rejects two templates generating the same path', async () => {
    const all = await templates();
    const copy = { ...all.find((t) => t.target === 'README.md')! };
    expect(() =>
      planProject({ answers: { name: 'acme-api', options: presetOptions('default') }, features, templates: [...all, copy], prodgradeVersion: testVersion }),
    ).toThrow(/README.md is also generated by/);
  });
});

describe('targetPathOf', () => {
  it.each([
    ['_gitignore', '.gitignore', false],
    ['_github/workflows/ci.yml.hbs', '.github/workflows/ci.yml', true],
    ['__init__.py', '_init__.py', false],
    ['docs/adr/0001.md', 'docs/adr/0001.md', false],
  ])('%s → %s', (source, path, render) => {
    expect(targetPathOf(source)).toEqual({ path, render });
  });
});
