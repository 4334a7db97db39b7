import { KnownError, errorMessage } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { resolveOptions } from '../core/options.js';
import { severities, type Severity } from '../core/types.js';
import { sections, type SectionId } from '../core/checklist.js';
import type { AnyRule } from '../core/define-rule.js';
import { decodeText } from './text.js';

export type RuleSetting = 'off' | 'on' | Severity | { severity?: Severity | 'off'; options?: Record<string, unknown> };

/** The configuration file's shape (`prodgrade.config.json|yaml|yml` or the `prodgrade` key of package.json). */
export interface UserConfig {
  include?: string[];
  exclude?: string[];
  rules?: Record<string, RuleSetting>;
  failOn?: Severity | 'none';
  /** Minimum score (0–100) per checklist section; a section below its gate fails the run. */
  gates?: Partial<Record<SectionId, number>>;
  /** Files larger than this many KiB are skipped. */
  maxFileSizeKb?: number;
}

export interface ResolvedRule {
  rule: AnyRule;
  severity: Severity;
  options: unknown;
}

export interface ResolvedConfig {
  /** Where it came from, or undefined for the defaults. */
  source: string | undefined;
  include: string[];
  exclude: string[];
  failOn: Severity | 'none';
  gates: Partial<Record<SectionId, number>>;
  maxFileBytes: number;
  rules: ResolvedRule[];
  disabledRules: string[];
}

export const configFileNames = ['prodgrade.config.json', 'prodgrade.config.yaml', 'prodgrade.config.yml'] as const;

const topLevelKeys = ['$schema', 'include', 'exclude', 'rules', 'failOn', 'gates', 'maxFileSizeKb'] as const;

function fail(source: string, key: string, problem: string): never {
  throw new KnownError(`Invalid configuration in ${source}: "${key}" ${problem}`, 'Run `prodgrade audit --print-config` to see the resolved configuration; docs/configuration.md lists every key.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(source: string, key: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(source, key, 'must be an array of strings');
  return value as string[];
}

function severityValue(source: string, key: string, value: unknown, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) fail(source, key, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return value;
}

/** The settings that do not depend on the rules: enough to read the tree before any rule is loaded. */
export type BasicConfig = Omit<ResolvedConfig, 'rules' | 'disabledRules'>;

/** Validates everything but `rules` strictly (see {@link resolveConfig}); needs no rule registry. */
export function resolveBasics(raw: unknown, source: string | undefined): BasicConfig {
  const where = source ?? 'the defaults';
  const config = raw ?? {};
  if (!isRecord(config)) fail(where, '(root)', 'must be an object');
  for (const key of Object.keys(config)) {
    if (!(topLevelKeys as readonly string[]).includes(key)) fail(where, key, `is not a known key (known: ${topLevelKeys.filter((k) => k !== '$schema').join(', ')})`);
  }
  const failOn = config.failOn === undefined ? 'high' : (severityValue(where, 'failOn', config.failOn, [...severities, 'none']) as Severity | 'none');
  const gates: Partial<Record<SectionId, number>> = {};
  if (config.gates !== undefined) {
    if (!isRecord(config.gates)) fail(where, 'gates', 'must be an object of section → minimum score');
    for (const [section, value] of Object.entries(config.gates)) {
      if (!(section in sections)) fail(where, `gates.${section}`, `is not a checklist section (known: ${Object.keys(sections).join(', ')})`);
      if (typeof value !== 'number' || value < 0 || value > 100) fail(where, `gates.${section}`, 'must be a number from 0 to 100');
      gates[section as SectionId] = value;
    }
  }
  let maxFileBytes = 1024 * 1024;
  if (config.maxFileSizeKb !== undefined) {
    if (typeof config.maxFileSizeKb !== 'number' || config.maxFileSizeKb <= 0) fail(where, 'maxFileSizeKb', 'must be a positive number');
    maxFileBytes = config.maxFileSizeKb * 1024;
  }
  if (config.rules !== undefined && !isRecord(config.rules)) fail(where, 'rules', 'must be an object of rule id → setting');
  return {
    source,
    include: stringList(where, 'include', config.include),
    exclude: stringList(where, 'exclude', config.exclude),
    failOn,
    gates,
    maxFileBytes,
  };
}

/** Validates a raw configuration strictly: unknown keys and bad values are errors naming the key. */
export function resolveConfig(raw: unknown, source: string | undefined, registry: readonly AnyRule[]): ResolvedConfig {
  const where = source ?? 'the defaults';
  const basics = resolveBasics(raw, source);
  const config = (raw ?? {}) as Record<string, unknown>;
  const settings = config.rules ?? {};
  if (!isRecord(settings)) fail(where, 'rules', 'must be an object of rule id → setting');
  const byId = new Map(registry.map((r) => [r.meta.id, r]));
  for (const id of Object.keys(settings)) {
    if (!byId.has(id)) fail(where, `rules.${id}`, 'is not a known rule (run `prodgrade rules` for the list)');
  }
  const rules: ResolvedRule[] = [];
  const disabledRules: string[] = [];
  for (const rule of registry) {
    const id = rule.meta.id;
    const setting = settings[id];
    let severity: Severity | 'off' = rule.meta.severity;
    let rawOptions: unknown;
    if (setting === undefined || setting === 'on') {
      // defaults
    } else if (typeof setting === 'string') {
      severity = severityValue(where, `rules.${id}`, setting, ['off', 'on', ...severities]) as Severity | 'off';
    } else if (isRecord(setting)) {
      for (const key of Object.keys(setting)) {
        if (key !== 'severity' && key !== 'options') fail(where, `rules.${id}.${key}`, 'is not a known key (known: severity, options)');
      }
      if (setting.severity !== undefined) severity = severityValue(where, `rules.${id}.severity`, setting.severity, ['off', ...severities]) as Severity | 'off';
      rawOptions = setting.options;
    } else {
      fail(where, `rules.${id}`, 'must be "off", "on", a severity, or { severity, options }');
    }
    if (severity === 'off') {
      disabledRules.push(id);
      continue;
    }
    let options: unknown;
    try {
      options = resolveOptions(rule.meta.options ?? {}, rawOptions);
    } catch (error) {
      fail(where, `rules.${id}.options`, errorMessage(error).replace(/^option /, '→ '));
    }
    rules.push({ rule, severity, options });
  }
  return { ...basics, rules, disabledRules };
}

async function readIfExists(fs: Fs, path: string): Promise<string | undefined> {
  try {
    return decodeText(await fs.readFile(path));
  } catch {
    return undefined;
  }
}

/** Files found in the audited tree are read only when they are regular files: a FIFO would block, a link could lead anywhere. */
async function readTreeFile(fs: Fs, path: string): Promise<string | undefined> {
  try {
    if (!(await fs.lstat(path)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return readIfExists(fs, path);
}

/**
 * Finds and parses the configuration: an explicit `--config` path, else the first of prodgrade.config.{json,yaml,yml}
 * at the root, else the `prodgrade` key of the root package.json.
 */
export async function loadRawConfig(fs: Fs, root: string, explicit: string | undefined): Promise<{ raw: unknown; source: string | undefined }> {
  const parseFile = async (path: string, text: string): Promise<unknown> => {
    // The YAML library is loaded only for a YAML file: a cached run of a JSON-configured tree does not need it.
    const parseYaml = path.endsWith('.json') ? undefined : (await import('yaml')).parse;
    try {
      return parseYaml ? parseYaml(text) : JSON.parse(text);
    } catch (error) {
      throw new KnownError(`Cannot parse ${path}: ${errorMessage(error).split('\n')[0]}`, 'Fix the syntax or remove the file.');
    }
  };
  if (explicit) {
    const text = await readIfExists(fs, explicit);
    if (text === undefined) throw new KnownError(`Config file not found: ${explicit}`, 'Check the --config path.');
    return { raw: await parseFile(explicit, text), source: explicit };
  }
  for (const name of configFileNames) {
    const text = await readTreeFile(fs, `${root}/${name}`);
    if (text !== undefined) return { raw: await parseFile(name, text), source: name };
  }
  const manifest = await readTreeFile(fs, `${root}/package.json`);
  if (manifest !== undefined) {
    try {
      const parsed = JSON.parse(manifest.replace(/^\uFEFF/, '')) as Record<string, unknown>;
      if (parsed && typeof parsed === 'object' && 'prodgrade' in parsed) return { raw: parsed.prodgrade, source: 'package.json#prodgrade' };
    } catch {
      // a malformed package.json is a finding for other rules, not a configuration error
    }
  }
  return { raw: undefined, source: undefined };
}
