import type { RepoModel } from '../model.js';
import { compareTables, type Drift } from './drift-compare.js';
import { latestSnapshot } from './drizzle-snapshot.js';
import type { MigrationSet } from './migrations.js';
import { ormSchemas } from './orm/index.js';
import { snakeCase } from './orm/ast.js';
import { replaySet } from './sql-replay.js';
import type { SqlDialect } from './types.js';

interface DrizzleConfig {
  dir: string;
  out?: string;
  schema: string[];
  snakeCase: boolean;
}

/** `drizzle.config.*`: where its migrations go (`out`), which files hold the schema, and the column casing. */
function drizzleConfigs(model: RepoModel): DrizzleConfig[] {
  return model
    .find((f) => /(?:^|\/)drizzle\.config\.(?:[cm]?[jt]s|json)$/.test(f.path))
    .map((f) => {
      const text = model.text(f.path) ?? '';
      const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '.';
      const out = /\bout\s*:\s*['"`]([^'"`]+)['"`]/.exec(text)?.[1];
      const schemaValue = /\bschema\s*:\s*(\[[^\]]*\]|['"`][^'"`]+['"`])/.exec(text)?.[1] ?? '';
      const schema = [...schemaValue.matchAll(/['"`]([^'"`]+)['"`]/g)].map((m) => m[1]!);
      return { dir, ...(out ? { out } : {}), schema, snakeCase: /casing\s*:\s*['"`]snake_case['"`]/.test(text) };
    });
}

function resolvePath(base: string, relative: string): string {
  const parts = base === '.' ? [] : base.split('/');
  for (const piece of relative.replace(/^\.\//, '').split('/')) {
    if (piece === '..') parts.pop();
    else if (piece !== '.' && piece !== '') parts.push(piece);
  }
  return parts.join('/');
}

/** Candidate paths of an import of a workspace package (`@acme/db/schema`): its `exports` entry, `src/`, or the folder. */
function workspaceTargets(model: RepoModel, specifier: string): string[] {
  const pkg = model.packages.find((p) => p.name !== undefined && (specifier === p.name || specifier.startsWith(`${p.name}/`)));
  if (!pkg) return [];
  const sub = specifier.slice(pkg.name!.length).replace(/^\//, '');
  const manifest = model.manifest(pkg.dir);
  const exportsField = manifest?.exports as Record<string, unknown> | string | undefined;
  const entry = typeof exportsField === 'object' && exportsField !== null ? exportsField[sub ? `./${sub}` : '.'] : sub === '' ? exportsField : undefined;
  const mapped = typeof entry === 'string' ? entry : entry && typeof entry === 'object' ? Object.values(entry as Record<string, unknown>).find((v): v is string => typeof v === 'string') : undefined;
  const root = pkg.dir === '.' ? '' : `${pkg.dir}/`;
  return [...(mapped ? [resolvePath(pkg.dir, mapped)] : []), `${root}src/${sub}`.replace(/\/$/, '/index'), `${root}${sub}`.replace(/\/$/, '/index')];
}

/**
 * Files drizzle-kit reads for a config: its `schema` paths or globs, and what they import or re-export from relative
 * paths (drizzle-kit loads the modules, so `export * from './users'` counts).
 */
function schemaFiles(model: RepoModel, config: DrizzleConfig): Set<string> {
  const code = /\.(?:[cm]?ts|[cm]?js)$/;
  const entries = config.schema.length === 0
    ? model.find((f) => code.test(f.path) && (config.dir === '.' || f.path.startsWith(`${config.dir}/`))).map((f) => f.path)
    : config.schema.flatMap((s) => {
        const resolved = resolvePath(config.dir, s);
        const prefix = resolved.split('*')[0]!.replace(/\/$/, '');
        return model.find((f) => code.test(f.path) && (f.path === resolved || f.path.startsWith(`${prefix}/`) || (resolved.includes('*') && f.path.startsWith(prefix)))).map((f) => f.path);
      });
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
    for (const m of (model.text(path) ?? '').matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)) {
      const specifier = m[1]!;
      const bases = specifier.startsWith('.') ? [resolvePath(dir, specifier)] : workspaceTargets(model, specifier);
      for (const b of bases) {
        const base = b.replace(/\.[cm]?js$/, '');
        const target = ['.ts', '.mts', '.js', '.mjs', '/index.ts', '/index.js', ''].map((ext) => base + ext).find((p) => model.has(p));
        if (target && !seen.has(target)) queue.push(target);
      }
    }
  }
  return seen;
}
/** Files of the package a migration folder belongs to: what drizzle-kit sees when it runs there without a config. */
function packageOf(model: RepoModel, set: MigrationSet): string {
  return model.file(set.migrations[0]!.path)?.packageDir ?? '.';
}

export interface DrizzleDrift {
  drifts: Drift[];
  compared: string[];
  /** Migration folders that could not be compared, with the reason. */
  skipped: string[];
}

/**
 * Drizzle table definitions against what drizzle-kit's migrations build. The config whose `out` is the folder says
 * which files hold the schema (`schema`, with what they import) and the casing; without one, the tables of the
 * folder's package are used. PostgreSQL migrations are replayed; for MySQL and SQLite, whose SQL is not replayed, the
 * latest snapshot (`meta/<n>_snapshot.json`) stands for the migrations: drizzle-kit generates each migration as the
 * difference between the code and that snapshot.
 */
export async function drizzleDrift(model: RepoModel, sets: readonly MigrationSet[]): Promise<DrizzleDrift> {
  const result: DrizzleDrift = { drifts: [], compared: [], skipped: [] };
  const drizzleSets = sets.filter((s) => s.framework === 'drizzle');
  if (drizzleSets.length === 0) return result;
  const schemas = ormSchemas(model).filter((s) => s.source === 'drizzle');
  const tablesOf = (dialect: SqlDialect) => schemas.filter((s) => s.dialect === (dialect === 'cockroachdb' ? 'postgresql' : dialect)).flatMap((s) => s.tables);
  const configs = drizzleConfigs(model);
  for (const set of drizzleSets) {
    // drizzle-kit resolves `out` and `schema` against the directory it runs in: the config's, or its package's.
    const packageDir = (c: DrizzleConfig): string => model.file(`${c.dir === '.' ? '' : `${c.dir}/`}drizzle.config.ts`)?.packageDir ?? c.dir;
    const bases = (c: DrizzleConfig): string[] => [...new Set([c.dir, packageDir(c), model.find((f) => f.path.startsWith(c.dir === '.' ? '' : `${c.dir}/`))[0]?.packageDir ?? c.dir])];
    // drizzle-kit writes to `./drizzle` when the config names no `out`.
    const config =
      configs.find((c) => bases(c).some((b) => resolvePath(b, c.out ?? 'drizzle') === set.dir)) ??
      (drizzleSets.length === 1 && configs.length === 1 ? configs[0] : undefined);
    const setPackage = packageOf(model, set);
    if (!config && configs.some((c) => bases(c).includes(setPackage))) {
      result.skipped.push(`${set.dir}: no drizzle config of its package writes there`);
      continue;
    }
    const files = config ? new Set(bases(config).flatMap((b) => [...schemaFiles(model, { ...config, dir: b })])) : undefined;
    const inScope = (path: string): boolean => (files ? files.has(path) : model.file(path)?.packageDir === setPackage);
    const own = tablesOf(set.dialect)
      .filter((t) => inScope(t.at.path))
      // serial columns are NOT NULL without saying so.
      .map((t) => ({ ...t, columns: t.columns.map((c) => (/^(?:small|big)?serial$/.test(c.type) ? { ...c, nullable: false } : c)) }))
      .map((t) => (config?.snakeCase ? { ...t, columns: t.columns.map((c) => (c.field === undefined && c.name !== snakeCase(c.name) ? { ...c, name: snakeCase(c.name), field: c.name } : c)) } : t));
    if (own.length === 0) {
      result.skipped.push(`${set.dir}: no ${set.dialect} Drizzle tables found in the schema files`);
      continue;
    }
    const replayed = set.dialect === 'postgresql' || set.dialect === 'cockroachdb';
    const built = replayed ? await replaySet(model, set) : latestSnapshot(model, set);
    if (!built) {
      result.skipped.push(`${set.dir}: ${set.dialect} migrations are not replayed and the folder has no drizzle-kit snapshot`);
      continue;
    }
    const ormName = 'the Drizzle schema';
    const snapshot = set.snapshots?.at(-1)?.slice(set.dir.length + 1);
    const migrationsDir = replayed ? set.dir : `${set.dir} (drizzle-kit's snapshot ${snapshot ?? ''})`;
    compareTables(own, built, { full: false, compareForeignKeys: false, ormName, migrationsDir, confidence: built.issues.length ? 'low' : 'medium' }, result.drifts);
    result.compared.push(set.dir);
  }
  return result;
}
