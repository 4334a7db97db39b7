import { describe, expect, it } from 'vitest';
import { KnownError } from '../../src/core/errors.js';
import {
  collectGiven,
  completeWithoutPrompts,
  defaultsFor,
  projectNameProblem,
  readAnswersFile,
  validateAnswers,
  type AnswerSources,
} from '../../src/create/answers.js';
import { features } from '../../src/create/features.js';
import { defineFeature, type FeatureManifest } from '../../src/create/manifest.js';
import { presets } from '../../src/create/presets.js';
import { memfs } from './support.js';

function known(run: () => unknown): KnownError {
  try {
    run();
  } catch (error) {
    if (error instanceof KnownError) return error;
    throw error;
  }
  throw new Error('no KnownError thrown');
}

const resolve = (sources: Partial<AnswerSources>, env: Record<string, string> = {}): Record<string, string> =>
  completeWithoutPrompts(features, collectGiven(features, { flags: {}, ...sources }), env);

describe('project names', () => {
  it.each(['acme-api', 'a', 'my-saas2', 'acme.api', 'acme_api'])('accepts %s', (name) => {
    expect(projectNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['Acme', /not a valid npm package name: .*capital letters/],
    ['my app', /not a valid npm package name/],
    ['.hidden', /name cannot start with a period/],
    ['_private', /cannot start with an underscore/],
    ['http', /core module name/],
    ['node_modules', /not a valid package name/],
    ['con', /reserved device name on Windows/],
    ['CON', /reserved device name on Windows/],
    ['lpt1', /reserved device name on Windows/],
    ['nul.txt', /reserved device name on Windows/],
    ['..', /not a directory name/],
    ['.', /not a directory name/],
    ['', /not a directory name/],
    ['a:b', /not allowed in directory names/],
    ['a?b', /not allowed in directory names/],
    ['trailing.', /ends with a dot or a space/],
  ])('rejects %j', (name, message) => {
    expect(projectNameProblem(name)).toMatch(message);
  });

  it('validateAnswers rejects an invalid name with a KnownError and a hint', () => {
    const error = known(() => validateAnswers(features, { name: 'con', options: resolve({ yes: true }) }));
    expect(error.message).toContain('reserved device name');
    expect(error.hint).toContain('lowercase');
  });
});

describe('flag values and constraints', () => {
  it('--yes takes every default', () => {
    expect(resolve({ yes: true })).toEqual({ tenancy: 'shared-rls', ci: 'github', infra: 'terraform-aws', packageManager: 'npm' });
  });

  it('takes the package manager default from npm_config_user_agent', () => {
    expect(resolve({ yes: true }, { npm_config_user_agent: 'pnpm/10.3.0 npm/? node/v20.20.0 linux x64' }).packageManager).toBe('pnpm');
    expect(resolve({ yes: true }, { npm_config_user_agent: 'yarn/4.5.0 npm/? node/v20.20.0 linux x64' }).packageManager).toBe('yarn');
    expect(resolve({ yes: true }, { npm_config_user_agent: 'bun/1.2.0 npm/? node/v20.20.0 linux x64' }).packageManager).toBe('npm');
    expect(defaultsFor(features, {}).packageManager).toBe('npm');
  });

  it('rejects an unknown choice, naming the flag and the choices', () => {
    const error = known(() => resolve({ flags: { ci: 'jenkins' }, yes: true }));
    expect(error.message).toBe('Unknown --ci value "jenkins"');
    expect(error.hint).toBe('Choose one of: github, gitlab.');
  });

  it('rejects a violated requires, naming both flags and the reason', () => {
    const error = known(() => resolve({ flags: { tenancy: 'hybrid', infra: 'none' }, yes: true }));
    expect(error.message).toMatch(/^--tenancy hybrid requires --infra terraform-aws \(got none\): dedicated tenant databases/);
  });

  it('completes around a constraint instead of taking a default that would violate it', () => {
    expect(resolve({ flags: { tenancy: 'hybrid' }, yes: true }).infra).toBe('terraform-aws');
  });

  it('fails at once naming the missing flags when it may not prompt', () => {
    const error = known(() => resolve({ flags: { tenancy: 'hybrid' } }));
    expect(error.message).toMatch(/^Missing --ci, --infra, --package-manager: stdin is not a terminal or CI is set/);
    expect(error.hint).toContain('--ci <github|gitlab>');
  });

  it('needs no defaults when every flag is given', () => {
    expect(resolve({ flags: { tenancy: 'shared-rls', ci: 'gitlab', infra: 'none', packageManager: 'yarn' } })).toEqual({
      tenancy: 'shared-rls',
      ci: 'gitlab',
      infra: 'none',
      packageManager: 'yarn',
    });
  });

  it('layers preset < answers file < flags', () => {
    const answersFile = { path: 'a.yaml', data: { ci: 'github', packageManager: 'yarn' } };
    expect(resolve({ preset: 'gitlab', answersFile, flags: { packageManager: 'npm' } })).toEqual({
      tenancy: 'shared-rls',
      ci: 'github',
      infra: 'terraform-aws',
      packageManager: 'npm',
    });
  });

  it('rejects an unknown preset and unknown keys or values in an answers file', () => {
    expect(known(() => resolve({ preset: 'nope' })).hint).toContain('default, hybrid, gitlab, no-infra');
    expect(known(() => resolve({ answersFile: { path: 'a.json', data: { cloud: 'gcp' } } })).message).toBe('Unknown option "cloud" in a.json');
    expect(known(() => resolve({ answersFile: { path: 'a.json', data: { ci: 3 } } })).message).toBe('Unknown --ci value 3 in a.json');
    expect(known(() => resolve({ answersFile: { path: 'a.json', data: ['ci'] } })).message).toContain('must hold an object');
  });

  it('every preset is a valid answer set', () => {
    for (const name of Object.keys(presets)) {
      expect(() => validateAnswers(features, { name: 'acme-api', options: resolve({ preset: name }) })).not.toThrow();
    }
  });

  it('validateAnswers rejects a missing option, an unknown option and a violated constraint', () => {
    const options = resolve({ yes: true });
    expect(known(() => validateAnswers(features, { name: 'x', options: { ...options, ci: undefined! } })).message).toBe('Missing --ci');
    expect(known(() => validateAnswers(features, { name: 'x', options: { ...options, cloud: 'gcp' } })).message).toBe('Unknown option "cloud"');
    expect(known(() => validateAnswers(features, { name: 'x', options: { ...options, tenancy: 'hybrid', infra: 'none' } })).message).toContain('requires --infra');
  });
});

describe('requires and conflicts on synthetic manifests', () => {
  const synthetic: FeatureManifest[] = [
    defineFeature({
      id: 'db',
      title: 'db',
      option: {
        id: 'db',
        message: 'Database',
        default: 'postgres',
        choices: [
          { value: 'postgres', label: 'PostgreSQL' },
          { value: 'sqlite', label: 'SQLite', conflicts: [{ option: 'deploy', values: ['serverless'], reason: 'no local disk' }] },
        ],
      },
    }),
    defineFeature({
      id: 'deploy',
      title: 'deploy',
      option: {
        id: 'deploy',
        message: 'Deploy',
        default: 'serverless',
        choices: [
          { value: 'serverless', label: 'Serverless' },
          { value: 'container', label: 'Container' },
        ],
      },
    }),
  ];

  it('rejects a conflict in either flag order', () => {
    const error = known(() => collectGiven(synthetic, { flags: { deploy: 'serverless', db: 'sqlite' } }));
    expect(error.message).toBe('--db sqlite conflicts with --deploy serverless: no local disk');
  });

  it('prefers the defaults that remain valid', () => {
    expect(completeWithoutPrompts(synthetic, collectGiven(synthetic, { flags: { db: 'sqlite' }, yes: true }), {})).toEqual({ db: 'sqlite', deploy: 'container' });
  });
});

describe('answers files', () => {
  it('reads JSON and YAML', async () => {
    const { fs } = memfs({ '/w/a.json': '{ "tenancy": "hybrid" }', '/w/a.yaml': 'tenancy: hybrid\nci: gitlab\n' });
    expect((await readAnswersFile(fs, '/w/a.json')).data).toEqual({ tenancy: 'hybrid' });
    expect((await readAnswersFile(fs, '/w/a.yaml')).data).toEqual({ tenancy: 'hybrid', ci: 'gitlab' });
  });

  it('reports a missing or malformed file as a KnownError', async () => {
    const { fs } = memfs({ '/w/bad.json': '{ tenancy: ' });
    await expect(readAnswersFile(fs, '/w/none.yaml')).rejects.toThrow(/Cannot read answers file \/w\/none.yaml/);
    await expect(readAnswersFile(fs, '/w/bad.json')).rejects.toThrow(/Cannot parse answers file \/w\/bad.json/);
  });
});
