import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digest } from './digest.js';

/**
 * Paths tracked by git (read-only `git ls-files`), or undefined when the root is not a git work tree's top or git is
 * not installed. Never runs the audited project's code: `core.fsmonitor` is off, so a hostile `.git/config` cannot
 * make git start a program.
 */
export async function trackedFiles(root: string): Promise<Set<string> | undefined> {
  // Only when the audited root is itself a repository's top: a sub-folder of another repository (a fixture, a
  // vendored copy) says nothing about what its own project commits.
  try {
    await stat(join(root, '.git'));
  } catch {
    return undefined;
  }
  // Plain execFile: loading execa would cost a cached run a tenth of a second.
  return new Promise((done) => {
    execFile('git', ['-c', 'core.fsmonitor=false', 'ls-files', '-z'], { cwd: root, timeout: 10_000, maxBuffer: 1024 ** 3, encoding: 'utf8' }, (error, stdout) => {
      done(error ? undefined : new Set(stdout.split('\0').filter(Boolean)));
    });
  });
}

/** A digest of what git tracks, for caches whose results depend on it ("no git" without a repository). */
export function trackedDigest(tracked: ReadonlySet<string> | undefined): string {
  if (!tracked) return 'no git';
  return digest([...tracked].sort());
}
