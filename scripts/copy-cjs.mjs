/**
 * Copies the hand-written CommonJS modules (`*.cjs` under src/ and rules/, typed by a `.d.cts` beside them) into the
 * build output, which tsc does not do: `node scripts/copy-cjs.mjs [outDir]` (default dist).
 */
import { cpSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? join(root, 'dist'));

function copyFrom(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'node_modules') copyFrom(path);
    } else if (entry.name.endsWith('.cjs')) cpSync(path, join(outDir, relative(root, path)));
  }
}

for (const top of ['src', 'rules']) copyFrom(join(root, top));
