import { describe, expect, it } from 'vitest';
import { features } from '../../src/create/features.js';
import { Interrupted } from '../../src/create/interrupt.js';
import { askOptions, askProjectName, choicesFor, type Prompter, type SelectChoice } from '../../src/create/prompts.js';

interface Asked {
  message: string;
  choices: SelectChoice[];
  initial: string;
}

/** A prompter that answers from a script and records what it was asked. */
function scripted(answers: (string | typeof Interrupted)[]): Prompter & { asked: Asked[] } {
  const asked: Asked[] = [];
  const next = (): string => {
    const answer = answers.shift();
    if (answer === Interrupted) throw new Interrupted();
    if (answer === undefined) throw new Error('asked more than scripted');
    return answer as string;
  };
  return {
    asked,
    async text({ validate }) {
      const value = next();
      const problem = validate(value);
      if (problem) throw new Error(problem);
      return value;
    },
    async select(options) {
      asked.push(options);
      return next();
    },
    async confirm() {
      return next() === 'yes';
    },
  };
}

describe('interactive questions', () => {
  it('asks every option in manifest order with the default preselected', async () => {
    const prompter = scripted(['shared-rls', 'gitlab', 'none', 'pnpm']);
    const answers = await askOptions(features, {}, prompter, {});
    expect(answers).toEqual({ tenancy: 'shared-rls', ci: 'gitlab', infra: 'none', packageManager: 'pnpm' });
    expect(prompter.asked.map((a) => [a.message, a.initial])).toEqual([
      ['Tenancy model', 'shared-rls'],
      ['CI provider', 'github'],
      ['Infrastructure', 'terraform-aws'],
      ['Package manager', 'npm'],
    ]);
  });

  it('skips options given by flags and preselects the detected package manager', async () => {
    const prompter = scripted(['terraform-aws', 'yarn']);
    await askOptions(features, { tenancy: 'shared-rls', ci: 'github' }, prompter, { npm_config_user_agent: 'yarn/4.5.0 npm/? node/v20' });
    expect(prompter.asked.map((a) => a.message)).toEqual(['Infrastructure', 'Package manager']);
    expect(prompter.asked[1]!.initial).toBe('yarn');
  });

  it('disables the choices a constraint rules out, with the reason', async () => {
    const prompter = scripted(['hybrid', 'github', 'terraform-aws', 'npm']);
    await askOptions(features, {}, prompter, {});
    const infra = prompter.asked.find((a) => a.message === 'Infrastructure')!;
    expect(infra.choices.find((c) => c.value === 'none')).toMatchObject({ disabled: true, hint: expect.stringContaining('--tenancy hybrid requires --infra terraform-aws') });
    expect(infra.choices.find((c) => c.value === 'terraform-aws')!.disabled).toBeUndefined();
  });

  it('also disables backwards: a given --infra none rules out hybrid tenancy', () => {
    const tenancy = choicesFor(features, 'tenancy', { infra: 'none' });
    expect(tenancy.find((c) => c.value === 'hybrid')!.disabled).toBe(true);
  });

  it('validates the project name as it is typed', async () => {
    await expect(askProjectName(scripted(['con']))).rejects.toThrow(/reserved device name/);
    await expect(askProjectName(scripted(['acme-api']))).resolves.toBe('acme-api');
  });

  it('Ctrl-C at a question stops with Interrupted', async () => {
    await expect(askOptions(features, {}, scripted(['shared-rls', Interrupted]), {})).rejects.toBeInstanceOf(Interrupted);
  });
});
