/**
 * The feature-module contract. Each `templates/<feature>/feature.ts` default-exports one
 * `defineFeature(...)`; prompts, flags, validation, the combination matrix, package.json and
 * .env.example are all derived from these declarations, so a constraint is written once.
 */

/** A constraint on another option's answer, e.g. `{ option: 'infra', values: ['terraform-aws'] }`. */
export interface Constraint {
  option: string;
  values: readonly string[];
  /** Why, in a sentence the user reads when the constraint is violated. */
  reason: string;
}

export interface EnvVar {
  name: string;
  example: string;
  description: string;
}

export interface PackageJsonDelta {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** Top-level fields (`packageManager`, `engines`, …); two features setting the same field is an error. */
  fields?: Record<string, unknown>;
}

/** What a feature (always on) or a choice (when selected) adds to the generated project besides files. */
export interface Contribution {
  /** One line for the README's "What is generated" section. */
  summary?: string;
  env?: readonly EnvVar[];
  /** May depend on the answers through the render context (e.g. scripts that call the package manager). */
  packageJson?: PackageJsonDelta | ((context: RenderContext) => PackageJsonDelta);
  /** Next steps printed after creation; handlebars over the render context. */
  notes?: readonly string[];
}

export interface ChoiceDecl extends Contribution {
  /** kebab-case; the flag value and, for features with an option, the folder under `files/`. */
  value: string;
  label: string;
  hint?: string;
  /** Exposed to templates as `<optionId>.<key>` next to `<optionId>.value` and `<optionId>.label`. */
  data?: Record<string, unknown>;
  /** Every constraint must hold when this choice is selected. */
  requires?: readonly Constraint[];
  /** No constraint may hold when this choice is selected. */
  conflicts?: readonly Constraint[];
}

export interface OptionDecl {
  /** camelCase answer key; the flag is its kebab-case form (`packageManager` → `--package-manager`). */
  id: string;
  message: string;
  choices: readonly ChoiceDecl[];
  default: string;
  /** A better default taken from the environment (e.g. the package manager running `npm create`). */
  detectDefault?: (env: Readonly<Record<string, string | undefined>>) => string | undefined;
}

export interface FeatureManifest extends Contribution {
  /** kebab-case, equal to the folder under `templates/`. */
  id: string;
  title: string;
  /** A feature with an option renders `files/<choice>/**`; one without renders `files/**`. */
  option?: OptionDecl;
  /** Paths relative to `files/` (source names, e.g. `x/run.sh.hbs`) that are written with mode 0755. */
  executable?: readonly string[];
}

/** The values handlebars templates see. Option entries are added under their option ids. */
export interface RenderContext {
  name: string;
  prodgradeVersion: string;
  answers: Readonly<Record<string, string>>;
  versions: Readonly<Record<string, string>>;
  /** `uses` lines for GitHub Actions, pinned by commit SHA. */
  uses: Readonly<Record<string, string>>;
  summary: readonly string[];
  env: readonly EnvVar[];
  [optionId: string]: unknown;
}

export function defineFeature(manifest: FeatureManifest): FeatureManifest {
  return manifest;
}

export function flagName(optionId: string): string {
  return optionId.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function flagOf(optionId: string): string {
  return `--${flagName(optionId)}`;
}

export type DeclaredOption = OptionDecl & { feature: string };

/** The declared options in prompt order. */
export function optionsOf(features: readonly FeatureManifest[]): DeclaredOption[] {
  return features.flatMap((f) => (f.option ? [{ ...f.option, feature: f.id }] : []));
}

export function choiceOf(features: readonly FeatureManifest[], optionId: string, value: string): ChoiceDecl | undefined {
  return optionsOf(features)
    .find((o) => o.id === optionId)
    ?.choices.find((c) => c.value === value);
}

const kebab = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const camel = /^[a-z][a-zA-Z0-9]*$/;

/**
 * Checks the manifests against each other. A failure is a bug in prodgrade's templates, so it throws a
 * plain Error (reported as internal), never a KnownError.
 */
export function validateManifests(features: readonly FeatureManifest[]): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const f of features) {
    if (!kebab.test(f.id)) problems.push(`feature id "${f.id}" is not kebab-case`);
    if (ids.has(f.id)) problems.push(`feature id "${f.id}" is declared twice`);
    ids.add(f.id);
  }
  const options = optionsOf(features);
  const optionIds = new Set<string>();
  for (const o of options) {
    if (!camel.test(o.id)) problems.push(`option id "${o.id}" (feature ${o.feature}) is not camelCase`);
    if (optionIds.has(o.id)) problems.push(`option id "${o.id}" is declared twice`);
    optionIds.add(o.id);
    if (o.choices.length === 0) problems.push(`option ${o.id} has no choices`);
    const values = new Set<string>();
    for (const c of o.choices) {
      if (!kebab.test(c.value)) problems.push(`choice "${c.value}" of ${o.id} is not kebab-case`);
      if (values.has(c.value)) problems.push(`choice "${c.value}" of ${o.id} is declared twice`);
      values.add(c.value);
    }
    if (!values.has(o.default)) problems.push(`default "${o.default}" of ${o.id} is not one of its choices`);
  }
  for (const o of options) {
    for (const c of o.choices) {
      for (const constraint of [...(c.requires ?? []), ...(c.conflicts ?? [])]) {
        const target = options.find((x) => x.id === constraint.option);
        const where = `${o.id}=${c.value}`;
        if (!target) {
          problems.push(`${where} constrains unknown option "${constraint.option}"`);
          continue;
        }
        if (target.id === o.id) problems.push(`${where} constrains its own option`);
        for (const v of constraint.values) {
          if (!target.choices.some((x) => x.value === v)) problems.push(`${where} names unknown choice ${constraint.option}=${v}`);
        }
        if (!constraint.reason.trim()) problems.push(`${where} has a constraint without a reason`);
      }
    }
  }
  if (problems.length) throw new Error(`Invalid feature manifests:\n- ${problems.join('\n- ')}`);
}
