/**
 * Which tables are tenant-owned, inferred from every schema source of the repository (Prisma, SQL migrations,
 * Drizzle, TypeORM/MikroORM, Sequelize, Kysely) and from configuration, plus the central scoping mechanisms the code
 * has (Prisma client extensions or middleware that inject a tenant filter, row-level security). The result is plain
 * data: file rules receive it through `prepare`, in worker threads too.
 */
import { ts } from '../parsers/ts.cjs';
import { KeywordSet } from '../keywords.js';
import type { RepoModel } from '../model.js';
import { ormSchemas } from './orm/index.js';
import { nonSchemaPath } from './source-paths.js';
import { prismaSchemas, sqlSchemas, tableKey } from './tenancy-sources.js';
import type { DatabaseSchema, SchemaSource, SourceRef } from './types.js';

export interface TenancyOptions {
  /** Column names that hold the tenant (matched ignoring case and underscores). */
  tenantKeys: readonly string[];
  /** Models or tables that are tenant-owned whatever their columns say. */
  tenantOwned: readonly string[];
  /** Models or tables that are shared by all tenants (never reported, never inherited through). */
  global: readonly string[];
}

export const defaultTenantKeys = [
  'tenantId',
  'organizationId',
  'organisationId',
  'orgId',
  'teamId',
  'workspaceId',
  'accountId',
] as const;

/** Columns that tie a row to one signed-in user; a filter on them narrows a query to that user's rows. */
export const ownerKeys = ['userId', 'ownerId', 'createdById', 'authorId', 'memberId', 'creatorId'] as const;

export interface ColumnName {
  /** Database column. */
  name: string;
  /** ORM property, when it differs. */
  field?: string;
}

export interface TenantHop {
  /** FK columns on the child. */
  columns: ColumnName[];
  /** Relation property that follows them, when the ORM has one. */
  relation?: string;
  /** Parent table (database name). */
  to: string;
}

export interface TenantTable {
  /** Database table name. */
  table: string;
  /** Names the code uses for it: Prisma model, Drizzle variable, entity/model class. */
  models: Array<{ source: SchemaSource; name: string }>;
  sources: SchemaSource[];
  /** Tenant key columns on the table itself (empty when it reaches the tenant through a parent). */
  tenantColumns: ColumnName[];
  /** Parent chain to a table with a tenant key, for tables without one. */
  path: TenantHop[];
  /** FK columns to tenant roots and tenant-owned parents, any of which narrows a query to one parent. */
  parentColumns: ColumnName[];
  /** Owner columns (`userId`...) present on the table. */
  ownerColumns: ColumnName[];
  /** FK columns to tables users join through a membership table (`partnerId` with `PartnerUser`): they scope too. */
  scopeColumns: ColumnName[];
  /** Relation property → table it leads to (database name), for nested relation filters. */
  relations: Record<string, string>;
  /** Relations that lead to the tenant, a tenant-owned parent, a users table or a membership-joined table. */
  scopeRelations?: string[];
  /** Columns that identify one row (primary key and single-column unique keys). */
  uniqueColumns: ColumnName[];
  /** Every known column, for resolving `where` keys. */
  columns: ColumnName[];
  /** A users table: single-row lookups by its own keys are how sign-in works, so only bulk access is checked. */
  principal: boolean;
  /** A workspace inside the tenant that users join (its id is a tenant key of the tables below it). */
  workspace?: boolean;
  /** Human-readable: how the table was judged tenant-owned. */
  reason: string;
  at: SourceRef;
  /** Row-level security as the SQL migrations leave it; undefined when no migration mentions the table. */
  rls?: { enabled: boolean; forced: boolean; policies: string[]; generic?: { path: string; line: number } };
  /** Whether some index, primary key or unique constraint starts with a tenant column; undefined when no source knows indexes. */
  tenantIndexed?: boolean;
  /** Whether some index holds a tenant column in a later position (it exists but cannot serve tenant filters). */
  tenantInIndex?: boolean;
  /** Where the tenant column is defined (for TEN-3 findings). */
  tenantColumnAt?: SourceRef;
}

export interface CentralScoping {
  kind: 'prisma-extension' | 'prisma-middleware' | 'base-repository';
  path: string;
  line: number;
  /** Prisma model names / entity names covered, or undefined for all. */
  models?: string[];
}

/** A hook, middleware or guard that compares the tenant a request names with the authenticated one. */
export interface RequestGuard {
  path: string;
  line: number;
}

export interface Tenancy {
  tables: TenantTable[];
  /** Central checks of request-supplied tenant ids: with one, a tenant id read from the request has been verified. */
  requestGuards: RequestGuard[];
  /** Tenant root tables (Organization, Team, Workspace...) by database name. */
  roots: string[];
  /** Names the code uses for root tables and for users tables, with the table they name (lower-case keys). */
  rootNames: Record<string, string>;
  principalNames: Record<string, string>;
  /**
   * Tables users join through a membership table (`ProjectUsers`, `PartnerUser`, `FolderUser`): a filter on one of them
   * narrows a query to rows the caller's membership reaches, so it counts as scoping even when it is no tenant root.
   */
  scopeRootNames: Record<string, string>;
  scoping: CentralScoping[];
  /** Supabase projects reach tables through PostgREST as a non-owner role, where RLS needs no FORCE. */
  supabase: boolean;
  /** Whether any SQL migration source was read (row-level security is only known from migrations). */
  migrations: boolean;
  /** Whether row-level security is switched on for any table at all. */
  anyRls: boolean;
  /** False when the database is MySQL or SQLite, which have no row-level security. */
  rlsCapable: boolean;
  /** Configured/default tenant keys, normalised. */
  keys: string[];
}

export const normalizeKey = (name: string): string => name.replace(/[_\s-]/g, '').toLowerCase();

const rootNamePattern = /^(?:tenants?|organi[sz]ations?|orgs?|teams?|workspaces?|accounts?|companies|company|customers?)$/i;
const usersPattern = /^(?:app_?|auth_?)?users?$/i;
const membershipPattern = /(?:members?|memberships?|users?|roles?|access|seats?|collaborators?)$|^(?:members?|users?)[_A-Z]/i;

interface MergedTable {
  key: string;
  name: string;
  models: Array<{ source: SchemaSource; name: string }>;
  sources: SchemaSource[];
  columns: Map<string, { name: string; field?: string; at?: SourceRef; primaryKey?: boolean; unique?: boolean; nullable: boolean }>;
  foreignKeys: Array<{ columns: string[]; table: string; referencedColumns?: string[]; relation?: string }>;
  indexes: string[][];
  /** Primary keys and unique indexes. */
  uniqueSets: string[][];
  /** Some migration (SQL, or a schema builder in a migrations folder) creates or changes it. */
  fromMigrations: boolean;
  /** A declarative schema (Prisma, drizzle, entity or model classes) defines it. */
  declared: boolean;
  indexKnown: boolean;
  mysql: boolean;
  rls?: { enabled: boolean; forced: boolean; policies: string[] };
  at: SourceRef;
}

function merge(schemas: readonly DatabaseSchema[], hints: InferenceHints): Map<string, MergedTable> {
  const tables = new Map<string, MergedTable>();
  // Declarative sources first, so positions point at the model rather than at a migration.
  const order: SchemaSource[] = ['prisma', 'drizzle', 'typeorm', 'sequelize', 'kysely', 'sql'];
  const sorted = [...schemas].sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
  for (const schema of sorted) {
    for (const t of schema.tables) {
      const key = tableKey(t.name);
      let m = tables.get(key);
      if (!m) {
        m = { key, name: t.name, models: [], sources: [], columns: new Map(), foreignKeys: [], indexes: [], uniqueSets: [], fromMigrations: false, declared: false, indexKnown: false, mysql: false, at: t.at };
        tables.set(key, m);
      }
      if (!m.sources.includes(t.source)) m.sources.push(t.source);
      if (t.source === 'sql' || /(?:^|\/)migrations?\//i.test(t.at.path)) m.fromMigrations = true;
      else if (t.source !== 'kysely') m.declared = true;
      if (t.model && !m.models.some((x) => x.source === t.source && x.name === t.model)) m.models.push({ source: t.source, name: t.model });
      if (m.columns.size === 0 && t.columns.length > 0) m.at = t.at;
      for (const c of t.columns) {
        const existing = m.columns.get(c.name);
        m.columns.set(c.name, {
          name: c.name,
          ...(c.field ?? existing?.field ? { field: c.field ?? existing?.field } : {}),
          at: existing?.at ?? c.at,
          primaryKey: Boolean(existing?.primaryKey || c.primaryKey),
          unique: Boolean(existing?.unique || c.unique),
          // A declarative source that says NOT NULL wins over a migration that added the column nullable first.
          nullable: existing ? existing.nullable && c.nullable : c.nullable,
        });
      }
      for (const fk of t.foreignKeys) {
        const same = m.foreignKeys.find((f) => f.columns.join() === fk.columns.join() && tableKey(f.table) === tableKey(fk.table));
        if (same) same.relation ??= fk.relation;
        else m.foreignKeys.push({ columns: fk.columns, table: fk.table, referencedColumns: fk.referencedColumns, ...(fk.relation ? { relation: fk.relation } : {}) });
      }
      for (const i of t.indexes) {
        m.indexes.push(i.columns);
        if (i.unique) m.uniqueSets.push(i.columns);
      }
      if (t.primaryKey) {
        m.indexes.push(t.primaryKey.columns);
        m.uniqueSets.push(t.primaryKey.columns);
      }
      if (t.source !== 'kysely' || t.indexes.length > 0 || t.primaryKey) m.indexKnown = true;
      // With Prisma's `relationMode = "prisma"` there are no foreign keys in the database, hence no implicit indexes.
      if (schema.dialect === 'mysql' && !(schema.source === 'prisma' && hints.prismaRelationMode)) m.mysql = true;
      if (t.rls) {
        m.rls = {
          enabled: t.rls.enabled || Boolean(m.rls?.enabled),
          forced: t.rls.forced || Boolean(m.rls?.forced),
          policies: [...new Set([...(m.rls?.policies ?? []), ...t.rls.policies])],
        };
      }
    }
  }
  return tables;
}

function columnRef(m: MergedTable, name: string): ColumnName {
  const c = m.columns.get(name);
  const field = c?.field ?? [...m.columns.values()].find((x) => x.field === name)?.field;
  return field && field !== name ? { name, field } : { name };
}

const namesOf = (c: ColumnName): string[] => (c.field ? [c.name, c.field] : [c.name]);

/** A base class every tenant-scoped service or repository extends (`TenantAwareCrudService`, `TenantScopedRepository`). */
const scopedBaseClass = /\bclass\s+(\w*(?:Tenant|Organi[sz]ation|Org|Workspace|Team|Account)\w*(?:Aware|Scoped)\w*(?:Service|Repository|Crud\w*)|\w*(?:Tenant|Scoped)\w*(?:Base)?(?:Repository|Service))\b/;

/** Both kinds of central scoping need one of these words and `where`: the bytes rule out most files undecoded. */
const scopingWords = new KeywordSet(['class ', '$extends(', '$use(']);
const whereWord = new KeywordSet(['where']);

/**
 * Text search for central scoping: Prisma `$extends({ query })` / `$use` that write a tenant key into `where`, and base
 * classes that add the tenant to every query of the services or repositories extending them.
 */
function centralScoping(model: RepoModel, keys: readonly string[]): CentralScoping[] {
  const out: CentralScoping[] = [];
  const keyPattern = new RegExp(`\\b(?:${keys.map((k) => k.replace(/[^A-Za-z0-9_]/g, '')).join('|')})\\b`, 'i');
  for (const f of model.files) {
    if (f.language !== 'ts' || nonSchemaPath.test(f.path) || /\.(?:test|spec)\.[cm]?[jt]sx?$/.test(f.path)) continue;
    if (!model.mentions(f.path, scopingWords) || !model.mentions(f.path, whereWord)) continue;
    const text = model.text(f.path) ?? '';
    const base = text.includes('class ') ? scopedBaseClass.exec(text) : null;
    if (base && keyPattern.test(text) && /\bwhere\b/.test(text)) {
      const line = text.slice(0, base.index).split('\n').length;
      out.push({ kind: 'base-repository', path: f.path, line, models: [base[1]!] });
    }
    const hasExtends = text.includes('$extends(');
    const hasUse = text.includes('$use(');
    if ((!hasExtends && !hasUse) || !keyPattern.test(text) || !/\bwhere\b/.test(text)) continue;
    const source = model.ts(f.path);
    if (!source) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && (node.expression.name.text === '$extends' || node.expression.name.text === '$use')) {
        const body = node.arguments.map((a) => a.getText(source)).join('\n');
        if (keyPattern.test(body) && /\bwhere\b/.test(body) && /\bargs\b/.test(body)) {
          const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
          if (node.expression.name.text === '$use') out.push({ kind: 'prisma-middleware', path: f.path, line });
          else {
            const models = extensionModels(node);
            out.push({ kind: 'prisma-extension', path: f.path, line, ...(models ? { models } : {}) });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

/** `$extends({ query: { project: {...}, task: {...} } })` → ['project', 'task']; `$allModels` → all (undefined). */
/** Where central request checks live: middleware, guards, hooks, plugins, the tRPC/request context. */
const guardFile = /(?:^|\/)(?:middlewares?|guards?|hooks|plugins|interceptors)\/|(?:^|[/.-])(?:middleware|guard|hooks?|plugin|interceptor|request-?context|requestContext|trpc|context)\.[cm]?[jt]s$/i;
const guardContext = /\b(?:CanActivate|canActivate|addHook|preHandler|onRequest|preValidation|middleware|Middleware|NestMiddleware|beforeHandle|createMiddleware)\b/;

/**
 * Files that verify a request-supplied tenant id centrally: in a hook, middleware or guard, the tenant key is read
 * from the request and compared (`workspaceId !== workspace.id`, `orgIds.includes(organizationId)`).
 */
function requestGuards(model: RepoModel, keys: readonly string[]): RequestGuard[] {
  const names = keys.map((k) => k.replace(/[^A-Za-z0-9_]/g, '')).join('|');
  const comparison = new RegExp(`\\b(?:${names})\\b\\s*(?:!==?|===?)|(?:!==?|===?)\\s*[\\w.?]*\\b(?:${names})\\b|\\.includes\\(\\s*[\\w.?]*\\b(?:${names})\\b`, 'i');
  const out: RequestGuard[] = [];
  for (const f of model.files) {
    if (f.language !== 'ts' || nonSchemaPath.test(f.path) || /\.(?:test|spec)\.[cm]?[jt]sx?$/.test(f.path)) continue;
    if (!guardFile.test(f.path)) continue;
    const text = model.text(f.path) ?? '';
    if (!guardContext.test(text) || !/\b(?:req|request)\b/.test(text)) continue;
    const m = comparison.exec(text);
    if (m) out.push({ path: f.path, line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

function extensionModels(call: ts.CallExpression): string[] | undefined {
  const arg = call.arguments[0];
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  const query = arg.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === 'query');
  if (!query || !ts.isObjectLiteralExpression(query.initializer)) return undefined;
  const names = query.initializer.properties.map((p) => p.name?.getText().replace(/^['"]|['"]$/g, '') ?? '');
  return names.includes('$allModels') || names.length === 0 ? undefined : names;
}

function matchesName(list: readonly string[], m: MergedTable): boolean {
  const wanted = new Set(list.map((n) => n.toLowerCase()));
  return wanted.has(m.name.toLowerCase()) || wanted.has(m.key) || m.models.some((x) => wanted.has(x.name.toLowerCase()));
}

/** Infers tenancy from already-read schemas; exported for tests and for rules that bring their own schemas. */
export interface InferenceHints {
  /** The Prisma datasource sets `relationMode = "prisma"`. */
  prismaRelationMode?: boolean;
}

export function inferTenancy(schemas: readonly DatabaseSchema[], options: TenancyOptions, hints: InferenceHints = {}): Omit<Tenancy, 'scoping' | 'supabase' | 'rlsCapable' | 'requestGuards'> {
  const keys = options.tenantKeys.map(normalizeKey);
  const tables = merge(schemas, hints);
  const isGlobal = (m: MergedTable): boolean => matchesName(options.global, m);
  const isKey = (column: string, m: MergedTable): boolean => {
    const c = m.columns.get(column);
    return keys.includes(normalizeKey(column)) || (c?.field !== undefined && keys.includes(normalizeKey(c.field)));
  };
  const owners = ownerKeys.map(normalizeKey);
  const stem = (k: string): string => k.replace(/id$/, '');
  const keyStems = new Set(keys.map(stem));

  // Roots: what tenant keys point to, and tables named like a tenant whose key other tables carry.
  const roots = new Set<string>();
  for (const m of tables.values()) {
    for (const fk of m.foreignKeys) if (fk.columns.length === 1 && isKey(fk.columns[0]!, m)) roots.add(tableKey(fk.table));
  }
  const rootsByForeignKey = roots.size;
  const tableStems = new Set<string>();
  for (const m of tables.values()) for (const n of [m.name.replace(/^.*\./, ''), ...m.models.map((x) => x.name)]) tableStems.add(normalizeKey(n).replace(/ies$/, 'y').replace(/s$/, ''));
  // A key-named column with no foreign key, in a schema whose tenant keys are foreign keys, naming no table
  // (`Link.tenantId` next to `projectId → Project`) is an application value, not this schema's tenant.
  const unanchored = (column: string, m: MergedTable): boolean =>
    rootsByForeignKey > 0 && !m.foreignKeys.some((fk) => fk.columns.includes(column)) && !tableStems.has(stem(normalizeKey(column)));
  const carriedStems = new Set<string>();
  for (const m of tables.values()) for (const c of m.columns.keys()) if (isKey(c, m)) carriedStems.add(stem(normalizeKey(c)));
  for (const m of tables.values()) {
    const singular = normalizeKey(m.name).replace(/(?:ies)$/, 'y').replace(/s$/, '');
    const modelSingular = m.models.map((x) => normalizeKey(x.name));
    if ([singular, ...modelSingular].some((n) => keyStems.has(n) && carriedStems.has(n)) && rootNamePattern.test(m.name.replace(/^.*\./, ''))) roots.add(m.key);
    if ([singular, ...modelSingular].some((n) => keyStems.has(n) && carriedStems.has(n)) && m.models.some((x) => rootNamePattern.test(x.name))) roots.add(m.key);
  }
  for (const m of tables.values()) if (matchesName(options.tenantOwned, m)) roots.delete(m.key);
  const principals = new Set([...tables.values()].filter((m) => usersPattern.test(m.name.replace(/^.*\./, '')) || m.models.some((x) => usersPattern.test(x.name))).map((m) => m.key));
  const scopeRoots = new Set<string>();
  for (const m of tables.values()) {
    if (!membershipPattern.test(m.name.replace(/^.*\./, '')) && !m.models.some((x) => membershipPattern.test(x.name))) continue;
    const targets = m.foreignKeys.map((fk) => tableKey(fk.table));
    if (!targets.some((t) => principals.has(t))) continue;
    for (const t of targets) if (!principals.has(t) && t !== m.key) scopeRoots.add(t);
  }

  // Direct tenant keys, then parents, breadth first (shortest path wins).
  const owned = new Map<string, { tenantColumns: string[]; path: TenantHop[]; reason: string }>();
  for (const m of tables.values()) {
    if (roots.has(m.key) || isGlobal(m)) continue;
    const tenantColumns = [...m.columns.keys()].filter((c) => isKey(c, m) && !unanchored(c, m));
    // A required reference to a tenant root is a tenant key whatever its name; an optional one (`lastWorkspaceId`) is not.
    const rootFks = m.foreignKeys.filter((fk) => roots.has(tableKey(fk.table)) && fk.columns.length === 1 && m.columns.get(fk.columns[0]!)?.nullable === false);
    for (const fk of rootFks) if (!tenantColumns.includes(fk.columns[0]!)) tenantColumns.push(fk.columns[0]!);
    if (tenantColumns.length > 0) {
      const shown = tenantColumns.map((c) => columnRef(m, c)).map((c) => c.field ?? c.name);
      owned.set(m.key, { tenantColumns, path: [], reason: `it has the tenant column ${shown.join(', ')}` });
    } else if (matchesName(options.tenantOwned, m)) {
      owned.set(m.key, { tenantColumns: [], path: [], reason: 'it is listed in the rule option tenantOwned' });
    }
  }
  // Workspaces inside a tenant (a Langfuse project in an organisation): tenant-owned, joined by users through a
  // membership table of their own, and the parent of many tables. Queries scope to them like to the tenant itself.
  const subRoots = new Set<string>();
  for (const [key, info] of owned) {
    const x = tables.get(key)!;
    if (info.tenantColumns.length === 0 || principals.has(key)) continue;
    const fanIn = [...tables.values()].filter((m) => m.key !== key && m.foreignKeys.some((fk) => tableKey(fk.table) === key)).length;
    if (fanIn < 5) continue;
    const stems = [x.name.replace(/^.*\./, ''), ...x.models.map((mm) => mm.name)].map((n) => normalizeKey(n).replace(/ies$/, 'y').replace(/s$/, ''));
    const membership = [...tables.values()].some(
      (m) =>
        m.key !== key &&
        [m.name, ...m.models.map((mm) => mm.name)].some((n) => stems.some((st) => normalizeKey(n).startsWith(st)) && membershipPattern.test(n)) &&
        m.foreignKeys.some((fk) => tableKey(fk.table) === key) &&
        m.foreignKeys.some((fk) => principals.has(tableKey(fk.table))),
    );
    if (membership) subRoots.add(key);
  }
  for (const m of tables.values()) {
    if (subRoots.has(m.key) || roots.has(m.key) || isGlobal(m)) continue;
    const fks = m.foreignKeys.filter((fk) => subRoots.has(tableKey(fk.table)) && fk.columns.length === 1 && m.columns.get(fk.columns[0]!)?.nullable === false);
    if (fks.length === 0) continue;
    const existing = owned.get(m.key);
    const tenantColumns = [...(existing?.tenantColumns ?? [])];
    for (const fk of fks) if (!tenantColumns.includes(fk.columns[0]!)) tenantColumns.push(fk.columns[0]!);
    const parent = tables.get(tableKey(fks[0]!.table))!;
    const shown = tenantColumns.map((c) => columnRef(m, c)).map((c) => c.field ?? c.name);
    owned.set(m.key, { tenantColumns, path: [], reason: `it has the tenant column ${shown.join(', ')} (${parent.models[0]?.name ?? parent.name} is a workspace users join through a membership table)` });
  }
  // A composite reference that carries the tenant key (`(datasetId, projectId) → Dataset(id, projectId)`) makes that
  // column the child's tenant key too.
  for (let pass = 0; pass < 3; pass++) {
    for (const m of tables.values()) {
      if (roots.has(m.key) || isGlobal(m)) continue;
      for (const fk of m.foreignKeys) {
        const parent = owned.get(tableKey(fk.table));
        if (!parent || fk.columns.length < 2) continue;
        fk.columns.forEach((c, i) => {
          const referenced = (m.foreignKeys.find((f) => f === fk) as { referencedColumns?: string[] } | undefined)?.referencedColumns?.[i];
          if (!referenced || !parent.tenantColumns.includes(referenced)) return;
          const info = owned.get(m.key) ?? { tenantColumns: [], path: [], reason: '' };
          if (info.tenantColumns.includes(c)) return;
          info.tenantColumns.push(c);
          info.reason = `it has the tenant column ${info.tenantColumns.map((x) => columnRef(m, x)).map((x) => x.field ?? x.name).join(', ')}`;
          owned.set(m.key, info);
        });
      }
    }
  }
  let frontier = [...owned.keys()];
  for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const m of tables.values()) {
      if (owned.has(m.key) || roots.has(m.key) || isGlobal(m)) continue;
      // Ownership follows required references only: an optional one (`emailId?`) links to a row, it does not own it.
      const fk = m.foreignKeys.find(
        (f) => frontier.includes(tableKey(f.table)) && !principals.has(tableKey(f.table)) && f.columns.every((c) => m.columns.get(c)?.nullable === false),
      );
      if (!fk) continue;
      const parent = owned.get(tableKey(fk.table))!;
      const parentTable = tables.get(tableKey(fk.table))!;
      const hop: TenantHop = { columns: fk.columns.map((c) => columnRef(m, c)), to: parentTable.name, ...(fk.relation ? { relation: fk.relation } : {}) };
      const chain = [m.models[0]?.name ?? m.name, parentTable.models[0]?.name ?? parentTable.name, ...parent.path.map((h) => tables.get(tableKey(h.to))?.models[0]?.name ?? h.to)];
      owned.set(m.key, { tenantColumns: [], path: [hop, ...parent.path], reason: `it belongs to a tenant through ${chain.join(' → ')}` });
      next.push(m.key);
    }
    frontier = next;
  }

  // Tables only old migrations create, in a project whose declarative schema (Prisma, drizzle...) no longer has them,
  // were dropped or belong to an abandoned migration history.
  const sqlTables = [...tables.values()].filter((m) => m.fromMigrations && m.columns.size > 0);
  const overlap = sqlTables.filter((m) => m.declared).length;
  const staleCheck = sqlTables.length > 0 && overlap >= sqlTables.length * 0.7;
  const out: TenantTable[] = [];
  for (const [key, info] of owned) {
    const m = tables.get(key)!;
    if (staleCheck && m.fromMigrations && !m.declared) continue;
    const parentColumns = m.foreignKeys
      .filter((fk) => (owned.has(tableKey(fk.table)) || roots.has(tableKey(fk.table))) && !principals.has(tableKey(fk.table)) && !fk.columns.some((c) => info.tenantColumns.includes(c)))
      .flatMap((fk) => fk.columns.map((c) => columnRef(m, c)));
    // References to the users table (`createdByUserId`) tie rows to one user, like `userId` does.
    const principalFks = new Set(m.foreignKeys.filter((fk) => principals.has(tableKey(fk.table))).flatMap((fk) => fk.columns));
    const relations: Record<string, string> = {};
    for (const fk of m.foreignKeys) if (fk.relation) relations[fk.relation] = tables.get(tableKey(fk.table))?.name ?? fk.table;
    const scopeRelations = m.foreignKeys
      .filter((fk) => fk.relation && [owned, roots, principals, scopeRoots, subRoots].some((set) => set.has(tableKey(fk.table))))
      .map((fk) => fk.relation!);
    const columns = [...m.columns.values()].map((c) => columnRef(m, c.name));
    const tenantColumns = info.tenantColumns.map((c) => columnRef(m, c));
    const leads = (cols: string[]): boolean => cols.length > 0 && info.tenantColumns.includes(cols[0]!);
    // MySQL (InnoDB) indexes every foreign key itself; PostgreSQL does not.
    const mysqlFkIndexed = m.mysql && m.foreignKeys.some((fk) => fk.columns.length > 0 && info.tenantColumns.includes(fk.columns[0]!));
    const tenantIndexed = tenantColumns.length === 0 ? undefined : m.indexes.some(leads) || mysqlFkIndexed ? true : m.indexKnown ? false : undefined;
    const tenantColumnAt = info.tenantColumns.map((c) => m.columns.get(c)?.at).find((a) => a !== undefined);
    out.push({
      table: m.name,
      models: m.models,
      sources: m.sources,
      tenantColumns,
      path: info.path,
      parentColumns,
      ownerColumns: columns.filter((c) => principalFks.has(c.name) || namesOf(c).some((n) => owners.includes(normalizeKey(n)))),
      // Membership-reached tables outside the tenant hierarchy (a partner, a customer account) scope like a tenant.
      scopeColumns: m.foreignKeys
        .filter((fk) => scopeRoots.has(tableKey(fk.table)) && !roots.has(tableKey(fk.table)) && !owned.has(tableKey(fk.table)))
        .flatMap((fk) => fk.columns.map((c) => columnRef(m, c))),
      relations,
      scopeRelations,
      uniqueColumns: [...m.columns.values()].filter((c) => c.primaryKey || c.unique || m.uniqueSets.some((u) => u.length === 1 && u[0] === c.name)).map((c) => columnRef(m, c.name)),
      columns,
      principal: principals.has(key),
      ...(subRoots.has(key) ? { workspace: true } : {}),
      reason: info.reason,
      at: m.at,
      ...(m.rls ? { rls: m.rls } : {}),
      ...(tenantIndexed !== undefined ? { tenantIndexed } : {}),
      ...(tenantIndexed === false && m.indexes.some((i) => i.some((c) => info.tenantColumns.includes(c))) ? { tenantInIndex: true } : {}),
      ...(tenantColumnAt ? { tenantColumnAt } : {}),
    });
  }
  out.sort((a, b) => a.table.localeCompare(b.table));
  const rootNames: Record<string, string> = {};
  const principalNames: Record<string, string> = {};
  const scopeRootNames: Record<string, string> = {};
  for (const m of tables.values()) {
    const targets = [roots.has(m.key) || subRoots.has(m.key) ? rootNames : undefined, principals.has(m.key) ? principalNames : undefined, scopeRoots.has(m.key) ? scopeRootNames : undefined];
    for (const target of targets) {
      if (!target) continue;
      target[m.name.toLowerCase()] = m.name;
      for (const x of m.models) target[x.name.toLowerCase()] = m.name;
    }
  }
  return {
    tables: out,
    roots: [...roots].map((k) => tables.get(k)?.name ?? k),
    rootNames,
    principalNames,
    scopeRootNames,
    migrations: schemas.some((s) => s.source === 'sql'),
    anyRls: [...tables.values()].some((m) => m.rls?.enabled),
    keys,
  };
}

const cache = new WeakMap<RepoModel, Map<string, Promise<Tenancy>>>();

/** Tenancy of the repository, computed once per model and option set (all tenancy rules share it). */
export function tenancyOf(model: RepoModel, options: TenancyOptions): Promise<Tenancy> {
  let byOptions = cache.get(model);
  if (!byOptions) cache.set(model, (byOptions = new Map()));
  const key = JSON.stringify([options.tenantKeys, options.tenantOwned, options.global]);
  let result = byOptions.get(key);
  if (!result) {
    result = compute(model, options);
    byOptions.set(key, result);
  }
  return result;
}

interface SchemaSources {
  /** Every schema the repository declares: Prisma, replayed SQL migrations, ORM definitions. */
  schemas: DatabaseSchema[];
  prisma: ReturnType<typeof prismaSchemas>;
  sql: Awaited<ReturnType<typeof sqlSchemas>>;
}

const sourcesCache = new WeakMap<RepoModel, Promise<SchemaSources>>();

/** The repository's database schemas, read once per model (migrations replayed, ORM files parsed) for every rule. */
export function databaseSchemas(model: RepoModel): Promise<SchemaSources> {
  let result = sourcesCache.get(model);
  if (!result) {
    result = (async () => {
      await model.whenParsedElsewhere();
      const schemas: DatabaseSchema[] = [];
      const prisma = prismaSchemas(model);
      if (prisma) schemas.push(prisma);
      const sql = await sqlSchemas(model);
      if (sql.schema) schemas.push(sql.schema);
      schemas.push(...ormSchemas(model));
      return { schemas, prisma, sql };
    })();
    sourcesCache.set(model, result);
  }
  return result;
}

async function compute(model: RepoModel, options: TenancyOptions): Promise<Tenancy> {
  const { schemas, prisma, sql } = await databaseSchemas(model);
  const relationMode = (prisma?.files ?? []).some((p) => /relationMode\s*=\s*"prisma"/.test(model.text(p) ?? ''));
  const inferred = inferTenancy(schemas, options, { prismaRelationMode: relationMode });
  // Row-level security exists in PostgreSQL only; a MySQL or SQLite schema needs central scoping in code instead.
  const dialects = schemas.map((s) => s.dialect).filter((d) => d !== undefined);
  const rlsCapable = dialects.length === 0 || dialects.some((d) => d === 'postgresql' || d === 'cockroachdb');
  // A template or loop that switches RLS on for every table covers the tenant tables no statement names.
  const generic = sql.genericRls;
  if (generic) {
    for (const t of inferred.tables) t.rls ??= { enabled: true, forced: generic.forced, policies: generic.policy ? ['(applied to every table)'] : [], generic: { path: generic.path, line: generic.line } };
  }
  const supabase = model.find((f) => /(?:^|\/)supabase\/(?:migrations|config\.toml)/.test(f.path)).length > 0;
  return { ...inferred, rlsCapable, requestGuards: inferred.tables.length > 0 ? requestGuards(model, options.tenantKeys) : [], anyRls: inferred.anyRls || Boolean(generic), scoping: inferred.tables.length > 0 ? centralScoping(model, options.tenantKeys) : [], supabase };
}
