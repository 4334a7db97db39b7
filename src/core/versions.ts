import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === 'prodgrade') return dir;
    } catch {
      // not this directory: keep climbing
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('prodgrade: cannot locate its own package.json');
    dir = parent;
  }
}

/** The installed package's root directory (works from src/ under tsx and from dist/). */
export const packageRoot = findPackageRoot();

export const toolVersion: string = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

export const toolName = 'prodgrade';
export const toolUri = 'https://github.com/prodgrade/prodgrade';
