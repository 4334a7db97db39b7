import type { Attribute, BlockAttribute, Enum, Field, Model, Value } from '@mrleebo/prisma-ast';
import type { RepoModel } from '../model.js';
import { parsePrisma } from '../parsers/prisma.js';
import type { DatabaseSchema, SchemaColumn, SchemaEnum, SchemaIndex, SchemaTable, SourceIssue, SourceRef, SqlDialect } from './types.js';

/** One Prisma schema: a `schema.prisma` file, or the files of a multi-file schema folder. */
export interface PrismaSchemaInfo {
  /** The schema file, or the folder of a multi-file schema. */
  root: string;
  files: string[];
  schema: DatabaseSchema;
  /** `relationMode = "prisma"`: relations are emulated by the client and no foreign key exists in the database. */
  emulatedRelations: boolean;
  /** The migrations folder Prisma Migrate uses for this schema (whether or not it exists). */
  migrationsDir: string;
  /** Database schemas Prisma Migrate manages: the datasource's `schemas`, or just `public`. */
  schemas: string[];
}

const scalarTypes = new Set(['String', 'Int', 'BigInt', 'Float', 'Decimal', 'Boolean', 'DateTime', 'Json', 'Bytes']);
const testPath = /(?:^|\/)(?:test|tests|__tests__|__fixtures__|fixtures|testdata|__mocks__)\//i;

function unquote(value: unknown): string | undefined {
  return typeof value === 'string' && /^".*"$/s.test(value) ? JSON.parse(value.replace(/\n/g, '\\n')) as string : undefined;
}

function attrs(field: Field): Attribute[] {
  return field.attributes ?? [];
}

function attr(field: Field, name: string, group?: string): Attribute | undefined {
  return attrs(field).find((a) => a.name === name && a.group === group);
}

function args(a: { args?: Array<{ value: unknown }> } | undefined): unknown[] {
  return (a?.args ?? []).map((x) => x.value);
}

function keyed(a: { args?: Array<{ value: unknown }> } | undefined, key: string): unknown {
  for (const v of args(a)) if (v && typeof v === 'object' && (v as { type?: string }).type === 'keyValue' && (v as { key: string }).key === key) return (v as { value: unknown }).value;
  return undefined;
}

function positional(a: { args?: Array<{ value: unknown }> } | undefined, index = 0): unknown {
  return args(a).filter((v) => !(v && typeof v === 'object' && (v as { type?: string }).type === 'keyValue'))[index];
}

/** The field named by one list item: `a`, or `a(sort: Desc, ops: ...)`. */
function fieldName(value: unknown): string | undefined {
  if (typeof value === 'string') return unquote(value) === undefined ? value : undefined;
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'function') return String((value as { name: unknown }).name);
  return undefined;
}

/**
 * Field names of a field-list argument: `[a, b(sort: Desc)]`, or a single field written without brackets (`a`,
 * `a(sort: Desc)`), which Prisma reads as a list of one.
 */
function fieldList(value: unknown): string[] {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'array') {
    return ((value as { args?: unknown[] }).args ?? []).map((v) => fieldName(v) ?? '?');
  }
  const single = fieldName(value);
  return single === undefined ? [] : [single];
}

function qualify(schema: string | undefined, name: string): string {
  return schema && schema !== 'public' ? `${schema}.${name}` : name;
}

/** The SQL type Prisma Migrate creates on PostgreSQL for a scalar type and its `@db.*` native type. */
export function prismaSqlType(type: string, native: { name: string; args: string[] } | undefined): string {
  if (native) {
    const n = native.name.toLowerCase();
    const a = native.args.length ? `(${native.args.join(',')})` : '';
    const map: Record<string, string> = {
      varchar: `varchar${a}`,
      char: `char${a || '(1)'}`,
      text: 'text',
      uuid: 'uuid',
      xml: 'xml',
      inet: 'inet',
      citext: 'citext',
      bit: `bit${a || '(1)'}`,
      varbit: `varbit${a}`,
      smallint: 'smallint',
      integer: 'integer',
      oid: 'oid',
      bigint: 'bigint',
      real: 'real',
      doubleprecision: 'double precision',
      decimal: `numeric${a || '(65,30)'}`,
      money: 'money',
      timestamp: `timestamp${a || '(6)'}`,
      timestamptz: `timestamptz${a || '(6)'}`,
      date: 'date',
      time: `time${a || '(6)'}`,
      timetz: `timetz${a || '(6)'}`,
      boolean: 'boolean',
      json: 'json',
      jsonb: 'jsonb',
      bytea: 'bytea',
    };
    return map[n] ?? `${n}${a}`;
  }
  const base: Record<string, string> = {
    String: 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Float: 'double precision',
    Decimal: 'numeric(65,30)',
    Boolean: 'boolean',
    DateTime: 'timestamp(3)',
    Json: 'jsonb',
    Bytes: 'bytea',
  };
  return base[type] ?? type;
}

function renderValue(value: Value | unknown, enumValues?: Map<string, string>): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    const s = unquote(value);
    if (s !== undefined) return `'${s.replace(/'/g, "''")}'`;
    if (/^-?\d+(?:\.\d+)?$/.test(value)) return value;
    if (value === 'true' || value === 'false') return value;
    return `'${enumValues?.get(value) ?? value}'`;
  }
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'array') {
    const items = ((value as { args?: unknown[] }).args ?? []).map((v) => renderValue(v, enumValues));
    return `[${items.join(', ')}]`;
  }
  return undefined;
}

/** A field's default as the database sees it; undefined for client-side defaults (`uuid()`, `cuid()`, `@updatedAt`). */
function prismaDefault(field: Field, enumValues?: Map<string, string>): { text?: string; generated?: boolean } {
  const d = attr(field, 'default');
  if (!d) return {};
  const value = positional(d);
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'function') {
    const fn = value as { name: string; params?: unknown[] };
    switch (fn.name) {
      case 'autoincrement':
      case 'sequence':
        return { text: 'autoincrement()', generated: true };
      case 'now':
        return { text: 'now()' };
      case 'dbgenerated': {
        const expr = unquote(fn.params?.[0]);
        return expr === undefined ? {} : { text: `dbgenerated(${expr})` };
      }
      default:
        return {};
    }
  }
  const text = renderValue(value, enumValues);
  return text === undefined ? {} : { text };
}

interface ParsedFile {
  path: string;
  models: Model[];
  enums: Enum[];
  provider?: SqlDialect;
  relationMode?: string;
  schemas?: string[];
}

function refOf(path: string, location: { startLine?: number; startOffset?: number; endOffset?: number } | undefined): SourceRef {
  return { path, line: location?.startLine ?? 1, ...(location?.startOffset !== undefined ? { start: location.startOffset, end: (location.endOffset ?? location.startOffset) + 1 } : {}) };
}

function providerOf(value: unknown): SqlDialect | undefined {
  const p = unquote(value);
  if (p === undefined) return undefined;
  return p === 'postgresql' || p === 'postgres' ? 'postgresql' : p === 'mysql' ? 'mysql' : p === 'sqlite' ? 'sqlite' : p === 'sqlserver' ? 'sqlserver' : p === 'cockroachdb' ? 'cockroachdb' : 'unknown';
}

/** Builds the database schema Prisma Migrate would create for a set of parsed schema files. */
function buildSchema(files: ParsedFile[]): { schema: DatabaseSchema; emulatedRelations: boolean } {
  const models = files.flatMap((f) => f.models.map((m) => ({ model: m, path: f.path })));
  const enums = files.flatMap((f) => f.enums.map((e) => ({ enum: e, path: f.path })));
  const provider = files.map((f) => f.provider).find((p) => p !== undefined);
  const emulatedRelations = files.some((f) => f.relationMode === 'prisma');
  const blockAttr = (m: { properties: unknown[] }, name: string): BlockAttribute[] =>
    m.properties.filter((p): p is BlockAttribute => (p as { type?: string }).type === 'attribute' && (p as BlockAttribute).name === name);
  const dbName = (m: { properties?: unknown[]; enumerators?: unknown[] }, fallback: string): string => {
    const list = (m.properties ?? m.enumerators ?? []) as BlockAttribute[];
    const map = list.find((p) => p.type === 'attribute' && p.name === 'map');
    const schema = list.find((p) => p.type === 'attribute' && p.name === 'schema');
    return qualify(unquote(positional(schema)), unquote(positional(map)) ?? fallback);
  };

  const enumInfo = new Map<string, { db: string; values: Map<string, string> }>();
  const schemaEnums: SchemaEnum[] = enums.map(({ enum: e, path }) => {
    const values = new Map<string, string>();
    const valueAt: Record<string, SourceRef> = {};
    for (const v of e.enumerators) {
      if ((v as { type?: string }).type !== 'enumerator') continue;
      const en = v as { name: string; attributes?: Attribute[]; location?: { startLine?: number; startOffset?: number; endOffset?: number } };
      const mapped = unquote(positional(en.attributes?.find((a) => a.name === 'map'))) ?? en.name;
      values.set(en.name, mapped);
      valueAt[mapped] = refOf(path, en.location);
    }
    const db = dbName(e as unknown as { enumerators: unknown[] }, e.name);
    enumInfo.set(e.name, { db, values });
    return { name: db, values: [...values.values()], valueAt, at: refOf(path, e.location) };
  });

  const modelNames = new Set(models.map((m) => m.model.name));
  const tableOf = new Map<string, string>();
  const columnOf = new Map<string, Map<string, string>>();
  for (const { model } of models) {
    tableOf.set(model.name, dbName(model, model.name));
    const cols = new Map<string, string>();
    for (const p of model.properties) {
      if ((p as { type?: string }).type !== 'field') continue;
      const f = p as Field;
      cols.set(f.name, unquote(positional(attr(f, 'map'))) ?? f.name);
    }
    columnOf.set(model.name, cols);
  }
  const mapColumns = (model: string, fields: string[]): string[] => fields.map((f) => columnOf.get(model)?.get(f) ?? f);

  const tables: SchemaTable[] = [];
  const listRelations: Array<{ model: string; field: Field; target: string; relationName?: string }> = [];
  for (const { model, path } of models) {
    const table = tableOf.get(model.name)!;
    const bare = table.includes('.') ? table.slice(table.indexOf('.') + 1) : table;
    const t: SchemaTable = { name: table, model: model.name, source: 'prisma', columns: [], indexes: [], foreignKeys: [], at: refOf(path, model.location) };
    for (const p of model.properties) {
      if ((p as { type?: string }).type !== 'field') continue;
      const f = p as Field;
      const type = typeof f.fieldType === 'string' ? f.fieldType : f.fieldType.name;
      const at = refOf(path, f.location);
      if (modelNames.has(type)) {
        const relation = attr(f, 'relation');
        const fields = fieldList(keyed(relation, 'fields'));
        const relationName = unquote(positional(relation)) ?? unquote(keyed(relation, 'name'));
        if (fields.length) {
          const references = fieldList(keyed(relation, 'references'));
          const explicit = keyed(relation, 'onDelete');
          const optional = f.optional === true || fields.some((name) => model.properties.some((q) => (q as Field).type === 'field' && (q as Field).name === name && (q as Field).optional));
          const onDelete = typeof explicit === 'string' ? explicit.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() : optional ? 'SET NULL' : 'RESTRICT';
          const columns = mapColumns(model.name, fields);
          t.foreignKeys.push({
            name: unquote(keyed(relation, 'map')) ?? `${bare}_${columns.join('_')}_fkey`.slice(0, 63),
            columns,
            table: tableOf.get(type) ?? type,
            referencedColumns: mapColumns(type, references),
            onDelete,
            relation: f.name,
            at,
          });
        } else if (f.array) {
          listRelations.push({ model: model.name, field: f, target: type, ...(relationName ? { relationName } : {}) });
        }
        continue;
      }
      const e = enumInfo.get(type);
      if (!scalarTypes.has(type) && !e && type !== 'Unsupported') continue; // composite types (MongoDB)
      const native = attrs(f).find((a) => a.group === 'db');
      const nativeArgs = args(native).map((v) => String(v).replace(/^"|"$/g, ''));
      let sqlType = type === 'Unsupported' ? (unquote((f.fieldType as { params?: unknown[] }).params?.[0]) ?? 'unsupported').toLowerCase() : e ? e.db : prismaSqlType(type, native ? { name: native.name, args: nativeArgs } : undefined);
      if (f.array) sqlType += '[]';
      const column: SchemaColumn = { name: columnOf.get(model.name)!.get(f.name)!, type: sqlType, nullable: f.optional === true, at };
      if (column.name !== f.name) column.field = f.name;
      const def = prismaDefault(f, e?.values);
      if (def.text !== undefined) column.default = def.text;
      if (def.generated) column.generated = true;
      const id = attr(f, 'id');
      if (id) {
        column.primaryKey = true;
        t.primaryKey = { name: unquote(keyed(id, 'map')) ?? `${bare}_pkey`, columns: [column.name], at };
      }
      const unique = attr(f, 'unique');
      if (unique) {
        column.unique = true;
        t.indexes.push({ name: unquote(keyed(unique, 'map')) ?? `${bare}_${column.name}_key`.slice(0, 63), columns: [column.name], unique: true, at: refOf(path, unique.location) });
      }
      t.columns.push(column);
    }
    for (const a of blockAttr(model, 'id')) {
      const columns = mapColumns(model.name, fieldList(keyed(a, 'fields') ?? positional(a)));
      t.primaryKey = { name: unquote(keyed(a, 'map')) ?? `${bare}_pkey`, columns, at: refOf(path, a.location) };
      for (const c of t.columns) if (columns.includes(c.name)) c.primaryKey = true;
    }
    for (const kind of ['unique', 'index'] as const) {
      for (const a of blockAttr(model, kind)) {
        const columns = mapColumns(model.name, fieldList(keyed(a, 'fields') ?? positional(a)));
        const index: SchemaIndex = {
          name: unquote(keyed(a, 'map')) ?? (kind === 'index' ? unquote(keyed(a, 'name')) : undefined) ?? `${bare}_${columns.join('_')}_${kind === 'unique' ? 'key' : 'idx'}`.slice(0, 63),
          columns,
          unique: kind === 'unique',
          at: refOf(path, a.location),
        };
        t.indexes.push(index);
      }
    }
    tables.push(t);
  }

  // Implicit many-to-many relations: Prisma creates a `_<Relation>` join table with columns A and B.
  const seen = new Set<string>();
  for (const r of listRelations) {
    const other = listRelations.find((o) => o !== r && o.model === r.target && o.target === r.model && o.relationName === r.relationName);
    if (!other) continue;
    const [first, second] = [r.model, r.target].sort();
    const name = `_${r.relationName ?? `${first}To${second}`}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const idOf = (model: string): SchemaColumn | undefined => tables.find((t) => t.model === model)?.columns.find((c) => c.primaryKey);
    const a = idOf(first!);
    const b = idOf(second!);
    const at = r.field.location ? refOf(models.find((m) => m.model.name === r.model)!.path, r.field.location) : tables.find((t) => t.model === r.model)!.at;
    tables.push({
      name,
      source: 'prisma',
      implicit: true,
      columns: [
        { name: 'A', type: a?.type ?? 'text', nullable: false, at },
        { name: 'B', type: b?.type ?? 'text', nullable: false, at },
      ],
      indexes: [{ name: `${name}_B_index`, columns: ['B'], unique: false, at }],
      foreignKeys: [
        { name: `${name}_A_fkey`, columns: ['A'], table: tableOf.get(first!)!, referencedColumns: a ? [a.name] : [], onDelete: 'CASCADE', at },
        { name: `${name}_B_fkey`, columns: ['B'], table: tableOf.get(second!)!, referencedColumns: b ? [b.name] : [], onDelete: 'CASCADE', at },
      ],
      at,
    });
  }

  const schema: DatabaseSchema = { source: 'prisma', tables, enums: schemaEnums, files: files.map((f) => f.path) };
  if (provider) schema.dialect = provider;
  return { schema, emulatedRelations };
}

/** Prisma accepts `/* *\/` comments that prisma-ast does not: they are blanked (newlines kept) before parsing. */
function parseText(model: RepoModel, path: string): ReturnType<typeof parsePrisma> | undefined {
  const text = model.text(path);
  if (text === undefined) return undefined;
  if (!text.includes('/*')) return model.prisma(path);
  return parsePrisma(text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')));
}

function parseFile(model: RepoModel, path: string, issues: SourceIssue[]): ParsedFile | undefined {
  const parsed = parseText(model, path);
  if (!parsed) return undefined;
  if ('error' in parsed) {
    issues.push({ at: { path, line: 1 }, message: parsed.error });
    return undefined;
  }
  const file: ParsedFile = { path, models: [], enums: [] };
  for (const block of parsed.schema.list) {
    if (block.type === 'model') file.models.push(block);
    else if (block.type === 'enum') file.enums.push(block);
    else if (block.type === 'datasource') {
      for (const a of block.assignments) {
        if (a.type !== 'assignment') continue;
        if (a.key === 'provider') {
          const p = providerOf(a.value);
          if (p) file.provider = p;
        }
        if (a.key === 'relationMode' || a.key === 'referentialIntegrity') file.relationMode = unquote(a.value) ?? '';
        if (a.key === 'schemas' && a.value && typeof a.value === 'object' && (a.value as { type?: string }).type === 'array') {
          file.schemas = ((a.value as { args?: unknown[] }).args ?? []).map(unquote).filter((v): v is string => v !== undefined);
        }
      }
    }
  }
  return file;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

function within(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

const infoCache = new WeakMap<RepoModel, PrismaSchemaInfo[]>();

/**
 * Every Prisma schema of the repository with the schema Prisma Migrate would build from it (PostgreSQL types), its
 * files and where its migrations live. A multi-file schema (`prismaSchemaFolder`: every `.prisma` file of a folder
 * such as `prisma/schema/`) is one entry.
 */
export function prismaSchemas(model: RepoModel): PrismaSchemaInfo[] {
  const cached = infoCache.get(model);
  if (cached) return cached;
  const files = model.find((f) => f.path.endsWith('.prisma') && !testPath.test(f.path)).map((f) => f.path);
  // A multi-file schema is the folder of the file with the datasource, sub-folders included; other files stand alone.
  const datasourceDirs = files.filter((p) => /^\s*datasource\s+\w+\s*\{/m.test(model.text(p) ?? '')).map(dirOf);
  const groups = new Map<string, string[]>();
  for (const path of files) {
    const dir = dirOf(path);
    const owner = datasourceDirs
      .filter((d) => d === dir || (/(?:^|\/)(?:prisma|schema|schemas)$/.test(d) && dir.startsWith(`${d}/`)))
      .sort((a, b) => b.length - a.length)[0];
    // A datasource folder owns the files below it only when they have no datasource of their own.
    const key = owner !== undefined && (owner === dir || !datasourceDirs.includes(dir)) ? owner : dir;
    groups.set(key, [...(groups.get(key) ?? []), path]);
  }
  const out: PrismaSchemaInfo[] = [];
  for (const [dir, paths] of groups) {
    const issues: SourceIssue[] = [];
    const parsed = paths.map((p) => parseFile(model, p, issues)).filter((p): p is ParsedFile => p !== undefined);
    // Several complete schemas in one folder (e.g. schema.prisma and schema.test.prisma) are separate schemas.
    const withDatasource = parsed.filter((p) => p.provider !== undefined);
    const units = withDatasource.length > 1 && parsed.every((p) => p.models.length === 0 || p.provider !== undefined) ? withDatasource.map((p) => [p]) : [parsed];
    for (const unit of units) {
      if (!unit.some((p) => p.models.length || p.enums.length)) continue;
      const { schema, emulatedRelations } = buildSchema(unit);
      if (issues.length) schema.issues = issues;
      const datasourceFile = unit.find((p) => p.provider !== undefined)?.path ?? unit[0]!.path;
      const root = unit.length > 1 ? dir : unit[0]!.path;
      const migrationsDir = [within(dirOf(datasourceFile), 'migrations'), within(dir, 'migrations'), within(dirOf(dir), 'migrations')].find((m) =>
        model.files.some((f) => f.path.startsWith(`${m}/`) && f.path.endsWith('/migration.sql')),
      ) ?? within(dirOf(datasourceFile), 'migrations');
      const schemas = unit.find((p) => p.schemas !== undefined)?.schemas ?? ['public'];
      out.push({ root, files: unit.map((p) => p.path), schema, emulatedRelations, migrationsDir, schemas });
    }
  }
  infoCache.set(model, out);
  return out;
}

/**
 * The database schema a repository's Prisma schema describes: tables with their `@@map` names, columns with `@map`
 * names and the PostgreSQL types Prisma Migrate uses (`String` → `text`, `DateTime` → `timestamp(3)`, `@db.*` native
 * types), optionality, database defaults, enums, `@id`/`@@id`, `@unique`/`@@unique`, `@@index`, relations as foreign
 * keys, and implicit many-to-many join tables (`implicit: true`). Multi-file schemas (`prisma/schema/*.prisma`) are
 * read as one; several independent schemas are merged. Undefined when the repository has no Prisma schema.
 */
export function prismaSchema(model: RepoModel): DatabaseSchema | undefined {
  const all = prismaSchemas(model);
  if (all.length === 0) return undefined;
  if (all.length === 1) return all[0]!.schema;
  const issues = all.flatMap((s) => s.schema.issues ?? []);
  const merged: DatabaseSchema = {
    source: 'prisma',
    tables: all.flatMap((s) => s.schema.tables),
    enums: all.flatMap((s) => s.schema.enums),
    files: all.flatMap((s) => s.files),
  };
  const dialect = all[0]!.schema.dialect;
  if (dialect && all.every((s) => s.schema.dialect === dialect)) merged.dialect = dialect;
  if (issues.length) merged.issues = issues;
  return merged;
}
