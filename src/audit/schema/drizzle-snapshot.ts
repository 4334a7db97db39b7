import type { RepoModel } from '../model.js';
import type { MigrationSet } from './migrations.js';
import type { ReplayColumn, ReplayTable } from './sql-replay.js';
import type { SchemaIndex, SourceIssue, SourceRef } from './types.js';

/**
 * The schema drizzle-kit believes the database has: its latest snapshot (`meta/<n>_snapshot.json` in journal order,
 * or `<migration>/snapshot.json` for drizzle-kit v1). drizzle-kit diffs the code against this file to generate the
 * next migration, so it is the migrations' schema for dialects whose SQL prodgrade does not replay (MySQL, SQLite).
 */
export interface SnapshotSchema {
  tables: Map<string, ReplayTable>;
  table(name: string): ReplayTable | undefined;
  issues: SourceIssue[];
  /** The snapshot file read. */
  path: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `"a,b"` (older snapshots) or `["a", "b"]`, or index columns `[{ expression: "a", isExpression: false }]`. */
function columnList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').map((c) => c.trim()).filter(Boolean);
  if (!Array.isArray(value)) return [];
  return value.flatMap((c) => {
    if (typeof c === 'string') return [c];
    if (!isObject(c)) return [];
    const text = str(c.expression) ?? str(c.value);
    return text === undefined ? [] : [c.isExpression === true ? `(${text})` : text];
  });
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i === -1 ? 1 : text.slice(0, i).split('\n').length;
}

/** Where the migrations create a table: the first `CREATE TABLE` naming it, else its entry in the snapshot. */
function tableLocator(model: RepoModel, set: MigrationSet, snapshotPath: string): (name: string) => SourceRef {
  const texts = set.migrations.map((m) => ({ path: m.path, text: model.text(m.path) ?? '' }));
  const snapshotText = model.text(snapshotPath) ?? '';
  return (name) => {
    const bare = name.slice(name.indexOf('.') + 1);
    const pattern = new RegExp(`create\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?(?:[\`"\\[]?\\w+[\`"\\]]?\\.)?[\`"\\[]?${bare.replace(/[$.]/g, '\\$&')}[\`"\\]]?[\\s(]`, 'i');
    for (const { path, text } of texts) {
      const m = pattern.exec(text);
      if (m) return { path, line: text.slice(0, m.index).split('\n').length, start: m.index };
    }
    return { path: snapshotPath, line: lineOf(snapshotText, `"name": "${bare}"`) };
  };
}

function emptyTable(name: string, at: SourceRef): ReplayTable {
  return { name, source: 'sql', columns: [], indexes: [], foreignKeys: [], at, createdIn: 0, checks: new Map() };
}

function addPrimaryKey(table: ReplayTable, columns: string[], name?: string): void {
  if (columns.length === 0) return;
  table.primaryKey = { ...(name ? { name } : {}), columns };
  for (const c of table.columns) {
    if (!columns.includes(c.name)) continue;
    c.primaryKey = true;
    c.nullable = false;
  }
}

/** drizzle-kit ≤0.x snapshots (versions 5–7): `tables` keyed by name, each with column, index and key objects. */
function readTableObjects(snapshot: Json, locate: (name: string) => SourceRef): Map<string, ReplayTable> {
  const tables = new Map<string, ReplayTable>();
  for (const raw of Object.values(isObject(snapshot.tables) ? snapshot.tables : {})) {
    if (!isObject(raw) || !str(raw.name)) continue;
    const schema = str(raw.schema);
    const name = schema && schema !== 'public' ? `${schema}.${str(raw.name)!}` : str(raw.name)!;
    const at = locate(name);
    const table = emptyTable(name, at);
    for (const c of Object.values(isObject(raw.columns) ? raw.columns : {})) {
      if (!isObject(c) || !str(c.name)) continue;
      const column: ReplayColumn = { name: str(c.name)!, type: str(c.type) ?? 'unknown', nullable: c.notNull !== true && c.primaryKey !== true, addedIn: 0, at };
      if (c.default !== undefined) column.default = String(c.default);
      if (c.primaryKey === true) column.primaryKey = true;
      table.columns.push(column);
      if (c.primaryKey === true) table.primaryKey = { columns: [column.name] };
      // PostgreSQL snapshots keep a column's `.unique()` on the column; MySQL and SQLite list it as an index.
      if (c.isUnique === true) table.indexes.push({ ...(str(c.uniqueName) ? { name: str(c.uniqueName)! } : {}), columns: [column.name], unique: true, constraint: true, at });
    }
    for (const i of Object.values(isObject(raw.indexes) ? raw.indexes : {})) {
      if (!isObject(i)) continue;
      const columns = columnList(i.columns);
      if (columns.length) table.indexes.push({ ...(str(i.name) ? { name: str(i.name)! } : {}), columns, unique: i.isUnique === true, at } satisfies SchemaIndex);
    }
    for (const u of Object.values(isObject(raw.uniqueConstraints) ? raw.uniqueConstraints : {})) {
      const columns = isObject(u) ? columnList(u.columns) : columnList(u);
      if (columns.length) table.indexes.push({ ...(isObject(u) && str(u.name) ? { name: str(u.name)! } : {}), columns, unique: true, constraint: true, at });
    }
    for (const [key, pk] of Object.entries(isObject(raw.compositePrimaryKeys) ? raw.compositePrimaryKeys : {})) {
      addPrimaryKey(table, isObject(pk) ? columnList(pk.columns) : columnList(pk), isObject(pk) ? str(pk.name) ?? key : key);
    }
    for (const fk of Object.values(isObject(raw.foreignKeys) ? raw.foreignKeys : {})) {
      if (!isObject(fk) || !str(fk.tableTo)) continue;
      table.foreignKeys.push({ ...(str(fk.name) ? { name: str(fk.name)! } : {}), columns: columnList(fk.columnsFrom), table: str(fk.tableTo)!, referencedColumns: columnList(fk.columnsTo), at });
    }
    tables.set(name, table);
  }
  return tables;
}

/** drizzle-kit v1 snapshots: a flat `ddl` list of entities (`tables`, `columns`, `indexes`, `pks`, `uniques`, `fks`). */
function readDdl(ddl: unknown[], locate: (name: string) => SourceRef): Map<string, ReplayTable> {
  const tables = new Map<string, ReplayTable>();
  const qualified = (e: Json, key: string): string | undefined => {
    const name = str(e[key]);
    const schema = str(e.schema);
    return name && (schema && schema !== 'public' ? `${schema}.${name}` : name);
  };
  const entities = ddl.filter(isObject);
  for (const e of entities.filter((x) => x.entityType === 'tables')) {
    const name = qualified(e, 'name');
    if (name) tables.set(name, emptyTable(name, locate(name)));
  }
  for (const e of entities) {
    const table = tables.get(qualified(e, 'table') ?? '');
    if (!table) continue;
    const at = table.at;
    if (e.entityType === 'columns' && str(e.name)) {
      table.columns.push({ name: str(e.name)!, type: str(e.type) ?? 'unknown', nullable: e.notNull !== true, addedIn: 0, at, ...(e.default !== undefined && e.default !== null ? { default: String(isObject(e.default) ? e.default.value : e.default) } : {}) });
    } else if (e.entityType === 'indexes') {
      const columns = columnList(e.columns);
      if (columns.length) table.indexes.push({ ...(str(e.name) ? { name: str(e.name)! } : {}), columns, unique: e.isUnique === true, at });
    } else if (e.entityType === 'uniques') {
      const columns = columnList(e.columns);
      if (columns.length) table.indexes.push({ ...(str(e.name) ? { name: str(e.name)! } : {}), columns, unique: true, constraint: true, at });
    } else if (e.entityType === 'pks') {
      addPrimaryKey(table, columnList(e.columns), str(e.name));
    } else if (e.entityType === 'fks' && str(e.tableTo)) {
      table.foreignKeys.push({ ...(str(e.name) ? { name: str(e.name)! } : {}), columns: columnList(e.columns), table: str(e.tableTo)!, referencedColumns: columnList(e.columnsTo), at });
    }
  }
  return tables;
}

/** The latest snapshot of a drizzle-kit migration set, or undefined when it has none or it cannot be read. */
export function latestSnapshot(model: RepoModel, set: MigrationSet): SnapshotSchema | undefined {
  const path = set.snapshots?.at(-1);
  if (!path) return undefined;
  const snapshot = model.json<Json>(path);
  if (!isObject(snapshot)) return undefined;
  const locate = tableLocator(model, set, path);
  const tables = Array.isArray(snapshot.ddl) ? readDdl(snapshot.ddl, locate) : readTableObjects(snapshot, locate);
  if (tables.size === 0 && !isObject(snapshot.tables) && !Array.isArray(snapshot.ddl)) return undefined;
  return { tables, table: (name) => tables.get(name), issues: [], path };
}
