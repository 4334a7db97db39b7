import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../core/versions.js';

let cached: string | undefined;

/**
 * Identifies the installed rule code, so a cache written by one build is never read by another: the newest
 * modification time under the package's `dist/` (or `src/` and `rules/` when run from source).
 */
export function buildId(): string {
  if (cached !== undefined) return cached;
  let newest = 0;
  const visit = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'fixtures' || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.[cm]?[jt]s$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  // Only the code that runs: edits to src/ do not change what a built bin does, and a stale dist/ does not matter to tsx.
  const runningBuilt = fileURLToPath(import.meta.url).startsWith(join(packageRoot, 'dist') + sep);
  for (const dir of runningBuilt ? ['dist'] : ['src', 'rules']) visit(join(packageRoot, dir));
  cached = String(newest);
  return cached;
}
