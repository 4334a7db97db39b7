/** After the files are in place: dependency install, git init and the initial commit, next steps. Each is skippable. */
import { execa } from 'execa';
import { throwIfAborted } from './interrupt.js';
import type { Ui } from './ui.js';

export interface CommandResult {
  ok: boolean;
  /** stdout and stderr interleaved, or why the command could not start. */
  output: string;
}

export type Runner = (command: string, args: readonly string[], options: { cwd: string }) => Promise<CommandResult>;

export const execaRunner: Runner = async (command, args, { cwd }) => {
  const result = await execa(command, args, { cwd, all: true, reject: false, stdin: 'ignore' });
  return { ok: !result.failed, output: result.all || result.shortMessage || '' };
};

export interface PostOptions {
  target: string;
  /** How the target is shown to the user (relative when possible). */
  shown: string;
  packageManager: string;
  /** How scripts are run with that package manager (`npm run`, `pnpm`). */
  runScript: string;
  install: boolean;
  git: boolean;
  notes: readonly string[];
  ui: Ui;
  run: Runner;
  signal?: AbortSignal;
}

export interface PostResult {
  installed: boolean;
  installFailed: boolean;
  committed: boolean;
}

function tail(output: string, lines = 15): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

async function install(o: PostOptions): Promise<boolean> {
  const spinner = o.ui.spinner(`Installing dependencies with ${o.packageManager}`);
  const result = await o.run(o.packageManager, ['install'], { cwd: o.target });
  if (result.ok) {
    spinner.stop(`Installed dependencies with ${o.packageManager}`);
    return true;
  }
  spinner.fail(`${o.packageManager} install failed`);
  if (result.output) o.ui.warn(tail(result.output));
  o.ui.warn(`The project is kept. Retry with: cd ${o.shown} && ${o.packageManager} install`);
  return false;
}

async function git(o: PostOptions): Promise<boolean> {
  const inside = await o.run('git', ['rev-parse', '--is-inside-work-tree'], { cwd: o.target });
  if (inside.ok && inside.output.trim() === 'true') {
    o.ui.warn(`${o.shown} is inside an existing git work tree: skipped git init and the initial commit.`);
    return false;
  }
  const init = await o.run('git', ['init', '--quiet'], { cwd: o.target });
  if (!init.ok) {
    o.ui.warn(`git init failed, so there is no repository yet: ${init.output.split('\n')[0]}`);
    return false;
  }
  const add = await o.run('git', ['add', '--all'], { cwd: o.target });
  const commit = add.ok ? await o.run('git', ['commit', '--quiet', '--no-verify', '-m', 'Initial commit from prodgrade'], { cwd: o.target }) : add;
  if (!commit.ok) {
    o.ui.warn(`Initialized a git repository, but the initial commit failed: ${commit.output.trim().split('\n')[0]}. Commit with: git add --all && git commit -m "Initial commit"`);
    return false;
  }
  o.ui.success('Initialized a git repository with an initial commit.');
  return true;
}

export async function runPostSteps(o: PostOptions): Promise<PostResult> {
  // install first, so the lockfile is part of the initial commit
  let installed = false;
  let installFailed = false;
  if (o.install) {
    throwIfAborted(o.signal);
    installed = await install(o);
    installFailed = !installed;
  }
  let committed = false;
  if (o.git) {
    throwIfAborted(o.signal);
    committed = await git(o);
  }
  return { installed, installFailed, committed };
}

export function nextSteps(o: Pick<PostOptions, 'shown' | 'packageManager' | 'runScript' | 'notes'>, installed: boolean): string {
  const steps = [
    ...(o.shown === '.' ? [] : [`cd ${o.shown}`]),
    ...(installed ? [] : [`${o.packageManager} install`]),
    ...o.notes,
    `${o.runScript} check`,
  ];
  return steps.map((s, i) => `${i + 1}. ${s}`).join('\n');
}
