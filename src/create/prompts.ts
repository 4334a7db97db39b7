/**
 * The interactive half: which questions to ask, in manifest order, offering only the choices that still
 * lead to a valid combination. The questions go through a {@link Prompter}, clack in the CLI, a script in tests.
 */
import * as clack from '@clack/prompts';
import { defaultProjectName, defaultsFor, projectNameProblem, type OptionAnswers } from './answers.js';
import { completions, violations } from './combinations.js';
import { optionsOf, type FeatureManifest } from './manifest.js';
import { Interrupted } from './interrupt.js';

export interface SelectChoice {
  value: string;
  label: string;
  hint?: string;
  disabled?: boolean;
}

/** Each method throws {@link Interrupted} when the user cancels (Ctrl-C). */
export interface Prompter {
  text(options: { message: string; placeholder: string; validate: (value: string) => string | undefined }): Promise<string>;
  select(options: { message: string; choices: SelectChoice[]; initial: string }): Promise<string>;
  confirm(options: { message: string; initial: boolean }): Promise<boolean>;
}

function unlessCancelled<T>(value: T | symbol): T {
  if (clack.isCancel(value)) throw new Interrupted();
  return value as T;
}

export function clackPrompter(): Prompter {
  return {
    async text({ message, placeholder, validate }) {
      const value = await clack.text({ message, placeholder, defaultValue: placeholder, validate: (v) => validate(v?.trim() || placeholder) });
      return unlessCancelled<string>(value).trim() || placeholder;
    },
    async select({ message, choices, initial }) {
      return unlessCancelled<string>(await clack.select({ message, options: choices, initialValue: initial }));
    },
    async confirm({ message, initial }) {
      return unlessCancelled<boolean>(await clack.confirm({ message, initialValue: initial }));
    },
  };
}

export function askProjectName(prompter: Prompter): Promise<string> {
  return prompter.text({ message: 'Project name (npm package and directory)', placeholder: defaultProjectName, validate: projectNameProblem });
}

/** The choices of one option given the answers so far; a choice that cannot lead to a valid combination is disabled with the reason. */
export function choicesFor(features: readonly FeatureManifest[], optionId: string, sofar: Readonly<Partial<OptionAnswers>>): SelectChoice[] {
  const option = optionsOf(features).find((o) => o.id === optionId)!;
  return option.choices.map((choice) => {
    const candidate = { ...sofar, [optionId]: choice.value };
    if (completions(features, candidate).length) return { value: choice.value, label: choice.label, ...(choice.hint ? { hint: choice.hint } : {}) };
    const reason = violations(features, candidate)[0] ?? 'no valid combination with the answers so far';
    return { value: choice.value, label: choice.label, hint: `unavailable: ${reason}`, disabled: true };
  });
}

/** Asks for every option not already given, in manifest order. */
export async function askOptions(
  features: readonly FeatureManifest[],
  given: Readonly<Partial<OptionAnswers>>,
  prompter: Prompter,
  env: Readonly<Record<string, string | undefined>>,
): Promise<OptionAnswers> {
  const defaults = defaultsFor(features, env);
  const answers: Partial<OptionAnswers> = { ...given };
  for (const option of optionsOf(features)) {
    if (answers[option.id] !== undefined) continue;
    const choices = choicesFor(features, option.id, answers);
    const enabled = choices.filter((c) => !c.disabled);
    const initial = enabled.some((c) => c.value === defaults[option.id]) ? defaults[option.id]! : enabled[0]!.value;
    answers[option.id] = await prompter.select({ message: option.message, choices, initial });
  }
  return answers as OptionAnswers;
}

export async function confirmMerge(prompter: Prompter, shown: string): Promise<boolean> {
  return prompter.confirm({
    message: `${shown} is not empty. Add the generated files next to the existing ones? Existing files are never overwritten or deleted.`,
    initial: false,
  });
}
