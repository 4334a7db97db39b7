/** `prodgrade create` from parsed flags to a written project: answers, plan, apply, post steps. */
import { basename, resolve } from 'node:path';
import { ExitCode, KnownError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import {
  assertProjectName,
  collectGiven,
  completeWithoutPrompts,
  defaultProjectName,
  readAnswersFile,
  validateAnswers,
} from './answers.js';
import { applyPlan, displayPath, inspectTarget, mergeSplit, nonEmptyError } from './apply.js';
import { allCombinations, combinationFlags, pairwiseCombinations } from './combinations.js';
import { Interrupted } from './interrupt.js';
import { choiceOf, optionsOf, type FeatureManifest } from './manifest.js';
import { planProject, type FilePlan } from './plan.js';
import { nextSteps, runPostSteps, type Runner } from './post.js';
import { askOptions, askProjectName, confirmMerge, type Prompter } from './prompts.js';
import { loadTemplates } from './templates.js';
import { formatPlanTree } from './tree.js';
import type { Ui } from './ui.js';

export interface CreateFlags {
  dir?: string;
  /** Option flags by option id; undefined when not given. */
  options: Record<string, string | undefined>;
  yes: boolean;
  preset?: string;
  answers?: string;
  install: boolean;
  git: boolean;
  dryRun: boolean;
  force: boolean;
  listCombinations?: 'all' | 'pairwise';
}

export interface CreateDeps {
  features: readonly FeatureManifest[];
  /** Where the project is written (and the answers file read). */
  fs: Fs;
  /** Where `templates/<feature>/files` are read. */
  templateFs: Fs;
  templatesRoot: string;
  version: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** False without a TTY on stdin or with CI set: nothing is asked, a missing answer is an error. */
  interactive: boolean;
  ui: Ui;
  prompter: Prompter;
  run: Runner;
  signal?: AbortSignal;
}

/** CI=true, CI=1, CI=anything but "false"/"0"/"" counts as CI. */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function summary(features: readonly FeatureManifest[], plan: FilePlan, shown: string, flags: CreateFlags): string {
  const rows: [string, string][] = [['Directory', shown]];
  for (const option of optionsOf(features)) {
    rows.push([option.message, choiceOf(features, option.id, plan.answers.options[option.id]!)!.label]);
  }
  const executables = plan.files.filter((f) => f.mode & 0o111).length;
  rows.push(['Files', `${plan.files.length} (${executables} executable)`]);
  const then = [flags.install ? `install with ${plan.answers.options.packageManager ?? 'npm'}` : 'no install', flags.git ? 'git init and initial commit' : 'no git'];
  rows.push(['Then', then.join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** Returns the exit code. Throws KnownError for usage problems and Interrupted when the user stops. */
export async function runCreate(flags: CreateFlags, deps: CreateDeps): Promise<number> {
  const { features, ui, prompter } = deps;
  if (flags.listCombinations) {
    const combos = flags.listCombinations === 'pairwise' ? pairwiseCombinations(features) : allCombinations(features);
    for (const combo of combos) ui.print(`${JSON.stringify({ answers: combo, flags: combinationFlags(features, combo) })}\n`);
    return ExitCode.ok;
  }

  ui.intro(`prodgrade create ${deps.version}`);
  const answersFile = flags.answers ? await readAnswersFile(deps.fs, resolve(deps.cwd, flags.answers)) : undefined;
  const given = collectGiven(features, {
    flags: flags.options,
    ...(flags.preset !== undefined ? { preset: flags.preset } : {}),
    ...(answersFile ? { answersFile: { path: flags.answers!, data: answersFile.data } } : {}),
    yes: flags.yes,
  });

  let dir = flags.dir;
  if (dir === undefined) {
    if (flags.yes) dir = defaultProjectName;
    else if (deps.interactive) dir = await askProjectName(prompter);
    else throw new KnownError('Missing <dir>: stdin is not a terminal or CI is set, so prodgrade create does not prompt', 'e.g. prodgrade create my-saas --yes');
  }
  const target = resolve(deps.cwd, dir);
  const shown = displayPath(target, deps.cwd);
  const name = basename(target);
  assertProjectName(name);

  const state = await inspectTarget(deps.fs, target);
  let merge = flags.force;
  if (state === 'non-empty' && !merge && !flags.dryRun) {
    // --yes answers questions with their defaults, and the default of "merge into it?" is no
    if (!deps.interactive || flags.yes) throw nonEmptyError(shown);
    if (!(await confirmMerge(prompter, shown))) throw new Interrupted();
    merge = true;
  }

  const options = deps.interactive && !given.useDefaults ? await askOptions(features, given.options, prompter, deps.env) : completeWithoutPrompts(features, given, deps.env);
  const answers = validateAnswers(features, { name, options });
  const templates = await loadTemplates(deps.templateFs, deps.templatesRoot, features);
  const plan = planProject({ answers, features, templates, prodgradeVersion: deps.version });

  if (flags.dryRun) {
    const kept = state === 'non-empty' ? (await mergeSplit(deps.fs, plan, target)).kept : [];
    ui.print(formatPlanTree(plan, shown, new Set(kept)));
    if (state === 'non-empty' && !merge) ui.warn(`${shown} is not empty: without --force, create refuses to write into it.`);
    return ExitCode.ok;
  }

  if (deps.interactive && !flags.yes) {
    ui.note(summary(features, plan, shown, flags), 'Summary');
    if (!(await prompter.confirm({ message: 'Create the project?', initial: true }))) throw new Interrupted();
  }

  const result = await applyPlan(deps.fs, plan, { target, merge, shown, ...(deps.signal ? { signal: deps.signal } : {}) });
  ui.success(`Created ${shown}: ${result.written.length} files written${result.kept.length ? `, ${result.kept.length} existing files kept` : ''}.`);

  const packageManager = answers.options.packageManager ?? 'npm';
  const runScript = String((choiceOf(features, 'packageManager', packageManager)?.data as { run?: string } | undefined)?.run ?? 'npm run');
  const post = {
    target,
    shown,
    packageManager,
    runScript,
    install: flags.install,
    git: flags.git,
    notes: plan.notes,
    ui,
    run: deps.run,
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  let outcome;
  try {
    outcome = await runPostSteps(post);
  } catch (error) {
    if (error instanceof Interrupted) throw new Interrupted(`Interrupted; the project in ${shown} is kept.`);
    throw error;
  }
  if (deps.signal?.aborted) throw new Interrupted(`Interrupted; the project in ${shown} is kept.`);
  ui.note(nextSteps(post, outcome.installed), 'Next steps');
  ui.outro(outcome.installFailed ? `Created ${shown}, but the install failed (see above).` : `Done: ${shown} is ready.`);
  return outcome.installFailed ? ExitCode.error : ExitCode.ok;
}
