import type { Confidence } from '../../core/types.js';
import type { RepoModel } from '../model.js';
import { migrationSets, type MigrationSet } from './migrations.js';
import { ormSchemas } from './orm/index.js';
import { snakeCase } from './orm/ast.js';
import { prismaSchemas, type PrismaSchemaInfo } from './prisma.js';
import { replaySet, type ReplayTable, type SchemaReplay } from './sql-replay.js';
import type { SchemaColumn, SchemaIndex, SchemaTable, SourceRef } from './types.js';

/** One difference between an ORM schema and what its migrations build. */
export interface Drift {
  messageId:
    | 'modelWithoutMigration'
    | 'fieldWithoutMigration'
    | 'fieldTypeDiffers'
    | 'fieldNullabilityDiffers'
    | 'fieldDefaultDiffers'
    | 'enumWithoutMigration'
    | 'enumValueWithoutMigration'
    | 'indexWithoutMigration'
    | 'primaryKeyDiffers'
    | 'relationWithoutMigration'
    | 'tableOnlyInMigrations'
    | 'columnOnlyInMigrations';
  data: Record<string, string>;
  at: SourceRef;
  confidence?: Confidence;
  key: string;
}

export interface DriftResult {
  drifts: Drift[];
  /** ORM schemas compared with their migrations. */
  compared: string[];
}

const canonicalTypes: Record<string, string> = {
  timestamp: 'timestamp(6)',
  timestamptz: 'timestamptz(6)',
  time: 'time(6)',
  timetz: 'timetz(6)',
  char: 'char(1)',
  bit: 'bit(1)',
  decimal: 'numeric',
  int: 'integer',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  float8: 'double precision',
  float4: 'real',
  bool: 'boolean',
};

/** Type text in one spelling for both sides: default precisions made explicit, `public.` dropped, case folded. */
export function normalizeType(type: string): string {
  const array = type.endsWith('[]');
  const base = type.replace(/\[\]$/, '').replace(/^public\./, '').replace(/\s+/g, ' ').trim();
  const lower = base.toLowerCase();
  return (canonicalTypes[lower] ?? lower) + (array ? '[]' : '');
}

function normalizeLiteral(text: string): string {
  const t = text.trim();
  if (/^-?\d+(?:\.\d+)?$/.test(t)) return String(Number(t));
  if (/^'-?\d+(?:\.\d+)?'$/.test(t)) return String(Number(t.slice(1, -1)));
  return t;
}

/** Whether a Prisma default and a replayed SQL default differ in a way Prisma Migrate would act on. */
function defaultsDiffer(orm: string | undefined, sql: string | undefined): boolean {
  if (orm === undefined && sql === undefined) return false;
  if (orm === undefined || sql === undefined) {
    // A sequence or identity default behind a Prisma `autoincrement()` is the same thing under another name.
    return !(orm === 'autoincrement()' || sql === 'autoincrement()' || (sql !== undefined && /^nextval\(/.test(sql)));
  }
  if (orm.startsWith('dbgenerated(')) return false;
  if (orm === 'autoincrement()') return !/autoincrement\(\)|^nextval\(/.test(sql);
  return normalizeLiteral(orm) !== normalizeLiteral(sql) && normalizeLiteral(orm).toLowerCase() !== normalizeLiteral(sql).toLowerCase();
}

function findTable(replay: SchemaReplay, name: string): ReplayTable | undefined {
  const exact = replay.table(name) ?? [...replay.tables.values()].find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (exact || name.includes('.')) return exact;
  // An ORM that does not say the schema (drizzle's `pgSchema('x').table(...)` read without it) matches by bare name.
  const bare = [...replay.tables.values()].filter((t) => t.name.slice(t.name.indexOf('.') + 1) === name);
  return bare.length === 1 ? bare[0] : undefined;
}

function findColumn(table: ReplayTable, name: string): SchemaColumn | undefined {
  return table.columns.find((c) => c.name === name) ?? table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

function sameIndex(a: SchemaIndex, b: SchemaIndex): boolean {
  return a.unique === b.unique && a.columns.join(',') === b.columns.join(',');
}

interface CompareOptions {
  /** Compare types, defaults, enums and primary keys (Prisma); names, nullability and indexes only otherwise. */
  full: boolean;
  compareForeignKeys: boolean;
  ormName: string;
  migrationsDir: string;
  confidence: Confidence;
  /** Only tables in these database schemas are the ORM's to declare (`public` is the unqualified one). */
  schemas?: readonly string[];
}

function compareTables(ormTables: readonly SchemaTable[], replay: SchemaReplay, options: CompareOptions, drifts: Drift[]): void {
  const matched = new Set<ReplayTable>();
  const add = (drift: Omit<Drift, 'key' | 'confidence'>, confidence = options.confidence): void => {
    drifts.push({ ...drift, confidence, key: `${drift.messageId}:${Object.values(drift.data).join(':')}` });
  };
  for (const t of ormTables) {
    const sql = findTable(replay, t.name);
    const label = t.model && t.model !== t.name ? `${t.model} (table ${t.name})` : t.name;
    if (!sql) {
      // An implicit many-to-many table is named by Prisma's convention, which older versions spelled differently.
      add({ messageId: 'modelWithoutMigration', data: { model: label, orm: options.ormName, dir: options.migrationsDir }, at: t.at }, t.implicit ? 'medium' : options.confidence);
      continue;
    }
    matched.add(sql);
    if (sql.columnsUnknown) continue;
    const seen = new Set<SchemaColumn>();
    for (const c of t.columns) {
      const col = findColumn(sql, c.name);
      const at = c.at ?? t.at;
      const field = `${t.model ?? t.name}.${c.field ?? c.name}`;
      if (!col) {
        add({ messageId: 'fieldWithoutMigration', data: { field, column: `${sql.name}.${c.name}`, dir: options.migrationsDir }, at });
        continue;
      }
      seen.add(col);
      if (options.full && !t.implicit && c.type !== 'unsupported' && normalizeType(c.type) !== normalizeType(col.type)) {
        add({ messageId: 'fieldTypeDiffers', data: { field, ormType: c.type, sqlType: col.type, dir: options.migrationsDir }, at });
      }
      // Prisma Migrate has created required scalar lists both with and without NOT NULL over its versions.
      if (c.nullable !== col.nullable && !col.primaryKey && !c.primaryKey && !c.type.endsWith('[]')) {
        add({ messageId: 'fieldNullabilityDiffers', data: { field, orm: c.nullable ? 'optional' : 'required', sql: col.nullable ? 'nullable' : 'NOT NULL', dir: options.migrationsDir }, at });
      }
      if (options.full && !t.implicit && defaultsDiffer(c.default, col.default)) {
        add({ messageId: 'fieldDefaultDiffers', data: { field, orm: c.default ?? 'none', sql: col.default ?? 'none', dir: options.migrationsDir }, at }, 'medium');
      }
    }
    for (const col of sql.columns) {
      if (seen.has(col) || t.columns.some((c) => c.name.toLowerCase() === col.name.toLowerCase())) continue;
      add({ messageId: 'columnOnlyInMigrations', data: { column: `${sql.name}.${col.name}`, orm: options.ormName, model: t.model ?? t.name }, at: col.at ?? sql.at }, 'medium');
    }
    if (t.implicit) continue;
    for (const index of t.indexes) {
      // Same name is enough: an expression or a sort order may be read differently on the two sides.
      const found = (index.name !== undefined && sql.indexes.find((i) => i.name === index.name)) || sql.indexes.find((i) => sameIndex(i, index));
      const pkCovers = index.unique && sql.primaryKey !== undefined && sql.primaryKey.columns.join(',') === index.columns.join(',');
      if (!found && !pkCovers) {
        add({ messageId: 'indexWithoutMigration', data: { index: index.name ?? index.columns.join(', '), kind: index.unique ? 'unique index' : 'index', table: sql.name, dir: options.migrationsDir }, at: index.at ?? t.at });
      }
    }
    if (options.full && t.primaryKey && sql.primaryKey && t.primaryKey.columns.join(',') !== sql.primaryKey.columns.join(',')) {
      add({ messageId: 'primaryKeyDiffers', data: { table: sql.name, orm: t.primaryKey.columns.join(', '), sql: sql.primaryKey.columns.join(', '), dir: options.migrationsDir }, at: t.primaryKey.at ?? t.at });
    }
    if (options.compareForeignKeys) {
      for (const fk of t.foreignKeys) {
        const found = sql.foreignKeys.some((f) => f.columns.join(',') === fk.columns.join(',') && f.table.toLowerCase() === fk.table.toLowerCase());
        if (!found) add({ messageId: 'relationWithoutMigration', data: { table: sql.name, columns: fk.columns.join(', '), target: fk.table, dir: options.migrationsDir }, at: fk.at ?? t.at });
      }
    }
  }
  for (const sql of replay.tables.values()) {
    if (matched.has(sql) || sql.name === '_prisma_migrations' || /^__drizzle_migrations$/.test(sql.name)) continue;
    const schema = sql.name.includes('.') ? sql.name.slice(0, sql.name.indexOf('.')) : 'public';
    if (options.schemas && !options.schemas.includes(schema)) continue;
    add({ messageId: 'tableOnlyInMigrations', data: { table: sql.name, orm: options.ormName }, at: sql.at }, 'medium');
  }
}

function comparePrisma(info: PrismaSchemaInfo, set: MigrationSet, replay: SchemaReplay, drifts: Drift[]): void {
  const confidence: Confidence = replay.issues.length ? 'medium' : 'high';
  compareTables(info.schema.tables, replay, { full: true, compareForeignKeys: !info.emulatedRelations, ormName: 'schema.prisma', migrationsDir: set.dir, confidence, schemas: info.schemas }, drifts);
  for (const e of info.schema.enums) {
    const sql = replay.enums.get(e.name) ?? [...replay.enums.values()].find((x) => x.name.toLowerCase() === e.name.toLowerCase());
    if (!sql) {
      drifts.push({ messageId: 'enumWithoutMigration', data: { enum: e.name, dir: set.dir }, at: e.at, confidence, key: `enum:${e.name}` });
      continue;
    }
    for (const value of e.values) {
      if (sql.values.includes(value)) continue;
      drifts.push({ messageId: 'enumValueWithoutMigration', data: { enum: e.name, value, dir: set.dir }, at: e.valueAt?.[value] ?? e.at, confidence, key: `enumValue:${e.name}:${value}` });
    }
  }
}

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

const resultCache = new WeakMap<RepoModel, Promise<DriftResult>>();

/**
 * Differences between ORM schemas and the schema their migrations build: Prisma schemas against
 * `prisma/migrations`, Drizzle table definitions against drizzle-kit's migrations (via its config's `out` folder).
 */
export function schemaDrift(model: RepoModel): Promise<DriftResult> {
  let cached = resultCache.get(model);
  if (!cached) resultCache.set(model, (cached = computeDrift(model)));
  return cached;
}

async function computeDrift(model: RepoModel): Promise<DriftResult> {
  const drifts: Drift[] = [];
  const compared: string[] = [];
  const sets = migrationSets(model);
  for (const info of prismaSchemas(model)) {
    const set = sets.find((s) => s.dir === info.migrationsDir && s.framework === 'prisma');
    const dialect = info.schema.dialect ?? set?.dialect;
    if (!set || (dialect !== 'postgresql' && dialect !== 'cockroachdb') || set.dialect !== dialect) continue;
    comparePrisma(info, set, await replaySet(model, set), drifts);
    compared.push(info.root);
  }

  const drizzleSets = sets.filter((s) => s.framework === 'drizzle' && s.dialect === 'postgresql');
  if (drizzleSets.length) {
    const tables = ormSchemas(model)
      .filter((s) => s.source === 'drizzle' && (s.dialect === undefined || s.dialect === 'postgresql'))
      .flatMap((s) => s.tables);
    const configs = drizzleConfigs(model);
    for (const set of drizzleSets) {
      // drizzle-kit resolves `out` and `schema` against the directory it runs in: the config's, or its package's.
      const packageDir = (c: DrizzleConfig): string => model.file(`${c.dir === '.' ? '' : `${c.dir}/`}drizzle.config.ts`)?.packageDir ?? c.dir;
      const bases = (c: DrizzleConfig): string[] => [...new Set([c.dir, packageDir(c), model.find((f) => f.path.startsWith(c.dir === '.' ? '' : `${c.dir}/`))[0]?.packageDir ?? c.dir])];
      const config =
        configs.find((c) => c.out !== undefined && bases(c).some((b) => resolvePath(b, c.out!) === set.dir)) ??
        (drizzleSets.length === 1 && configs.length === 1 ? configs[0] : undefined);
      if (!config) continue;
      const files = new Set(bases(config).flatMap((b) => [...schemaFiles(model, { ...config, dir: b })]));
      const matches = (path: string): boolean => files.has(path);
      const own = tables
        .filter((t) => matches(t.at.path))
        // serial columns are NOT NULL without saying so.
        .map((t) => ({ ...t, columns: t.columns.map((c) => (/^(?:small|big)?serial$/.test(c.type) ? { ...c, nullable: false } : c)) }))
        .map((t) => (config.snakeCase ? { ...t, columns: t.columns.map((c) => (c.field === undefined && c.name !== snakeCase(c.name) ? { ...c, name: snakeCase(c.name), field: c.name } : c)) } : t));
      if (own.length === 0) continue;
      const replay = await replaySet(model, set);
      compareTables(own, replay, { full: false, compareForeignKeys: false, ormName: 'the Drizzle schema', migrationsDir: set.dir, confidence: replay.issues.length ? 'low' : 'medium' }, drifts);
      compared.push(set.dir);
    }
  }
  return { drifts, compared };
}
