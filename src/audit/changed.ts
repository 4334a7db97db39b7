import { execa } from 'execa';
import { KnownError } from '../core/errors.js';

const safeGit = ['-c', 'core.fsmonitor=false'];

/** Files changed since a git ref (committed, staged, unstaged) plus untracked ones, relative to `root`. */
export async function changedFiles(root: string, ref: string): Promise<Set<string>> {
  if (ref.startsWith('-')) throw new KnownError(`Invalid git ref: ${ref}`, 'Pass a branch, tag or commit, e.g. --changed-since origin/main');
  const verify = await execa('git', [...safeGit, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root, reject: false, timeout: 10_000 });
  if (verify.exitCode !== 0) {
    throw new KnownError(`--changed-since: "${ref}" is not a commit in the git repository at ${root}`, 'Fetch the ref first (e.g. `git fetch origin main`) or pass a commit SHA.');
  }
  const diff = await execa('git', [...safeGit, 'diff', '--name-only', '--relative', '-z', ref], { cwd: root, reject: false, timeout: 30_000 });
  const untracked = await execa('git', [...safeGit, 'ls-files', '--others', '--exclude-standard', '-z'], { cwd: root, reject: false, timeout: 30_000 });
  return new Set([...diff.stdout.split('\0'), ...untracked.stdout.split('\0')].filter(Boolean));
}
