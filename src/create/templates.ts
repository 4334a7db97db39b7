import { join } from 'node:path';
import type { Fs } from '../core/fs.js';
import type { FeatureManifest } from './manifest.js';

/** One file of a feature's `files/` tree, read but not yet rendered. */
export interface TemplateFile {
  feature: string;
  /** The choice folder it lives in, for features with an option. */
  choice?: string;
  /** For messages: `templates/<feature>/files/<relative>`. */
  source: string;
  /** Its path in the generated project. */
  target: string;
  content: Uint8Array;
  /** `.hbs` files are rendered, the rest copied byte for byte. */
  render: boolean;
  executable: boolean;
}

/**
 * Maps a path under `files/` to the generated path: a segment starting with `_` starts with `.` instead
 * (npm drops `.gitignore` and friends from published packages), `__` keeps one literal `_`, and a
 * trailing `.hbs` marks a rendered template.
 */
export function targetPathOf(relative: string): { path: string; render: boolean } {
  const render = relative.endsWith('.hbs');
  const bare = render ? relative.slice(0, -'.hbs'.length) : relative;
  const path = bare
    .split('/')
    .map((segment) => (segment.startsWith('__') ? segment.slice(1) : segment.startsWith('_') ? `.${segment.slice(1)}` : segment))
    .join('/');
  return { path, render };
}

async function exists(fs: Fs, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function walk(fs: Fs, dir: string, prefix: string, out: { relative: string; absolute: string }[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
    const name = String(entry.name);
    const absolute = join(dir, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    if (entry.isDirectory()) await walk(fs, absolute, relative, out);
    else if (entry.isFile()) out.push({ relative, absolute });
    else throw new Error(`templates: ${absolute} is neither a file nor a directory (symlinks are not supported)`);
  }
}

/** Reads every feature's `files/` tree. Layout mistakes are prodgrade bugs and throw plain Errors. */
export async function loadTemplates(fs: Fs, root: string, features: readonly FeatureManifest[]): Promise<TemplateFile[]> {
  const files: TemplateFile[] = [];
  for (const feature of features) {
    const dir = join(root, feature.id, 'files');
    const found: { relative: string; absolute: string }[] = [];
    if (await exists(fs, dir)) await walk(fs, dir, '', found);
    const executable = new Set(feature.executable ?? []);
    for (const { relative, absolute } of found) {
      let choice: string | undefined;
      let inner = relative;
      if (feature.option) {
        const slash = relative.indexOf('/');
        choice = slash === -1 ? undefined : relative.slice(0, slash);
        if (!choice || !feature.option.choices.some((c) => c.value === choice)) {
          throw new Error(`templates/${feature.id}/files/${relative}: files of a feature with an option live under files/<choice>/ (choices: ${feature.option.choices.map((c) => c.value).join(', ')})`);
        }
        inner = relative.slice(slash + 1);
      }
      const { path, render } = targetPathOf(inner);
      files.push({
        feature: feature.id,
        ...(choice ? { choice } : {}),
        source: `templates/${feature.id}/files/${relative}`,
        target: path,
        content: await fs.readFile(absolute),
        render,
        executable: executable.delete(relative),
      });
    }
    if (executable.size) throw new Error(`templates/${feature.id}/feature.ts declares executable files that do not exist: ${[...executable].join(', ')}`);
  }
  return files;
}
