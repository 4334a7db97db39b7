import { Option, type Command } from 'commander';
import { realFs } from '../core/fs.js';
import { toolVersion } from '../core/versions.js';
import { features, templatesRoot } from '../create/features.js';
import { Interrupted, interruptedExitCode } from '../create/interrupt.js';
import { flagName, optionsOf } from '../create/manifest.js';
import { execaRunner } from '../create/post.js';
import { presets } from '../create/presets.js';
import { clackPrompter } from '../create/prompts.js';
import { isCi, runCreate, type CreateFlags } from '../create/run.js';
import { clackUi, plainUi } from '../create/ui.js';

interface RawFlags {
  yes?: boolean;
  preset?: string;
  answers?: string;
  install: boolean;
  git: boolean;
  dryRun?: boolean;
  force?: boolean;
  listCombinations?: 'all' | 'pairwise';
  [optionId: string]: unknown;
}

async function action(dir: string | undefined, raw: RawFlags): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY) && !isCi(process.env);
  const flags: CreateFlags = {
    ...(dir !== undefined ? { dir } : {}),
    options: Object.fromEntries(optionsOf(features).map((o) => [o.id, raw[o.id] as string | undefined])),
    yes: Boolean(raw.yes),
    ...(raw.preset !== undefined ? { preset: raw.preset } : {}),
    ...(raw.answers !== undefined ? { answers: raw.answers } : {}),
    install: raw.install,
    git: raw.git,
    dryRun: Boolean(raw.dryRun),
    force: Boolean(raw.force),
    ...(raw.listCombinations ? { listCombinations: raw.listCombinations } : {}),
  };
  // SIGINT while writing must roll back instead of killing the process mid-write; a second one forces the exit
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(interruptedExitCode);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const ui = interactive && !flags.listCombinations ? clackUi() : plainUi();
  try {
    process.exitCode = await runCreate(flags, {
      features,
      fs: realFs,
      templateFs: realFs,
      templatesRoot,
      version: toolVersion,
      cwd: process.cwd(),
      env: process.env,
      interactive,
      ui,
      prompter: clackPrompter(),
      run: execaRunner,
      signal: controller.signal,
    });
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    ui.cancel(error.message);
    process.exitCode = interruptedExitCode;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function registerCreate(program: Command): void {
  const command = program
    .command('create')
    .description('Scaffold a production-grade multi-tenant SaaS repository (also: npm create prodgrade).')
    .argument('[dir]', 'directory to create; its name is the package name');
  for (const option of optionsOf(features)) {
    const choices = option.choices.map((c) => (c.value === option.default ? `${c.value} (default)` : c.value)).join(', ');
    command.option(`--${flagName(option.id)} <choice>`, `${option.message}: ${choices}`);
  }
  command
    .option('-y, --yes', 'take the default for every question not answered by a flag, and do not ask for confirmation')
    .option('--preset <name>', `a named set of answers: ${Object.keys(presets).join(', ')}`)
    .option('--answers <file>', 'answers from a JSON or YAML file ({ "tenancy": "hybrid", ... }); flags override it')
    .option('--no-install', 'do not install dependencies')
    .option('--no-git', 'do not run git init or make the initial commit')
    .option('--dry-run', 'print the files that would be written, write nothing')
    .option('--force', 'write into a non-empty directory, adding files only: existing files are never overwritten or deleted')
    .addOption(new Option('--list-combinations <kind>', 'print every valid combination (all) or a pairwise subset as JSON lines').choices(['all', 'pairwise']).hideHelp())
    .addHelpText(
      'after',
      `
Without a terminal on stdin, or with CI set, nothing is asked: pass every option, --yes or --preset.

Examples:
  $ npm create prodgrade@latest
  $ prodgrade create acme-api --yes --no-install
  $ prodgrade create acme-api --tenancy hybrid --ci gitlab --package-manager pnpm --yes
  $ prodgrade create acme-api --preset gitlab --dry-run`,
    )
    .action(action);
}
