import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFsFromVolume, Volume } from 'memfs';
import type { Fs } from '../../src/core/fs.js';
import { features, templatesRoot } from '../../src/create/features.js';
import { planProject, type FilePlan } from '../../src/create/plan.js';
import { loadTemplates, type TemplateFile } from '../../src/create/templates.js';
import type { OptionAnswers } from '../../src/create/combinations.js';

export const testVersion = '0.0.0-test';
export const memTemplatesRoot = '/prodgrade/templates';

export function memfs(files: Record<string, string | Uint8Array> = {}): { vol: InstanceType<typeof Volume>; fs: Fs } {
  const vol = new Volume();
  for (const [path, content] of Object.entries(files)) {
    vol.mkdirSync(join(path, '..'), { recursive: true });
    vol.writeFileSync(path, content);
  }
  return { vol, fs: createFsFromVolume(vol).promises as unknown as Fs };
}

/** A memfs volume holding a copy of the real templates/ tree at {@link memTemplatesRoot}. */
export function memfsWithTemplates(): { vol: InstanceType<typeof Volume>; fs: Fs } {
  const files: Record<string, Uint8Array> = {};
  const copy = (dir: string, to: string): void => {
    for (const name of readdirSync(dir)) {
      const from = join(dir, name);
      if (statSync(from).isDirectory()) copy(from, `${to}/${name}`);
      else files[`${to}/${name}`] = readFileSync(from);
    }
  };
  copy(templatesRoot, memTemplatesRoot);
  return memfs(files);
}

let cached: TemplateFile[] | undefined;
export async function templates(): Promise<TemplateFile[]> {
  cached ??= await loadTemplates(memfsWithTemplates().fs, memTemplatesRoot, features);
  return cached;
}

export async function planFor(options: OptionAnswers, name = 'acme-api'): Promise<FilePlan> {
  return planProject({ answers: { name, options }, features, templates: await templates(), prodgradeVersion: testVersion });
}

export function text(plan: FilePlan, path: string): string {
  const file = plan.files.find((f) => f.path === path);
  if (!file) throw new Error(`${path} is not in the plan`);
  return new TextDecoder().decode(file.content);
}

/** The volume as path → content (strings) for before/after comparisons. */
export function snapshotOf(vol: InstanceType<typeof Volume>): Record<string, string | null> {
  return vol.toJSON() as Record<string, string | null>;
}
