import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { DraftFinding } from './findings.js';

export interface CachedFile {
  hash: string;
  /** Findings carry their package, so a file that moved into another workspace package is audited again. */
  packageDir: string;
  drafts: DraftFinding[];
  signals: Record<string, unknown[]>;
  skipped?: string;
}

export interface CachedRepo {
  treeDigest: string;
  /** Digest of the git-tracked paths, when a repository rule asked git which files are tracked. */
  gitDigest?: string;
  drafts: DraftFinding[];
  notApplicable: Record<string, string>;
  /** Results of file rules' prepare steps, and rules whose prepare step crashed. */
  prepared: Record<string, unknown>;
  failedPrepare: string[];
}

export interface CacheData {
  signature: string;
  /** Digest of the prepare results the per-file entries were computed with. */
  preparedDigest: string;
  files: Record<string, CachedFile>;
  repo?: CachedRepo;
}

/** Cache directory: $PRODGRADE_CACHE_DIR, else $XDG_CACHE_HOME/prodgrade, else ~/.cache/prodgrade. */
export function cacheDirectory(): string {
  if (process.env.PRODGRADE_CACHE_DIR) return resolve(process.env.PRODGRADE_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME ? resolve(process.env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'prodgrade');
}

/** The cache file for an audited root, or undefined when the cache would sit inside the audited tree. */
export function cacheFileFor(root: string): string | undefined {
  const dir = cacheDirectory();
  if (dir === root || dir.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  return join(dir, `${createHash('sha256').update(root).digest('hex').slice(0, 24)}.json`);
}

export async function readCache(file: string, signature: string): Promise<CacheData | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as CacheData;
    return data.signature === signature ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically; a cache that cannot be written is not an error (read-only home, full disk). */
export async function writeCache(file: string, data: CacheData): Promise<void> {
  try {
    await mkdir(resolve(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data));
    await rename(tmp, file);
  } catch {
    // caching is an optimisation only
  }
}
