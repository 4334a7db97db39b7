/**
 * Answers + manifests + template files → the complete list of files to write. Pure: no filesystem, no
 * clock, no environment, so `--dry-run`, the snapshot tests and the combination matrix all use it as is.
 */
import { createHash } from 'node:crypto';
import type { Answers } from './answers.js';
import { optionsOf, type Contribution, type EnvVar, type FeatureManifest, type PackageJsonDelta, type RenderContext } from './manifest.js';
import { renderTemplate } from './render.js';
import type { TemplateFile } from './templates.js';
import { versionContext } from './versions.js';

export interface PlannedFile {
  /** Relative to the target directory, with forward slashes. */
  path: string;
  content: Uint8Array;
  mode: number;
  /** The template or manifest it came from, for messages. */
  source: string;
}

export interface FilePlan {
  answers: Answers;
  /** Sorted by path. */
  files: PlannedFile[];
  /** Next steps contributed by the selected features, rendered. */
  notes: string[];
}

export const fileMode = 0o644;
export const executableMode = 0o755;
export const recordFile = 'prodgrade.json';

/** The shape of `prodgrade.json`; `upgrade` and `audit` read it back. */
export interface ProjectRecord {
  prodgrade: string;
  answers: Record<string, string>;
  /** Generated path → `sha256:<hex>` of its content (prodgrade.json itself excluded). */
  files: Record<string, string>;
}

/** Throws unless `path` is a plain relative path that cannot leave the directory it is joined to. */
export function assertSafePath(path: string, source: string): void {
  const bad =
    path === '' ||
    path.includes('\\') ||
    path.includes('\0') ||
    path.startsWith('/') ||
    /^[a-zA-Z]:/.test(path) ||
    path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) throw new Error(`${source}: planned path ${JSON.stringify(path)} would leave the target directory`);
}

export function contentHash(content: Uint8Array): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Active {
  source: string;
  contribution: Contribution;
}

/** The feature-level and selected-choice contributions, in feature order. */
function activeContributions(features: readonly FeatureManifest[], options: Readonly<Record<string, string>>): Active[] {
  const active: Active[] = [];
  for (const feature of features) {
    const source = `templates/${feature.id}/feature.ts`;
    active.push({ source, contribution: feature });
    if (feature.option) {
      const value = options[feature.option.id];
      const choice = feature.option.choices.find((c) => c.value === value);
      if (!choice) throw new Error(`plan: no valid answer for ${feature.option.id} (${String(value)})`);
      active.push({ source: `${source} (${feature.option.id}=${choice.value})`, contribution: choice });
    }
  }
  return active;
}

function buildContext(features: readonly FeatureManifest[], answers: Answers, version: string, active: Active[]): RenderContext {
  const env: EnvVar[] = [];
  for (const { source, contribution } of active) {
    for (const variable of contribution.env ?? []) {
      if (env.some((e) => e.name === variable.name)) throw new Error(`${source}: environment variable ${variable.name} is declared twice`);
      env.push(variable);
    }
  }
  const context: RenderContext = {
    name: answers.name,
    prodgradeVersion: version,
    answers: answers.options,
    ...versionContext(),
    summary: active.flatMap(({ contribution }) => (contribution.summary ? [contribution.summary] : [])),
    env,
  };
  for (const option of optionsOf(features)) {
    const choice = option.choices.find((c) => c.value === answers.options[option.id])!;
    context[option.id] = { ...choice.data, value: choice.value, label: choice.label };
  }
  return context;
}

const fieldOrder = ['name', 'version', 'private', 'description', 'type', 'packageManager', 'engines'];

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function packageJson(name: string, deltas: { source: string; delta: PackageJsonDelta }[]): string {
  const fields: Record<string, unknown> = { name };
  const owner: Record<string, string> = { name: 'answers' };
  const maps = { scripts: {} as Record<string, string>, dependencies: {} as Record<string, string>, devDependencies: {} as Record<string, string> };
  for (const { source, delta } of deltas) {
    for (const [key, value] of Object.entries(delta.fields ?? {})) {
      if (key in maps) throw new Error(`${source}: package.json "${key}" belongs in the ${key} map of the delta, not in fields`);
      if (key in fields) throw new Error(`${source}: package.json field "${key}" is also set by ${owner[key]}`);
      fields[key] = value;
      owner[key] = source;
    }
    for (const map of ['scripts', 'dependencies', 'devDependencies'] as const) {
      for (const [key, value] of Object.entries(delta[map] ?? {})) {
        const existing = maps[map][key];
        if (existing !== undefined && existing !== value) throw new Error(`${source}: package.json ${map}.${key} conflicts with another feature (${existing} vs ${value})`);
        maps[map][key] = value;
      }
    }
  }
  const ordered: Record<string, unknown> = {};
  for (const key of fieldOrder) if (key in fields) ordered[key] = fields[key];
  for (const key of Object.keys(fields).sort()) if (!(key in ordered)) ordered[key] = fields[key];
  if (Object.keys(maps.scripts).length) ordered.scripts = maps.scripts;
  if (Object.keys(maps.dependencies).length) ordered.dependencies = sortedRecord(maps.dependencies);
  if (Object.keys(maps.devDependencies).length) ordered.devDependencies = sortedRecord(maps.devDependencies);
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function envExample(env: readonly EnvVar[]): string {
  const blocks = env.map((v) => `# ${v.description}\n${v.name}=${v.example}`);
  return `# Every variable the application reads. Copy to .env for local development; .env is never committed.\n\n${blocks.join('\n\n')}\n`;
}

export interface PlanInput {
  answers: Answers;
  features: readonly FeatureManifest[];
  templates: readonly TemplateFile[];
  prodgradeVersion: string;
}

export function planProject({ answers, features, templates, prodgradeVersion }: PlanInput): FilePlan {
  const active = activeContributions(features, answers.options);
  const context = buildContext(features, answers, prodgradeVersion, active);
  const files = new Map<string, PlannedFile>();
  const add = (file: PlannedFile): void => {
    assertSafePath(file.path, file.source);
    const clash = files.get(file.path);
    if (clash) throw new Error(`${file.source}: ${file.path} is also generated by ${clash.source}`);
    files.set(file.path, file);
  };

  for (const template of templates) {
    const feature = features.find((f) => f.id === template.feature);
    if (!feature) continue;
    if (feature.option && answers.options[feature.option.id] !== template.choice) continue;
    const content = template.render ? encoder.encode(renderTemplate(template.source, decoder.decode(template.content), context)) : template.content;
    add({ path: template.target, content, mode: template.executable ? executableMode : fileMode, source: template.source });
  }

  const deltas = active.flatMap(({ source, contribution }) => {
    const delta = typeof contribution.packageJson === 'function' ? contribution.packageJson(context) : contribution.packageJson;
    return delta ? [{ source, delta }] : [];
  });
  add({ path: 'package.json', content: encoder.encode(packageJson(answers.name, deltas)), mode: fileMode, source: 'feature manifests (packageJson)' });
  add({ path: '.env.example', content: encoder.encode(envExample(context.env)), mode: fileMode, source: 'feature manifests (env)' });

  const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const record: ProjectRecord = {
    prodgrade: prodgradeVersion,
    answers: { name: answers.name, ...Object.fromEntries(optionsOf(features).map((o) => [o.id, answers.options[o.id]!])) },
    files: Object.fromEntries(sorted.map((f) => [f.path, contentHash(f.content)])),
  };
  add({ path: recordFile, content: encoder.encode(`${JSON.stringify(record, null, 2)}\n`), mode: fileMode, source: 'prodgrade (record)' });

  const notes = active.flatMap(({ source, contribution }) => (contribution.notes ?? []).map((note, i) => renderTemplate(`${source} notes[${i}]`, note, context)));
  return {
    answers,
    files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    notes,
  };
}
