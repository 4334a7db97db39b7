import type { Confidence } from '../../core/types.js';
import type { ReplayTable } from './sql-replay.js';
import type { SchemaColumn, SchemaIndex, SchemaTable, SourceIssue, SourceRef } from './types.js';

/** What the migrations build: a replay of their SQL, or drizzle-kit's latest snapshot. */
export interface BuiltSchema {
  readonly tables: ReadonlyMap<string, ReplayTable>;
  table(name: string): ReplayTable | undefined;
  readonly issues: readonly SourceIssue[];
}

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

/** `'a b'` → `a b`: a quoted SQL string literal's value; other text unchanged. */
function unquoteLiteral(text: string): string {
  return /^'.*'$/s.test(text) ? text.slice(1, -1).replace(/''/g, "'") : text;
}

/** Items of a PostgreSQL array literal's text `{a,"b c",NULL}`; undefined when it is not one. */
function pgArrayItems(text: string): string[] | undefined {
  if (!/^\{.*\}$/s.test(text)) return undefined;
  const body = text.slice(1, -1);
  if (body.trim() === '') return [];
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted && ch === '\\') current += body[++i] ?? '';
    else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  items.push(current.trim());
  return items;
}

/** Items of `'a', 'b, c', 1`: split at commas outside single-quoted strings (`''` toggles twice, so it stays inside). */
function listItems(body: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of body) {
    if (ch === "'") quoted = !quoted;
    if (ch === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') items.push(current.trim());
  return items;
}

/**
 * One spelling for a list default: Prisma's `[]` / `['a', 'b']`, the replay's `[]` (`ARRAY[]::text[]`, `'{}'::text[]`)
 * and a bare `'{a,b}'` string, which PostgreSQL casts to the column's array type, all become `[a,b]`.
 */
function normalizeArrayDefault(text: string): string {
  const t = text.trim();
  const items = /^\[.*\]$/s.test(t) ? listItems(t.slice(1, -1)) : pgArrayItems(unquoteLiteral(t));
  if (!items) return t;
  return `[${items.map((i) => normalizeLiteral(unquoteLiteral(i))).join(',')}]`;
}

/** Whether a Prisma default and a replayed SQL default differ in a way Prisma Migrate would act on. */
function defaultsDiffer(orm: string | undefined, sql: string | undefined, list = false): boolean {
  if (orm === undefined && sql === undefined) return false;
  if (orm === undefined || sql === undefined) {
    // A sequence or identity default behind a Prisma `autoincrement()` is the same thing under another name.
    return !(orm === 'autoincrement()' || sql === 'autoincrement()' || (sql !== undefined && /^nextval\(/.test(sql)));
  }
  if (orm.startsWith('dbgenerated(')) return false;
  if (list) return normalizeArrayDefault(orm) !== normalizeArrayDefault(sql);
  if (orm === 'autoincrement()') return !/autoincrement\(\)|^nextval\(/.test(sql);
  return normalizeLiteral(orm) !== normalizeLiteral(sql) && normalizeLiteral(orm).toLowerCase() !== normalizeLiteral(sql).toLowerCase();
}

function findTable(replay: BuiltSchema, name: string): ReplayTable | undefined {
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

export interface CompareOptions {
  /** Compare types, defaults, enums and primary keys (Prisma); names, nullability and indexes only otherwise. */
  full: boolean;
  compareForeignKeys: boolean;
  ormName: string;
  migrationsDir: string;
  confidence: Confidence;
  /** Only tables in these database schemas are the ORM's to declare (`public` is the unqualified one). */
  schemas?: readonly string[];
}

export function compareTables(ormTables: readonly SchemaTable[], replay: BuiltSchema, options: CompareOptions, drifts: Drift[]): void {
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
      if (options.full && !t.implicit && defaultsDiffer(c.default, col.default, c.type.endsWith('[]') || col.type.endsWith('[]'))) {
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
