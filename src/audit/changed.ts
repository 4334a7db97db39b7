import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { KnownError } from '../core/errors.js';

const safeGit = ['-c', 'core.fsmonitor=false'];

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? '';
}

/** The object id git gives `bytes` as a blob (SHA-1 or SHA-256 repositories, told apart by the id's length). */
function blobId(bytes: Uint8Array, length: number): string {
  return createHash(length === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');
}

/** True when the work-tree file still has the content `ref` recorded (git only saw its stat data change). */
async function sameContent(root: string, path: string, id: string): Promise<boolean> {
  try {
    const file = join(root, path);
    if (!(await lstat(file)).isFile()) return false;
    return blobId(await readFile(file), id.length) === id;
  } catch {
    return false;
  }
}

/**
 * Files changed since a git ref (committed, staged, unstaged) plus untracked ones, relative to `root`.
 *
 * Plumbing only: porcelain `git diff` refreshes stat data and rewrites `.git/index`, and the audit writes nothing
 * into the audited tree. `diff-index` cannot tell a touched file from an edited one, so a file whose stat data
 * changed is compared by content here.
 */
export async function changedFiles(root: string, ref: string): Promise<Set<string>> {
  if (ref.startsWith('-')) throw new KnownError(`Invalid git ref: ${ref}`, 'Pass a branch, tag or commit, e.g. --changed-since origin/main');
  const inside = await execa('git', [...safeGit, 'rev-parse', '--is-inside-work-tree'], { cwd: root, reject: false, timeout: 10_000 });
  if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') {
    throw new KnownError(`--changed-since needs a git work tree, and ${root} is not inside one`, 'Run it in a git checkout, or drop --changed-since to audit every file.');
  }
  const verify = await execa('git', [...safeGit, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root, reject: false, timeout: 10_000 });
  if (verify.exitCode !== 0) {
    throw new KnownError(`--changed-since: "${ref}" is not a commit in the git repository at ${root}`, 'Fetch the ref first (e.g. `git fetch origin main`) or pass a commit SHA.');
  }
  const diff = await execa('git', [...safeGit, 'diff-index', '--raw', '-z', '--no-renames', '--relative', ref, '--'], { cwd: root, reject: false, timeout: 30_000 });
  const untracked = await execa('git', [...safeGit, 'ls-files', '--others', '--exclude-standard', '-z'], { cwd: root, reject: false, timeout: 30_000 });
  for (const result of [diff, untracked]) {
    if (result.exitCode !== 0) throw new KnownError(`--changed-since: git failed: ${firstLine(result.stderr) || `exit code ${result.exitCode}`}`, 'Check that `git status` works in this directory.');
  }
  const changed = new Set(untracked.stdout.split('\0').filter(Boolean));
  // Records are ":<mode> <mode> <id> <id> <status>" then the path, NUL-separated.
  const fields = diff.stdout.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [srcMode, dstMode, srcId, dstId, status] = fields[i]!.replace(/^:/, '').split(' ');
    const path = fields[i + 1]!;
    if (!path) continue;
    const statOnly = status === 'M' && srcMode === dstMode && srcId !== undefined && /^0+$/.test(dstId ?? '') && !/^0+$/.test(srcId);
    if (statOnly && (await sameContent(root, path, srcId))) continue;
    changed.add(path);
  }
  return changed;
}
