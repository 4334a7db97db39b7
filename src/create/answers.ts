/**
 * The single place answers are checked: project names, flag values, presets, answers files and the
 * manifests' requires/conflicts. Prompts and the non-interactive path both end here.
 */
import { basename, extname } from 'node:path';
import validateNpmName from 'validate-npm-package-name';
import YAML from 'yaml';
import { KnownError, errorMessage } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { completions, preferredCompletion, violations, type OptionAnswers } from './combinations.js';
import { flagOf, optionsOf, type FeatureManifest } from './manifest.js';
import { presets } from './presets.js';

export type { OptionAnswers };

export interface Answers {
  /** The npm package name, also the target directory's name. */
  name: string;
  options: OptionAnswers;
}

export const defaultProjectName = 'my-saas';

// Names Windows refuses as a file or directory, with or without an extension.
const windowsReserved = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** Why `name` cannot be a project name (npm package name and directory name), or undefined when it can. */
export function projectNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `"${name}" is not a directory name`;
  if (/[<>:"/\\|?*\x00-\x1f]/.test(name)) return `"${name}" contains a character that is not allowed in directory names`;
  if (windowsReserved.test(name)) return `"${name}" is a reserved device name on Windows and cannot be a directory`;
  if (/[. ]$/.test(name)) return `"${name}" ends with a dot or a space, which Windows drops from directory names`;
  const npm = validateNpmName(name);
  if (!npm.validForNewPackages) {
    const reasons = [...(npm.errors ?? []), ...(npm.warnings ?? [])];
    return `"${name}" is not a valid npm package name: ${reasons.join('; ')}`;
  }
  return undefined;
}

export function assertProjectName(name: string): void {
  const problem = projectNameProblem(name);
  if (problem) {
    throw new KnownError(problem, 'Use lowercase letters, digits and dashes, e.g. "acme-api"; the directory name is the package name.');
  }
}

export function projectNameOf(targetDir: string): string {
  return basename(targetDir);
}

/** The default of each option, with `detectDefault` taking precedence when it names a declared choice. */
export function defaultsFor(features: readonly FeatureManifest[], env: Readonly<Record<string, string | undefined>>): OptionAnswers {
  const defaults: OptionAnswers = {};
  for (const option of optionsOf(features)) {
    const detected = option.detectDefault?.(env);
    defaults[option.id] = detected && option.choices.some((c) => c.value === detected) ? detected : option.default;
  }
  return defaults;
}

export interface AnswerSources {
  /** Flag values by option id (undefined when the flag was not given). */
  flags: Readonly<Record<string, string | undefined>>;
  preset?: string;
  answersFile?: { path: string; data: unknown };
  yes?: boolean;
}

export interface GivenAnswers {
  options: Partial<OptionAnswers>;
  /** True when the missing options take their defaults instead of being asked (`--yes`, `--preset`). */
  useDefaults: boolean;
}

function checkValue(features: readonly FeatureManifest[], id: string, value: unknown, origin: string): string {
  const where = origin ? ` ${origin}` : '';
  const option = optionsOf(features).find((o) => o.id === id);
  if (!option) {
    const known = optionsOf(features).map((o) => o.id);
    throw new KnownError(`Unknown option "${id}"${where}`, `Known options: ${known.join(', ')}.`);
  }
  const choices = option.choices.map((c) => c.value);
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw new KnownError(`Unknown ${flagOf(id)} value ${JSON.stringify(value)}${where}`, `Choose one of: ${choices.join(', ')}.`);
  }
  return value;
}

/**
 * Merges the preset, the answers file and the flags (later wins) and validates every value and every
 * constraint between the given values. Throws KnownError on the first problem.
 */
export function collectGiven(features: readonly FeatureManifest[], sources: AnswerSources): GivenAnswers {
  const options: Partial<OptionAnswers> = {};
  if (sources.preset !== undefined) {
    const preset = presets[sources.preset];
    if (!preset) throw new KnownError(`Unknown preset "${sources.preset}"`, `Presets: ${Object.keys(presets).join(', ')}.`);
    for (const [id, value] of Object.entries(preset.options)) options[id] = checkValue(features, id, value, `in preset ${sources.preset}`);
  }
  if (sources.answersFile) {
    const { path, data } = sources.answersFile;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new KnownError(`Answers file ${path} must hold an object of option: choice`, `e.g. { "tenancy": "hybrid", "ci": "gitlab" }`);
    }
    for (const [id, value] of Object.entries(data)) options[id] = checkValue(features, id, value, `in ${path}`);
  }
  for (const [id, value] of Object.entries(sources.flags)) {
    if (value !== undefined) options[id] = checkValue(features, id, value, '');
  }
  const problems = violations(features, options);
  if (problems.length) throw new KnownError(problems[0]!, 'Change one of the two answers; `prodgrade create --help` lists the choices.');
  if (completions(features, options).length === 0) {
    throw new KnownError('No valid combination of options matches the given answers', 'Drop one of the flags and let prodgrade offer the remaining choices.');
  }
  return { options, useDefaults: Boolean(sources.yes) || sources.preset !== undefined };
}

/** The options still unanswered, in prompt order. */
export function missingOptions(features: readonly FeatureManifest[], given: Readonly<Partial<OptionAnswers>>): string[] {
  return optionsOf(features)
    .map((o) => o.id)
    .filter((id) => given[id] === undefined);
}

/**
 * Completes the answers without asking: with defaults when allowed, otherwise fails naming the missing
 * flags (the no-TTY / CI path).
 */
export function completeWithoutPrompts(
  features: readonly FeatureManifest[],
  given: GivenAnswers,
  env: Readonly<Record<string, string | undefined>>,
): OptionAnswers {
  const missing = missingOptions(features, given.options);
  if (missing.length && !given.useDefaults) {
    const flags = missing.map(flagOf);
    const first = optionsOf(features).find((o) => o.id === missing[0])!;
    throw new KnownError(
      `Missing ${flags.join(', ')}: stdin is not a terminal or CI is set, so prodgrade create does not prompt`,
      `Pass ${flagOf(first.id)} <${first.choices.map((c) => c.value).join('|')}> (and the others), or --yes to take the defaults.`,
    );
  }
  const completed = preferredCompletion(features, given.options, defaultsFor(features, env));
  if (!completed) throw new KnownError('No valid combination of options matches the given answers', 'Drop one of the flags.');
  return completed;
}

/** The final check of a complete answer set: every option answered with a declared choice, no violated constraint. */
export function validateAnswers(features: readonly FeatureManifest[], answers: Answers): Answers {
  assertProjectName(answers.name);
  for (const option of optionsOf(features)) {
    const value = answers.options[option.id];
    if (value === undefined) throw new KnownError(`Missing ${flagOf(option.id)}`, `Choose one of: ${option.choices.map((c) => c.value).join(', ')}.`);
    checkValue(features, option.id, value, '');
  }
  for (const id of Object.keys(answers.options)) checkValue(features, id, answers.options[id], '');
  const problems = violations(features, answers.options);
  if (problems.length) throw new KnownError(problems[0]!, 'Change one of the two answers.');
  return answers;
}

/** Reads `--answers <file>`: JSON for `.json`, YAML (a superset of JSON) otherwise. */
export async function readAnswersFile(fs: Fs, path: string): Promise<{ path: string; data: unknown }> {
  let text: string;
  try {
    text = new TextDecoder().decode(await fs.readFile(path));
  } catch (error) {
    throw new KnownError(`Cannot read answers file ${path}: ${errorMessage(error)}`, 'Check the path given to --answers.');
  }
  try {
    const data: unknown = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : YAML.parse(text);
    return { path, data };
  } catch (error) {
    throw new KnownError(`Cannot parse answers file ${path}: ${errorMessage(error).split('\n')[0]}`, 'The file must be JSON or YAML.');
  }
}
