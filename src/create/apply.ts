/**
 * Writes a file plan. Everything is rendered into a temporary directory beside the target and moved into
 * place at the end, so an interruption, a full disk or any other failure leaves neither a half-written
 * project nor the temporary directory behind.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { KnownError, errorMessage, isKnownError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { Interrupted, throwIfAborted } from './interrupt.js';
import { assertSafePath, type FilePlan, type PlannedFile } from './plan.js';

export type TargetState = 'missing' | 'empty' | 'non-empty';

function code(error: unknown): string | undefined {
  const value = (error as { code?: unknown } | null)?.code;
  return typeof value === 'string' ? value : undefined;
}

async function exists(fs: Fs, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return false;
    throw error;
  }
}

export function displayPath(target: string, cwd: string): string {
  const rel = relative(cwd, target);
  return rel === '' ? '.' : rel.startsWith('..') ? target : rel;
}

export async function inspectTarget(fs: Fs, target: string): Promise<TargetState> {
  let stats;
  try {
    stats = await fs.stat(target);
  } catch (error) {
    if (code(error) === 'ENOENT') return 'missing';
    throw new KnownError(`Cannot inspect ${target}: ${errorMessage(error)}`, 'Check the path and its permissions.');
  }
  if (!stats.isDirectory()) throw new KnownError(`${target} exists and is not a directory`, 'Choose another directory name.');
  const entries = await fs.readdir(target, { withFileTypes: true });
  return entries.length ? 'non-empty' : 'empty';
}

export function nonEmptyError(shown: string): KnownError {
  return new KnownError(
    `Target directory ${shown} is not empty`,
    'Choose a new directory, or pass --force to add the generated files next to the existing ones (existing files are never overwritten or deleted).',
  );
}

/** Which planned files a merge writes and which it leaves alone because something already exists at (or above) their path. */
export async function mergeSplit(fs: Fs, plan: FilePlan, target: string): Promise<{ write: PlannedFile[]; kept: string[] }> {
  const write: PlannedFile[] = [];
  const kept: string[] = [];
  for (const file of plan.files) {
    const segments = file.path.split('/');
    let blocked = false;
    for (let i = 1; i <= segments.length && !blocked; i++) {
      const path = join(target, ...segments.slice(0, i));
      let stats;
      try {
        stats = await fs.lstat(path);
      } catch (error) {
        if (code(error) === 'ENOENT') break;
        throw error;
      }
      // the file itself exists, or a file or symlink (which could point outside the target) stands where a directory should be
      blocked = i === segments.length || !stats.isDirectory() || stats.isSymbolicLink();
    }
    if (blocked) kept.push(file.path);
    else write.push(file);
  }
  return { write, kept };
}

export interface ApplyOptions {
  /** Absolute path of the project directory. */
  target: string;
  /** Allow a non-empty target: add the planned files that do not exist yet, touch nothing else. */
  merge: boolean;
  signal?: AbortSignal;
  /** How the target is named in messages. */
  shown?: string;
  /** Suffix of the temporary directory (tests pass a fixed one). */
  tempSuffix?: string;
}

export interface ApplyResult {
  written: string[];
  /** Planned paths left alone because they already existed (merge only). */
  kept: string[];
}

async function firstMissingAncestor(fs: Fs, dir: string): Promise<string | undefined> {
  let missing: string | undefined;
  for (let current = dir; !(await exists(fs, current)); current = dirname(current)) {
    missing = current;
    if (dirname(current) === current) break;
  }
  return missing;
}

export async function applyPlan(fs: Fs, plan: FilePlan, options: ApplyOptions): Promise<ApplyResult> {
  const target = resolve(options.target);
  const shown = options.shown ?? target;
  for (const file of plan.files) {
    assertSafePath(file.path, file.source);
    const absolute = resolve(target, file.path);
    if (!absolute.startsWith(target + sep)) throw new Error(`${file.source}: ${file.path} resolves outside ${target}`);
  }
  const state = await inspectTarget(fs, target);
  if (state === 'non-empty' && !options.merge) throw nonEmptyError(shown);
  const { write, kept } = state === 'missing' ? { write: plan.files, kept: [] } : await mergeSplit(fs, plan, target);

  const parent = dirname(target);
  const createdParent = await firstMissingAncestor(fs, parent);
  const temp = join(parent, `.${basename(target)}.prodgrade-${options.tempSuffix ?? randomBytes(6).toString('hex')}`);
  const moved: string[] = [];
  const createdDirs: string[] = [];
  let tempCreated = false;
  try {
    throwIfAborted(options.signal);
    await fs.mkdir(parent, { recursive: true });
    await fs.mkdir(temp);
    tempCreated = true;
    for (const file of write) {
      throwIfAborted(options.signal);
      const path = join(temp, file.path);
      await fs.mkdir(dirname(path), { recursive: true });
      await fs.writeFile(path, file.content, { mode: file.mode, flag: 'wx' });
      // writeFile's mode is filtered by the umask; the plan's mode is what the project needs
      await fs.chmod(path, file.mode);
    }
    throwIfAborted(options.signal);
    if (state === 'missing') {
      await fs.rename(temp, target);
      tempCreated = false;
    } else {
      for (const file of write) {
        throwIfAborted(options.signal);
        const segments = file.path.split('/');
        for (let i = 1; i < segments.length; i++) {
          const dir = join(target, ...segments.slice(0, i));
          if (!(await exists(fs, dir))) {
            await fs.mkdir(dir);
            createdDirs.push(dir);
          }
        }
        const destination = join(target, file.path);
        // checked again right before the move: rename would replace a file created since the split
        if (await exists(fs, destination)) throw new KnownError(`${shown}/${file.path} appeared while writing`, 'Nothing was changed; run the command again.');
        await fs.rename(join(temp, file.path), destination);
        moved.push(destination);
      }
      await fs.rm(temp, { recursive: true, force: true });
      tempCreated = false;
    }
    return { written: write.map((f) => f.path), kept };
  } catch (error) {
    await rollback(fs, { temp: tempCreated ? temp : undefined, moved, createdDirs, createdParent });
    if (error instanceof Interrupted || isKnownError(error)) throw error;
    if (code(error)) {
      throw new KnownError(`Could not create ${shown}: ${errorMessage(error)}`, 'Nothing was written. Check free space and permissions, then run the command again.');
    }
    throw error;
  }
}

async function rollback(
  fs: Fs,
  done: { temp: string | undefined; moved: string[]; createdDirs: string[]; createdParent: string | undefined },
): Promise<void> {
  const attempt = async (step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch {
      // best effort: the original error is the one to report
    }
  };
  if (done.temp) await attempt(() => fs.rm(done.temp!, { recursive: true, force: true }));
  for (const path of [...done.moved].reverse()) await attempt(() => fs.rm(path, { force: true }));
  for (const dir of [...done.createdDirs].reverse()) await attempt(() => fs.rm(dir, { recursive: true, force: true }));
  if (done.createdParent) await attempt(() => fs.rm(done.createdParent!, { recursive: true, force: true }));
}
