/**
 * Minimal, private schema extraction for the tenancy rules: the Prisma schema (with relation fields) and replayed SQL
 * migrations (tables, keys, indexes, row-level security, policies). To be merged with `prisma.ts` / `sql-replay.ts`
 * once those land; the tenancy code only depends on the `DatabaseSchema` shape.
 */
import type { Node } from '@pgsql/types';
import type { RepoModel } from '../model.js';
import type { PgFile, PgStatement } from '../parsers/pg.js';
import { parsePg } from '../parsers/pg.js';
import type { PrismaSchema } from '../parsers/prisma.js';
import type { DatabaseSchema, SchemaColumn, SchemaIndex, SchemaTable, SourceRef } from './types.js';
import { nonSchemaPath, upRange } from './source-paths.js';


let lineCache: { text: string; starts: number[] } | undefined;
function lineAt(text: string, offset: number): number {
  if (lineCache?.text !== text) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    lineCache = { text, starts };
  }
  const starts = lineCache.starts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Prisma

type PrismaBlock = PrismaSchema['list'][number];
interface PrismaAttribute {
  type: 'attribute';
  name: string;
  kind: string;
  args?: Array<{ value: unknown }>;
  location?: { startLine?: number; startOffset?: number; endOffset?: number };
}
interface PrismaField {
  type: 'field';
  name: string;
  fieldType: unknown;
  array?: boolean;
  optional?: boolean;
  attributes?: PrismaAttribute[];
  location?: { startLine?: number; startOffset?: number; endOffset?: number };
}

const unquote = (v: unknown): string | undefined => (typeof v === 'string' ? v.replace(/^"(.*)"$/, '$1') : undefined);

function attributeArg(attr: PrismaAttribute, key?: string): unknown {
  for (const a of attr.args ?? []) {
    const v = a.value as { type?: string; key?: string; value?: unknown } | string;
    if (typeof v === 'object' && v?.type === 'keyValue') {
      if (v.key === key) return v.value;
    } else if (key === undefined || key === 'fields' || key === 'name') {
      if (key === 'name' && typeof v === 'string') return v;
      if (key !== 'name') return v;
    }
  }
  return undefined;
}

/** `[a, b(sort: Desc)]` → `['a', 'b']`. */
function fieldList(value: unknown): string[] {
  const v = value as { type?: string; args?: unknown[]; name?: string } | string | undefined;
  if (typeof v === 'string') return [v];
  if (v?.type === 'array') return (v.args ?? []).flatMap((a) => fieldList(a));
  if (v?.type === 'function' && v.name) return [v.name];
  return [];
}

function ref(path: string, loc: { startLine?: number; startOffset?: number; endOffset?: number } | undefined): SourceRef {
  return {
    path,
    line: loc?.startLine ?? 1,
    ...(loc?.startOffset !== undefined ? { start: loc.startOffset } : {}),
    ...(loc?.endOffset !== undefined ? { end: loc.endOffset + 1 } : {}),
  };
}

/**
 * Every Prisma schema of the repository as one DatabaseSchema (a multi-file schema folder is one schema; separate
 * applications rarely reuse a model name, and when they do the first definition wins).
 */
export function prismaSchemas(model: RepoModel): DatabaseSchema | undefined {
  const files = model.find((f) => f.path.endsWith('.prisma') && !nonSchemaPath.test(f.path));
  if (files.length === 0) return undefined;
  const parsed: Array<{ path: string; blocks: PrismaBlock[] }> = [];
  for (const f of files) {
    const result = model.prisma(f.path);
    if (result && 'schema' in result) parsed.push({ path: f.path, blocks: result.schema.list });
  }
  const modelNames = new Set<string>();
  const enumNames = new Set<string>();
  const tableOf = new Map<string, string>();
  const columnOf = new Map<string, Map<string, string>>();
  for (const { blocks } of parsed) {
    for (const b of blocks) {
      if (b.type === 'enum') enumNames.add(b.name);
      if (b.type !== 'model' && b.type !== 'view') continue;
      modelNames.add(b.name);
      const props = (b as { properties: unknown[] }).properties as Array<PrismaField | PrismaAttribute>;
      const map = props.find((p): p is PrismaAttribute => p.type === 'attribute' && p.name === 'map');
      tableOf.set(b.name, unquote(map ? attributeArg(map) : undefined) ?? b.name);
      const columns = new Map<string, string>();
      for (const p of props) {
        if (p.type !== 'field') continue;
        const fm = p.attributes?.find((a) => a.name === 'map');
        columns.set(p.name, unquote(fm ? attributeArg(fm) : undefined) ?? p.name);
      }
      columnOf.set(b.name, columns);
    }
  }
  const tables: SchemaTable[] = [];
  const seen = new Set<string>();
  for (const { path, blocks } of parsed) {
    for (const b of blocks) {
      if ((b.type !== 'model' && b.type !== 'view') || seen.has(b.name)) continue;
      seen.add(b.name);
      const props = (b as { properties: unknown[] }).properties as Array<PrismaField | PrismaAttribute>;
      const cols = columnOf.get(b.name)!;
      const col = (field: string): string => cols.get(field) ?? field;
      const table: SchemaTable = {
        name: tableOf.get(b.name)!,
        model: b.name,
        source: 'prisma',
        columns: [],
        indexes: [],
        foreignKeys: [],
        at: ref(path, (b as { location?: PrismaField['location'] }).location),
      };
      for (const p of props) {
        if (p.type === 'field') {
          const typeName = typeof p.fieldType === 'string' ? p.fieldType : '';
          const relation = p.attributes?.find((a) => a.name === 'relation');
          if (modelNames.has(typeName)) {
            const fields = relation ? fieldList(attributeArg(relation, 'fields')) : [];
            if (fields.length > 0) {
              const target = tableOf.get(typeName) ?? typeName;
              const references = fieldList(attributeArg(relation!, 'references'));
              table.foreignKeys.push({
                columns: fields.map(col),
                table: target,
                referencedColumns: references.map((r) => columnOf.get(typeName)?.get(r) ?? r),
                relation: p.name,
                at: ref(path, p.location),
              });
            }
            continue;
          }
          const column: SchemaColumn = {
            name: col(p.name),
            ...(col(p.name) !== p.name ? { field: p.name } : {}),
            type: typeName || 'unknown',
            nullable: Boolean(p.optional),
            at: ref(path, p.location),
          };
          if (p.attributes?.some((a) => a.name === 'id')) column.primaryKey = true;
          if (p.attributes?.some((a) => a.name === 'unique')) column.unique = true;
          table.columns.push(column);
          if (column.primaryKey) table.primaryKey = { columns: [column.name], at: column.at! };
          if (column.unique) table.indexes.push({ columns: [column.name], unique: true, constraint: true, at: column.at! });
        } else if (p.type === 'attribute' && (p.name === 'index' || p.name === 'unique' || p.name === 'id')) {
          const columns = fieldList(attributeArg(p, 'fields')).map(col);
          if (columns.length === 0) continue;
          const at = ref(path, p.location);
          if (p.name === 'id') table.primaryKey = { columns, at };
          else table.indexes.push({ columns, unique: p.name === 'unique', at });
        }
      }
      tables.push(table);
    }
  }
  const provider = parsed.map((p) => /provider\s*=\s*"(\w+)"/.exec(model.text(p.path)?.match(/datasource\s+\w+\s*\{[^}]*\}/)?.[0] ?? '')?.[1]).find(Boolean);
  const dialect = provider === 'mysql' ? 'mysql' : provider === 'postgresql' || provider === 'postgres' ? 'postgresql' : provider === 'sqlite' ? 'sqlite' : undefined;
  return { source: 'prisma', tables, enums: [], files: parsed.map((p) => p.path), ...(dialect ? { dialect } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// SQL migrations

/** SQL files that describe the schema: migrations and schema dumps, in the order a migration tool applies them. */
export function schemaSqlFiles(model: RepoModel): string[] {
  return model
    .find((f) => /\.sql$/i.test(f.path) && !nonSchemaPath.test(f.path) && !/clickhouse/i.test(f.path) && !/(?:^|[._/-])(?:down|rollback|revert|undo)(?:\.sql$|\/)/i.test(f.path) && !/(?:^|\/)seeds?(?:[._/-])/i.test(f.path))
    .map((f) => f.path)
    .sort((a, b) => naturalCollator.compare(a, b));
}
const naturalCollator = new Intl.Collator('en', { numeric: true });

type Json = Record<string, unknown>;
const sval = (n: unknown): string | undefined => ((n as { String?: { sval?: string } })?.String?.sval);

export function tableName(rel: { schemaname?: string; relname?: string } | undefined): string | undefined {
  if (!rel?.relname) return undefined;
  return rel.schemaname && rel.schemaname !== 'public' ? `${rel.schemaname}.${rel.relname}` : rel.relname;
}

/** Table identity across sources: case-insensitive, `public.` dropped. */
export function tableKey(name: string): string {
  return name.replace(/^public\./i, '').replace(/"/g, '').toLowerCase();
}

function typeOf(typeName: Json | undefined): string {
  const names = ((typeName?.names as unknown[]) ?? []).map(sval).filter((n): n is string => !!n && n !== 'pg_catalog');
  return names.join('.').toLowerCase() || 'unknown';
}

class SqlReplay {
  readonly tables = new Map<string, SchemaTable>();
  private readonly indexOwner = new Map<string, string>();

  get(name: string | undefined): SchemaTable | undefined {
    return name === undefined ? undefined : this.tables.get(tableKey(name));
  }

  /** RLS statements may target a table another tool created (Prisma `db push`, an ORM's sync): keep what they say. */
  private getOrStub(name: string | undefined, at: SourceRef): SchemaTable | undefined {
    if (name === undefined) return undefined;
    let table = this.get(name);
    if (!table) this.tables.set(tableKey(name), (table = { name, source: 'sql', columns: [], indexes: [], foreignKeys: [], at }));
    return table;
  }

  private column(table: SchemaTable, def: Json, at: SourceRef): void {
    const name = def.colname as string;
    const constraints = ((def.constraints as Json[]) ?? []).map((c) => c.Constraint as Json);
    const column: SchemaColumn = {
      name,
      type: typeOf(def.typeName as Json),
      nullable: !constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'),
      at,
    };
    table.columns = table.columns.filter((c) => c.name !== name);
    table.columns.push(column);
    for (const c of constraints) {
      if (c.contype === 'CONSTR_PRIMARY') {
        column.primaryKey = true;
        table.primaryKey = { columns: [name], at };
      } else if (c.contype === 'CONSTR_UNIQUE') {
        column.unique = true;
        table.indexes.push({ columns: [name], unique: true, constraint: true, at });
      } else if (c.contype === 'CONSTR_FOREIGN') {
        const target = tableName(c.pktable as Json);
        if (target) table.foreignKeys.push({ columns: [name], table: target, referencedColumns: ((c.pk_attrs as unknown[]) ?? []).map(sval).filter((s): s is string => !!s), at });
      }
    }
  }

  private constraint(table: SchemaTable, c: Json, at: SourceRef): void {
    const keys = ((c.keys as unknown[]) ?? []).map(sval).filter((s): s is string => !!s);
    if (c.contype === 'CONSTR_PRIMARY' && keys.length) {
      table.primaryKey = { columns: keys, at };
      for (const col of table.columns) if (keys.includes(col.name)) col.primaryKey = true;
    } else if (c.contype === 'CONSTR_UNIQUE' && keys.length) {
      table.indexes.push({ ...(typeof c.conname === 'string' ? { name: c.conname } : {}), columns: keys, unique: true, constraint: true, at });
    } else if (c.contype === 'CONSTR_FOREIGN') {
      const target = tableName(c.pktable as Json);
      const columns = ((c.fk_attrs as unknown[]) ?? []).map(sval).filter((s): s is string => !!s);
      if (target && columns.length)
        table.foreignKeys.push({
          ...(typeof c.conname === 'string' ? { name: c.conname } : {}),
          columns,
          table: target,
          referencedColumns: ((c.pk_attrs as unknown[]) ?? []).map(sval).filter((s): s is string => !!s),
          at,
        });
    }
  }

  apply(node: Node, at: SourceRef): void {
    const [kind, body] = Object.entries(node as Json)[0] as [string, Json];
    switch (kind) {
      case 'CreateStmt': {
        const name = tableName(body.relation as Json);
        if (!name) return;
        if (body.if_not_exists && this.get(name)) return;
        const table: SchemaTable = { name, source: 'sql', columns: [], indexes: [], foreignKeys: [], at };
        this.tables.set(tableKey(name), table);
        for (const elt of (body.tableElts as Json[]) ?? []) {
          if (elt.ColumnDef) this.column(table, elt.ColumnDef as Json, at);
          else if (elt.Constraint) this.constraint(table, elt.Constraint as Json, at);
        }
        return;
      }
      case 'AlterTableStmt': {
        const security = ((body.cmds as Json[]) ?? []).some((c) => /RowSecurity$/.test(String((c.AlterTableCmd as Json)?.subtype)));
        const name = tableName(body.relation as Json);
        const table = security ? this.getOrStub(name, at) : this.get(name);
        if (!table) return;
        for (const raw of (body.cmds as Json[]) ?? []) {
          const cmd = raw.AlterTableCmd as Json;
          switch (cmd.subtype) {
            case 'AT_AddColumn':
              if ((cmd.def as Json)?.ColumnDef) this.column(table, (cmd.def as Json).ColumnDef as Json, at);
              break;
            case 'AT_DropColumn':
              table.columns = table.columns.filter((c) => c.name !== cmd.name);
              table.indexes = table.indexes.filter((i) => !i.columns.includes(cmd.name as string));
              table.foreignKeys = table.foreignKeys.filter((f) => !f.columns.includes(cmd.name as string));
              break;
            case 'AT_AddConstraint':
              if ((cmd.def as Json)?.Constraint) this.constraint(table, (cmd.def as Json).Constraint as Json, at);
              break;
            case 'AT_DropConstraint':
              table.indexes = table.indexes.filter((i) => i.name !== cmd.name);
              table.foreignKeys = table.foreignKeys.filter((f) => f.name !== cmd.name);
              break;
            case 'AT_EnableRowSecurity':
              table.rls = { enabled: true, forced: table.rls?.forced ?? false, policies: table.rls?.policies ?? [] };
              break;
            case 'AT_DisableRowSecurity':
              table.rls = { enabled: false, forced: table.rls?.forced ?? false, policies: table.rls?.policies ?? [] };
              break;
            case 'AT_ForceRowSecurity':
              table.rls = { enabled: table.rls?.enabled ?? false, forced: true, policies: table.rls?.policies ?? [] };
              break;
            case 'AT_NoForceRowSecurity':
              table.rls = { enabled: table.rls?.enabled ?? false, forced: false, policies: table.rls?.policies ?? [] };
              break;
          }
        }
        return;
      }
      case 'IndexStmt': {
        const table = this.get(tableName(body.relation as Json));
        if (!table) return;
        const columns = ((body.indexParams as Json[]) ?? []).map((p) => {
          const elem = p.IndexElem as Json;
          return typeof elem.name === 'string' ? elem.name : '(expression)';
        });
        const index: SchemaIndex = { ...(typeof body.idxname === 'string' ? { name: body.idxname } : {}), columns, unique: Boolean(body.unique), at };
        if (body.primary) table.primaryKey = { columns, at };
        else table.indexes.push(index);
        if (index.name) this.indexOwner.set(index.name.toLowerCase(), tableKey(table.name));
        return;
      }
      case 'CreatePolicyStmt': {
        const table = this.getOrStub(tableName(body.table as Json), at);
        if (!table) return;
        const rls = (table.rls ??= { enabled: false, forced: false, policies: [] });
        rls.policies.push(String(body.policy_name));
        return;
      }
      case 'RenameStmt': {
        const table = this.get(tableName(body.relation as Json));
        if (!table) return;
        if (body.renameType === 'OBJECT_TABLE' && typeof body.newname === 'string') {
          this.tables.delete(tableKey(table.name));
          const schema = table.name.includes('.') ? table.name.slice(0, table.name.indexOf('.') + 1) : '';
          table.name = schema + body.newname;
          this.tables.set(tableKey(table.name), table);
        } else if (body.renameType === 'OBJECT_COLUMN' && typeof body.subname === 'string' && typeof body.newname === 'string') {
          const from = body.subname;
          const to = body.newname;
          for (const c of table.columns) if (c.name === from) c.name = to;
          for (const i of table.indexes) i.columns = i.columns.map((c) => (c === from ? to : c));
          for (const f of table.foreignKeys) f.columns = f.columns.map((c) => (c === from ? to : c));
          if (table.primaryKey) table.primaryKey.columns = table.primaryKey.columns.map((c) => (c === from ? to : c));
        }
        return;
      }
      case 'DropStmt': {
        for (const obj of (body.objects as Json[]) ?? []) {
          const parts = (((obj.List as Json)?.items as unknown[]) ?? []).map(sval).filter((s): s is string => !!s);
          const name = parts.length === 2 && parts[0] !== 'public' ? parts.join('.') : parts.at(-1);
          if (!name) continue;
          if (body.removeType === 'OBJECT_TABLE') this.tables.delete(tableKey(name));
          else if (body.removeType === 'OBJECT_INDEX') {
            const owner = this.tables.get(this.indexOwner.get(name.toLowerCase()) ?? '');
            if (owner) owner.indexes = owner.indexes.filter((i) => i.name?.toLowerCase() !== name.toLowerCase());
          } else if (body.removeType === 'OBJECT_POLICY') {
            // DROP POLICY p ON t: the list is [t, p] (or [schema, t, p]).
            const table = this.get(parts.slice(0, -1).join('.'));
            if (table?.rls) table.rls.policies = table.rls.policies.filter((p) => p !== parts.at(-1));
          }
        }
        return;
      }
    }
  }
}

/** Makes MySQL DDL palatable to PostgreSQL's parser: backticks, inline KEY clauses and table options. */
function mysqlToPg(sql: string): string {
  return sql
    .replace(/`/g, '"')
    .replace(/,\s*(?:UNIQUE\s+)?(?:KEY|INDEX)\s+"[^"]*"\s*\([^)]*\)(?:\s+USING\s+\w+)?/gi, '')
    .replace(/\)\s*(?:ENGINE|DEFAULT\s+CHARSET|CHARSET|COLLATE|AUTO_INCREMENT|ROW_FORMAT)\b[^;]*$/i, ')')
    .replace(/\b(?:AUTO_INCREMENT|UNSIGNED|ON UPDATE CURRENT_TIMESTAMP(?:\(\d*\))?)\b/gi, '')
    .replace(/\bCHARACTER SET \w+|\bCOLLATE \w+/gi, '')
    .replace(/\bdatetime\b(\(\d+\))?/gi, 'timestamp$1')
    .replace(/\b(?:tiny|medium|long)(?:text|blob)\b/gi, 'text')
    .replace(/\benum\s*\([^)]*\)/gi, 'text');
}

/** MySQL inline `KEY name (cols)` clauses of a CREATE TABLE, which the PostgreSQL parser cannot take. */
function mysqlInlineIndexes(sql: string): Array<{ name: string; columns: string[]; unique: boolean }> {
  const out: Array<{ name: string; columns: string[]; unique: boolean }> = [];
  for (const m of sql.matchAll(/(?:^|,)\s*(UNIQUE\s+)?(?:KEY|INDEX)\s+`?([\w$]+)`?\s*\(([^)]*)\)/gi)) {
    out.push({ name: m[2]!, unique: Boolean(m[1]), columns: m[3]!.split(',').map((c) => c.trim().replace(/[`"]/g, '').replace(/\(\d+\)$/, '')) });
  }
  return out;
}

/** Where statements of `text` sit in their file: SQL files map one to one, SQL in a code string is shifted. */
interface Placement {
  fileText: string;
  offset: number;
}

async function replayInto(replay: SqlReplay, path: string, text: string, placement: Placement = { fileText: text, offset: 0 }, parsed?: PgFile): Promise<void> {
  const file = parsed ?? (await parsePg(text));
  const items: Array<{ node: Node; start: number }> = file.statements.map((s: PgStatement) => ({ node: s.node, start: s.start }));
  const extras: Array<{ table: string; start: number; indexes: ReturnType<typeof mysqlInlineIndexes> }> = [];
  for (const error of file.errors) {
    const source = text.slice(error.start, error.end);
    // ClickHouse tables (analytics stores keyed by their ORDER BY) are no part of the transactional schema.
    if (!/^\s*(?:CREATE|ALTER)\s/i.test(source) || /\bENGINE\s*=\s*\w*(?:MergeTree|Log|Memory|Distributed|Kafka|Null|Buffer)\b/i.test(source)) continue;
    const retry = await parsePg(mysqlToPg(source));
    for (const s of retry.statements) {
      items.push({ node: s.node, start: error.start });
      const create = (s.node as Json).CreateStmt as Json | undefined;
      const name = create ? tableName(create.relation as Json) : undefined;
      if (name) extras.push({ table: name, start: error.start, indexes: mysqlInlineIndexes(source) });
    }
  }
  items.sort((a, b) => a.start - b.start);
  const atOf = (start: number): SourceRef => {
    const offset = placement.offset + start;
    return { path, line: lineAt(placement.fileText, offset), start: offset };
  };
  for (const item of items) {
    const at = atOf(item.start);
    replay.apply(item.node, at);
    for (const extra of extras.filter((e) => e.start === item.start)) {
      const table = replay.get(extra.table);
      for (const i of extra.indexes) table?.indexes.push({ name: i.name, columns: i.columns, unique: i.unique, at });
    }
  }
}

/** SQL statements held in strings of code migrations (TypeORM `queryRunner.query`, knex `raw`, MikroORM `addSql`). */
function sqlInCodeMigration(fileText: string): Array<{ sql: string; start: number }> {
  const range = upRange(fileText);
  const text = fileText.slice(0, range.end);
  const out: Array<{ sql: string; start: number }> = [];
  const pattern = /\b(?:query|raw|addSql|execute|sql)\s*\(\s*(`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/g;
  for (const m of text.matchAll(pattern)) {
    const literal = m[1]!;
    if (literal.startsWith('`') && literal.includes('${')) continue;
    const sql = literal.slice(1, -1).replace(/\\(["'`\\])/g, '$1');
    if (m.index >= range.start && /^\s*(?:CREATE|ALTER|DROP)\s/i.test(sql)) out.push({ sql, start: m.index + m[0].indexOf(literal) + 1 });
  }
  return out;
}

const codeMigrationPath = /(?:^|\/)migrations?\/[^/]*\.(?:[cm]?[jt]s)$/i;

/**
 * Row-level security switched on for tables named at run time: a template applied to every table
 * (`alter table ${name} enable row level security`), or a loop (`EXECUTE format('ALTER TABLE %I ENABLE ...', t)`).
 */
export interface GenericRls {
  path: string;
  line: number;
  forced: boolean;
  policy: boolean;
}

const genericRlsPattern = /\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(?:\$\{[^}]+\}|\{\{[^}]+\}\}|%[Is]|:\w+|'\s*\|\||"?\$\w+"?)\S*\s+(enable|force)\s+row\s+level\s+security/gi;

function genericRlsIn(path: string, text: string): GenericRls | undefined {
  let found: GenericRls | undefined;
  for (const m of text.matchAll(genericRlsPattern)) {
    found ??= { path, line: lineAt(text, m.index), forced: false, policy: /\bcreate\s+policy\b/i.test(text) };
    if (m[1]!.toLowerCase() === 'force') found.forced = true;
  }
  return found;
}

export interface SqlSource {
  schema?: DatabaseSchema;
  genericRls?: GenericRls;
}

/** Replays SQL migrations (files, and SQL strings of code migrations) into one schema. */
export async function sqlSchemas(model: RepoModel): Promise<SqlSource> {
  const files = schemaSqlFiles(model);
  const code = model
    .find((f) => codeMigrationPath.test(f.path) && !nonSchemaPath.test(f.path))
    .map((f) => f.path)
    .filter((p) => /\b(?:CREATE|ALTER)\s+(?:TABLE|INDEX|UNIQUE|POLICY)/i.test(model.text(p) ?? ''));
  if (files.length === 0 && code.length === 0) return {};
  const replay = new SqlReplay();
  let genericRls: GenericRls | undefined;
  const ordered = [...files, ...code].sort((a, b) => naturalCollator.compare(a.slice(a.lastIndexOf('/') + 1), b.slice(b.lastIndexOf('/') + 1)) || naturalCollator.compare(a, b));
  for (const path of ordered) {
    const text = model.text(path) ?? '';
    if (/row\s+level\s+security/i.test(text)) genericRls ??= genericRlsIn(path, text);
    if (path.endsWith('.sql')) await replayInto(replay, path, text, undefined, await model.pg(path));
    else for (const piece of sqlInCodeMigration(text)) await replayInto(replay, path, piece.sql, { fileText: text, offset: piece.start });
  }
  return { schema: { source: 'sql', tables: [...replay.tables.values()], enums: [], files: ordered }, ...(genericRls ? { genericRls } : {}) };
}
