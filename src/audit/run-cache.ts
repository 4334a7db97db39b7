import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { digest } from './digest.js';
import { treeDigest, type Discovery, type Stamps } from './discover.js';
import type { Report } from './report.js';

/**
 * The whole-run cache: the last report of an audited root, under a key of everything the report depends on — the
 * tool build, the rule set, the configuration, the options that change results, today's date (suppressions expire),
 * the baseline's content and every discovered file's path and content hash (skipped files and ignore files
 * included). A repeated audit of an unchanged tree reads the tree, finds the key and reuses the report without
 * loading a single rule or parser. Entries live beside the per-file cache, outside the audited tree.
 */
export interface CachedRun {
  key: string;
  /** What git tracked, when a rule asked (`model.tracked()`): checked again before the entry is used. */
  gitDigest?: string;
  report: Report;
  /** The files' stamps: the next run reads only the files whose stamp changed. */
  stamps?: Stamps;
}

/** The entry's file, beside the per-file cache file of the same root. */
export function runCacheFile(cacheFile: string): string {
  return cacheFile.replace(/\.json$/, '.run.json');
}

/** Completes a key base with the tree: every file's path and content hash, every skipped path and why. */
export function runKeyOf(base: string, discovery: Discovery): string {
  return digest([base, treeDigest(discovery)]);
}

/** The stored entry, whatever its key (its stamps spare the next walk reading unchanged files). */
export async function readRunCache(cacheFile: string): Promise<CachedRun | undefined> {
  try {
    const entry = JSON.parse(await readFile(runCacheFile(cacheFile), 'utf8')) as CachedRun;
    return typeof entry.key === 'string' && typeof entry.report === 'object' && entry.report !== null ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically; a cache that cannot be written is not an error (read-only home, full disk). */
export async function writeRunCache(cacheFile: string, key: string, report: Report, gitDigest: string | undefined, stamps: Stamps | undefined): Promise<void> {
  const file = runCacheFile(cacheFile);
  const entry: CachedRun = { key, ...(gitDigest !== undefined ? { gitDigest } : {}), report, ...(stamps ? { stamps } : {}) };
  try {
    await mkdir(resolve(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, file);
  } catch {
    // caching is an optimisation only
  }
}
