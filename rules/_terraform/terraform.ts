import type { RepoModel } from '../../src/audit/model.js';
import type { HclAttribute, HclBlock } from '../../src/audit/parsers/hcl.js';

/**
 * Shared Terraform model for the infrastructure-as-code rules: every resource of every `.tf` file with its module
 * directory, and a small evaluator that resolves literals, `var.x` (tfvars, module callers, then the default) and
 * `local.x`. Anything it cannot evaluate is `unknown`, and rules never flag what is unknown.
 */

export type Literal = string | number | boolean | null;

export type TfValue =
  /** Not written: the provider's default applies. `block` is the innermost enclosing block that does exist. */
  | { kind: 'absent'; block?: HclBlock }
  /** Written, but not evaluable statically (a conditional, a function call, a variable without a default...). */
  | { kind: 'unknown'; attribute?: HclAttribute }
  /** Evaluated. `via` names the variable or local the value came from, when it did not come from a literal. */
  | { kind: 'known'; value: Literal; attribute: HclAttribute; via?: string; fromDefault?: boolean };

export interface TfResource {
  type: string;
  name: string;
  /** `aws_s3_bucket.logs` */
  address: string;
  path: string;
  /** The module directory (the file's folder, "." for the root). */
  dir: string;
  block: HclBlock;
}

interface Located<T> {
  path: string;
  item: T;
}

export interface TfModule {
  dir: string;
  files: string[];
  resources: TfResource[];
  variables: Map<string, Located<HclBlock>>;
  locals: Map<string, Located<HclAttribute>>;
  /** `module` blocks declared in this directory. */
  moduleCalls: Array<Located<HclBlock>>;
  /** `terraform { }` blocks. */
  settings: Array<Located<HclBlock>>;
  providers: Array<Located<HclBlock>>;
}

/**
 * Folders that hold demonstrations and test inputs rather than deployed infrastructure: module repositories ship
 * `examples/` with deliberately throw-away settings (`skip_final_snapshot = true`...).
 */
const nonProduction = /(?:^|\/)(?:examples?|samples?|tests?|testdata|test-?fixtures|fixtures|__tests__|testing)(?:\/|$)/;

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins and normalises a relative module source against the caller's folder; undefined when it leaves the root. */
function resolveDir(base: string, relative: string): string | undefined {
  const parts = base === '.' ? [] : base.split('/');
  for (const seg of relative.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

const isOverride = (path: string): boolean => /(?:^|_)override\.tf$/.test(fileName(path));

/** Merges an override file's block into the base block as Terraform does: attributes replace, nested blocks replace by type. */
function mergeOverride(base: HclBlock, override: HclBlock): HclBlock {
  const types = new Set(override.blocks.map((b) => b.type));
  return {
    ...base,
    attributes: { ...base.attributes, ...override.attributes },
    blocks: [...base.blocks.filter((b) => !types.has(b.type)), ...override.blocks],
  };
}

export function isTruthy(value: Literal): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

export function asNumber(value: Literal): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** `var.name`, `"${var.name}"`, `local.name` as a whole expression; undefined for anything else. */
function reference(text: string): { kind: 'var' | 'local'; name: string } | undefined {
  const m = /^(?:"\$\{\s*)?(var|local)\.([A-Za-z_][\w-]*)(?:\s*\}")?$/.exec(text.trim());
  if (!m) return undefined;
  return { kind: m[1] as 'var' | 'local', name: m[2]! };
}

/** Nested blocks of `owner` along a dotted path. `dynamic` is set when a `dynamic "<name>"` block could add more. */
export function blocksAt(owner: HclBlock, path: string): { blocks: HclBlock[]; dynamic: boolean; asAttribute: boolean } {
  let blocks = [owner];
  let dynamic = false;
  let asAttribute = false;
  for (const seg of path.split('.').filter(Boolean)) {
    if (blocks.some((b) => b.blocks.some((c) => c.type === 'dynamic' && c.labels[0] === seg))) dynamic = true;
    if (blocks.some((b) => seg in b.attributes)) asAttribute = true;
    blocks = blocks.flatMap((b) => b.blocks.filter((c) => c.type === seg));
  }
  return { blocks, dynamic, asAttribute };
}

export class TerraformProject {
  readonly modules = new Map<string, TfModule>();
  /** Resources outside example/test folders, minus those switched off with a literal `count = 0`. */
  readonly resources: TfResource[] = [];
  /** Files skipped because they do not parse. */
  readonly unparsable: string[] = [];
  /** Every parsed `.tf` file, examples included (for rules that look at backends or mere presence). */
  readonly files: string[] = [];
  private readonly tfvars = new Map<string, Array<{ path: string; dir: string; attribute: HclAttribute }>>();
  private readonly tfvarsJsonNames = new Set<string>();
  private readonly terragruntInputs: string[] = [];
  /** Module directory → the `module` blocks (anywhere in the repository) whose local source points at it. */
  private readonly callers = new Map<string, Array<{ dir: string; block: HclBlock }>>();

  private constructor(readonly model: RepoModel) {}

  private static cache = new WeakMap<RepoModel, Promise<TerraformProject>>();

  /** Loads (once per audit) every Terraform file of the repository. */
  static load(model: RepoModel): Promise<TerraformProject> {
    let cached = TerraformProject.cache.get(model);
    if (!cached) {
      cached = new TerraformProject(model).build();
      TerraformProject.cache.set(model, cached);
    }
    return cached;
  }

  private moduleFor(dir: string): TfModule {
    let mod = this.modules.get(dir);
    if (!mod) {
      mod = { dir, files: [], resources: [], variables: new Map(), locals: new Map(), moduleCalls: [], settings: [], providers: [] };
      this.modules.set(dir, mod);
    }
    return mod;
  }

  private async build(): Promise<TerraformProject> {
    const model = this.model;
    const tfFiles = model.find((f) => f.path.endsWith('.tf') || f.path.endsWith('.tofu'));
    // Override files merge into the resources of their folder, so they are applied after every base file.
    const ordered = [...tfFiles.filter((f) => !isOverride(f.path)), ...tfFiles.filter((f) => isOverride(f.path))];
    const byAddress = new Map<string, TfResource>();
    for (const file of ordered) {
      const parsed = await model.hcl(file.path);
      if (!parsed) continue;
      if (parsed.hasErrors) {
        this.unparsable.push(file.path);
        continue;
      }
      this.files.push(file.path);
      const dir = dirOf(file.path);
      const mod = this.moduleFor(dir);
      mod.files.push(file.path);
      const override = isOverride(file.path);
      for (const block of parsed.blocks) {
        switch (block.type) {
          case 'resource': {
            const [type, name] = block.labels;
            if (!type || !name) break;
            const address = `${dir}:${type}.${name}`;
            const existing = byAddress.get(address);
            if (override && existing) {
              existing.block = mergeOverride(existing.block, block);
              break;
            }
            const resource: TfResource = { type, name, address: `${type}.${name}`, path: file.path, dir, block };
            byAddress.set(address, resource);
            mod.resources.push(resource);
            break;
          }
          case 'variable': {
            const name = block.labels[0];
            if (!name) break;
            const existing = mod.variables.get(name);
            mod.variables.set(name, override && existing ? { path: existing.path, item: mergeOverride(existing.item, block) } : { path: file.path, item: block });
            break;
          }
          case 'locals':
            for (const attribute of Object.values(block.attributes)) mod.locals.set(attribute.name, { path: file.path, item: attribute });
            break;
          case 'module':
            mod.moduleCalls.push({ path: file.path, item: block });
            break;
          case 'terraform':
            mod.settings.push({ path: file.path, item: block });
            break;
          case 'provider':
            mod.providers.push({ path: file.path, item: block });
            break;
          default:
            break;
        }
      }
    }

    for (const mod of this.modules.values()) {
      // Example and test configurations call modules with throw-away values; they do not say how production does.
      if (nonProduction.test(`${mod.dir}/`)) continue;
      for (const call of mod.moduleCalls) {
        const source = call.item.attributes.source?.literal;
        if (typeof source !== 'string' || !/^\.\.?\//.test(source)) continue;
        const target = resolveDir(mod.dir, source.replace(/\/+$/, ''));
        if (target === undefined) continue;
        const list = this.callers.get(target) ?? [];
        list.push({ dir: mod.dir, block: call.item });
        this.callers.set(target, list);
      }
    }
    // Variable files of examples and tests feed only those throw-away configurations.
    for (const file of model.find((f) => f.path.endsWith('.tfvars') && !nonProduction.test(f.path))) {
      const parsed = await model.hcl(file.path);
      if (!parsed) continue;
      for (const attribute of Object.values(parsed.attributes)) {
        const list = this.tfvars.get(attribute.name) ?? [];
        list.push({ path: file.path, dir: dirOf(file.path), attribute });
        this.tfvars.set(attribute.name, list);
      }
    }
    for (const file of model.find((f) => f.path.endsWith('.tfvars.json') && !nonProduction.test(f.path))) {
      const json = model.json<Record<string, unknown>>(file.path);
      if (json && typeof json === 'object') for (const key of Object.keys(json)) this.tfvarsJsonNames.add(key);
    }
    for (const file of model.find((f) => fileName(f.path) === 'terragrunt.hcl' || f.path.endsWith('.terragrunt.hcl'))) {
      const parsed = await model.hcl(file.path);
      if (parsed?.attributes.inputs) this.terragruntInputs.push(parsed.attributes.inputs.text);
    }

    // Last: `count = var.x` may be decided by the tfvars files and callers read above.
    for (const mod of this.modules.values()) {
      for (const resource of mod.resources) {
        if (nonProduction.test(resource.path)) continue;
        if (this.switchedOff(resource)) continue;
        this.resources.push(resource);
      }
    }
    return this;
  }

  private switchedOff(resource: TfResource): boolean {
    const count = resource.block.attributes.count;
    if (count) {
      const v = this.resolve(resource.dir, count);
      if (v.kind === 'known' && asNumber(v.value) === 0) return true;
    }
    const forEach = resource.block.attributes.for_each;
    if (forEach && /^(?:\{\s*\}|\[\s*\]|toset\(\s*\[\s*\]\s*\))$/.test(forEach.text.trim())) return true;
    return false;
  }

  ofType(...types: string[]): TfResource[] {
    return this.resources.filter((r) => types.includes(r.type));
  }

  /** Resources of a type in one module directory, including those in example folders (for cross-references). */
  inModule(dir: string, ...types: string[]): TfResource[] {
    return (this.modules.get(dir)?.resources ?? []).filter((r) => types.includes(r.type));
  }

  /** The effective value of a (possibly nested, dotted) attribute of a resource. */
  value(resource: TfResource, path: string): TfValue {
    return this.valueIn(resource.dir, resource.block, path);
  }

  /** Like `value`, for any block (a nested block of a resource) evaluated in a module directory. */
  valueIn(dir: string, owner: HclBlock, path: string): TfValue {
    const segments = path.split('.');
    const name = segments.pop()!;
    const { blocks, dynamic, asAttribute } = blocksAt(owner, segments.join('.'));
    const holder = blocks.find((b) => name in b.attributes);
    if (holder) return this.resolve(dir, holder.attributes[name]!);
    if (dynamic || asAttribute) return { kind: 'unknown' };
    // A dynamic block of the attribute's own block could hold it too.
    if (blocks.some((b) => b.blocks.some((c) => c.type === 'dynamic' && c.labels[0] === name))) return { kind: 'unknown' };
    let innermost = owner;
    for (let i = segments.length; i > 0; i--) {
      const found = blocksAt(owner, segments.slice(0, i).join('.')).blocks[0];
      if (found) {
        innermost = found;
        break;
      }
    }
    return innermost === owner ? { kind: 'absent' } : { kind: 'absent', block: innermost };
  }

  /** Evaluates an attribute's expression in a module directory. */
  resolve(dir: string, attribute: HclAttribute, depth = 0): TfValue {
    if (attribute.literal !== undefined) {
      return attribute.literal === null ? { kind: 'absent' } : { kind: 'known', value: attribute.literal, attribute };
    }
    const ref = reference(attribute.text);
    if (!ref || depth > 6) return { kind: 'unknown', attribute };
    const mod = this.modules.get(dir);
    if (ref.kind === 'local') {
      const local = mod?.locals.get(ref.name);
      if (!local) return { kind: 'unknown', attribute };
      const inner = this.resolve(dir, local.item, depth + 1);
      return inner.kind === 'known' ? { ...inner, attribute, via: inner.via ?? `local.${ref.name}` } : inner.kind === 'absent' ? inner : { kind: 'unknown', attribute };
    }
    const inner = this.variable(dir, ref.name, depth);
    if (inner.kind === 'known') return { ...inner, attribute, via: inner.via ?? `var.${ref.name}` };
    return inner.kind === 'absent' ? inner : { kind: 'unknown', attribute };
  }

  /** What `var.<name>` evaluates to in a module directory, when every way of setting it agrees. */
  private variable(dir: string, name: string, depth: number): TfValue {
    const declared = this.modules.get(dir)?.variables.get(name);
    if (!declared) return { kind: 'unknown' };
    if (this.terragruntInputs.some((text) => new RegExp(`(?:^|[\\s{,])"?${name}"?\\s*[=:]`).test(text))) return { kind: 'unknown' };
    if (this.tfvarsJsonNames.has(name)) return { kind: 'unknown' };
    const assignments = this.tfvars.get(name) ?? [];
    if (assignments.length > 0) {
      // Only terraform.tfvars / *.auto.tfvars of the module's own folder load without -var-file; any other file
      // may be passed on the command line, so the value depends on how Terraform is run.
      const auto = assignments.filter((a) => a.dir === dir && /^(?:terraform\.tfvars|.+\.auto\.tfvars)$/.test(fileName(a.path)));
      if (auto.length === 1 && assignments.length === 1) return this.resolve(dir, auto[0]!.attribute, depth + 1);
      return { kind: 'unknown' };
    }
    const defaultAttribute = declared.item.attributes.default;
    const resolvedDefault: TfValue = defaultAttribute ? this.resolve(dir, defaultAttribute, depth + 1) : { kind: 'unknown' };
    const fallback: TfValue = resolvedDefault.kind === 'known' ? { ...resolvedDefault, fromDefault: true } : resolvedDefault;
    const callers = this.callers.get(dir) ?? [];
    if (callers.length === 0) return fallback;
    const values = callers.map((c) => (c.block.attributes[name] ? this.resolve(c.dir, c.block.attributes[name]!, depth + 1) : fallback));
    const first = values[0]!;
    if (first.kind === 'unknown') return first;
    for (const v of values.slice(1)) {
      if (v.kind !== first.kind) return { kind: 'unknown' };
      if (v.kind === 'known' && first.kind === 'known' && v.value !== first.value) return { kind: 'unknown' };
    }
    return first;
  }

  /** Names of resources of `type` that an attribute's expression (or the whole block) refers to: `aws_s3_bucket.x`. */
  static referencesTo(text: string, type: string): string[] {
    const out: string[] = [];
    const re = new RegExp(`(?<![\\w.])${type}\\.([A-Za-z_][\\w-]*)`, 'g');
    for (const m of text.matchAll(re)) out.push(m[1]!);
    return out;
  }

  /** Source text of a block (for reference scans). */
  textOf(path: string, block: HclBlock): string {
    return this.model.text(path)?.slice(block.start, block.end) ?? '';
  }

  /** The `module` blocks whose local source points at a directory. */
  callersOf(dir: string): ReadonlyArray<{ dir: string; block: HclBlock }> {
    return this.callers.get(dir) ?? [];
  }

  /** The directory a `module` block's local source points at. */
  moduleTarget(dir: string, call: HclBlock): string | undefined {
    const source = call.attributes.source?.literal;
    if (typeof source !== 'string' || !/^\.\.?\//.test(source)) return undefined;
    return resolveDir(dir, source.replace(/\/+$/, ''));
  }

  static isNonProduction(path: string): boolean {
    return nonProduction.test(path);
  }
}

/** Where a finding about a resource points: the attribute when one was written, else the block's first line. */
export function locate(project: TerraformProject, resource: TfResource, value?: TfValue): { path: string; range: { start: number; end: number } } {
  const attribute = value && value.kind !== 'absent' ? value.attribute : undefined;
  if (attribute) return { path: resource.path, range: { start: attribute.start, end: attribute.end } };
  const block = value?.kind === 'absent' && value.block ? value.block : resource.block;
  return { path: resource.path, range: headerRange(project, resource.path, block) };
}

/** The first line of a block: `resource "aws_db_instance" "main" {`. */
export function headerRange(project: TerraformProject, path: string, block: HclBlock): { start: number; end: number } {
  const text = project.model.text(path) ?? '';
  const newline = text.indexOf('\n', block.start);
  const end = newline === -1 || newline > block.end ? block.end : newline;
  return { start: block.start, end: text[end - 1] === '\r' ? end - 1 : end };
}

/** " (from var.x)" when a value came through a variable or local, for messages. */
export function via(value: TfValue): string {
  return value.kind === 'known' && value.via ? ` (from \`${value.via}\`)` : '';
}

/** Confidence of a finding: lower when the value is a variable's default that a caller outside the repository may override. */
export function confidenceOf(value: TfValue): 'high' | 'medium' {
  return value.kind === 'known' && value.fromDefault ? 'medium' : 'high';
}

/**
 * Which targets (e.g. `aws_s3_bucket`) a family of companion resources (e.g. `aws_s3_bucket_public_access_block`)
 * is attached to through their `bucket`-like attribute. A companion whose target cannot be told (a variable, a data
 * source) covers every target it might mean, so nothing it could be attached to is reported as missing it.
 */
export interface Attachments {
  /** Companions by target resource (`dir:address`). */
  byTarget: Map<string, TfResource[]>;
  /** Module directories in which every target may be covered by an unresolved companion. */
  coveredDirs: Set<string>;
  /** A companion somewhere could be attached to anything. */
  coversAll: boolean;
}

export const targetKey = (r: TfResource): string => `${r.dir}:${r.address}`;

export function attachments(project: TerraformProject, targetType: string, companions: readonly TfResource[], linkAttribute = 'bucket'): Attachments {
  const result: Attachments = { byTarget: new Map(), coveredDirs: new Set(), coversAll: false };
  const attach = (target: TfResource, companion: TfResource): void => {
    const list = result.byTarget.get(targetKey(target)) ?? [];
    list.push(companion);
    result.byTarget.set(targetKey(target), list);
  };
  for (const c of companions) {
    const link = c.block.attributes[linkAttribute];
    if (!link) continue;
    const targets = project.inModule(c.dir, targetType);
    // `bucket = local.bucket_id` with `bucket_id = aws_s3_bucket.this.id` in `locals`
    const localRef = /^local\.([A-Za-z_][\w-]*)$/.exec(link.text.trim());
    const linkText = (localRef && project.modules.get(c.dir)?.locals.get(localRef[1]!)?.item.text) ?? link.text;
    let names = TerraformProject.referencesTo(linkText, targetType);
    // `bucket = each.value` with `for_each = { a = aws_s3_bucket.a.id, ... }`
    if (names.length === 0 && /\beach\./.test(link.text) && c.block.attributes.for_each) names = TerraformProject.referencesTo(c.block.attributes.for_each.text, targetType);
    if (names.length > 0) {
      for (const t of targets) if (names.includes(t.name)) attach(t, c);
      continue;
    }
    // Same expression on both sides (`bucket = local.name`), or the same literal bucket name.
    const value = project.resolve(c.dir, link);
    const sameText = targets.filter((t) => t.block.attributes[linkAttribute]?.text === link.text);
    if (sameText.length > 0) {
      for (const t of sameText) attach(t, c);
      continue;
    }
    if (value.kind === 'known' && typeof value.value === 'string') {
      // A literal name: the bucket that has it, or else any bucket whose name cannot be evaluated.
      const nameOf = (t: TfResource): TfValue => {
        const own = t.block.attributes[linkAttribute];
        return own ? project.resolve(t.dir, own) : { kind: 'absent' };
      };
      const all = project.resources.filter((t) => t.type === targetType);
      const named = all.filter((t) => {
        const v = nameOf(t);
        return v.kind === 'known' && v.value === value.value;
      });
      for (const t of named.length > 0 ? named : all.filter((t) => nameOf(t).kind !== 'known')) attach(t, c);
      continue;
    }
    const moduleRef = /(?<![\w.])module\.([A-Za-z_][\w-]*)/.exec(link.text);
    if (moduleRef) {
      const call = project.modules.get(c.dir)?.moduleCalls.find((m) => m.item.labels[0] === moduleRef[1]);
      const target = call ? project.moduleTarget(c.dir, call.item) : undefined;
      if (target !== undefined) {
        for (const dir of project.modules.keys()) if (dir === target || dir.startsWith(`${target}/`)) result.coveredDirs.add(dir);
        continue;
      }
      if (call) continue; // a registry module's output: it cannot name a bucket declared here
    }
    if (/^data\./.test(link.text.trim())) continue; // a bucket that exists outside this configuration
    // A variable or some other expression: the companion may be attached to any bucket in the repository.
    result.coversAll = true;
  }
  return result;
}

/** DynamoDB tables that hold Terraform's own state locks (`hash_key = "LockID"`): no application data lives there. */
export function isTerraformLockTable(project: TerraformProject, r: TfResource): boolean {
  const key = project.value(r, 'hash_key');
  return r.type === 'aws_dynamodb_table' && key.kind === 'known' && key.value === 'LockID';
}
