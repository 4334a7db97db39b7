import { parsePg, type PgFile } from '../parsers/pg.js';
import type { RepoModel } from '../model.js';
import type { SourceIssue, SqlDialect } from './types.js';
import { opsFromPg, withBreakpoints, type MigrationOp } from './migrations-sql.js';
import { codeMigrationOps } from './migrations-code.js';

export type { MigrationOp, ColumnSpec, ConstraintSpec, DefaultSpec } from './migrations-sql.js';

export type MigrationFramework =
  | 'prisma'
  | 'drizzle'
  | 'supabase'
  | 'hasura'
  | 'flyway'
  | 'sqitch'
  | 'sql'
  | 'typeorm'
  | 'knex'
  | 'kysely'
  | 'sequelize'
  | 'node-pg-migrate'
  | 'mikro-orm'
  | 'code';

/** One migration as its tool applies it: a Prisma folder, a drizzle journal entry, one SQL or code file. */
export interface Migration {
  /** Folder or file name that orders it (`20240101120000_add_users`, `0003_cool_name`, `1700000000000-AddUsers`). */
  name: string;
  path: string;
  kind: 'sql' | 'code';
  /** End of the "up" part of a SQL file holding both directions (dbmate, goose, sql-migrate); the whole file otherwise. */
  upEnd?: number;
}

/** The migrations of one folder, in the order they are applied. */
export interface MigrationSet {
  /** Folder holding the migrations, relative to the root. */
  dir: string;
  framework: MigrationFramework;
  dialect: SqlDialect;
  migrations: Migration[];
  /** drizzle-kit snapshots (`meta/<n>_snapshot.json`, or `<migration>/snapshot.json`), in journal order. */
  snapshots?: string[];
}

/** A migration with its statements turned into schema operations. */
export interface LoadedMigration extends Migration {
  ops: MigrationOp[];
  /** Statements that were not understood (another dialect, templating, dynamic SQL). */
  issues: SourceIssue[];
}

const testPath = /(?:^|\/)(?:test|tests|__tests__|spec|__fixtures__|fixtures|testdata|test-data|__mocks__)\//i;
const downFile = /(?:^|[._-])(?:down|rollback|revert|undo)(?:\.[a-z]+)?\.sql$|^U\d[^/]*__.*\.sql$/i;
const downDir = /(?:^|\/)(?:down|rollback|revert|revert_|verify|undo)\//i;
const migrationDirName = /(?:^|[-_])(?:migrations?|migrate)$/i;
const codeExtensions = /\.(?:ts|js|mjs|cjs|mts|cts)$/;

const naturalOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
/** Numbers compared as numbers (`2_x` before `10_x`): golang-migrate, goose, Flyway and Hasura parse the version. */
function byName<T extends { name: string }>(a: T, b: T): number {
  return naturalOrder.compare(a.name, b.name) || codeUnitOrder(a.name, b.name);
}
/**
 * Plain string order of the names, as Prisma Migrate (folder names), the Supabase CLI and Knex (file names) apply
 * them: `20250625_x` sorts before `20250101000000_y`, whatever the numbers say.
 */
function byCodeUnits<T extends { name: string }>(a: T, b: T): number {
  return codeUnitOrder(a.name, b.name);
}
/** Knex sorts whole file names, extension included. */
function byFileName<T extends { path: string }>(a: T, b: T): number {
  return codeUnitOrder(baseOf(a.path), baseOf(b.path));
}

/**
 * TypeORM runs migrations by the JavaScript timestamp ending the class name (or its `name` property), whatever the
 * file is called; undefined when the file has no such name.
 */
function typeormTimestamp(text: string): number | undefined {
  const property = /^\s*(?:public\s+|readonly\s+)*name\s*=\s*['"`]([\w$]+)['"`]/m.exec(text)?.[1];
  const className = /\bclass\s+([\w$]+)\s+implements\s+MigrationInterface\b/.exec(text)?.[1];
  for (const name of [property, className]) {
    const digits = name?.slice(-13);
    if (digits && /^\d{13}$/.test(digits)) return Number(digits);
  }
  return undefined;
}

/** Order of a set's migrations as its tool applies them. */
function codeMigrationOrder(model: RepoModel, framework: MigrationFramework): (a: Migration, b: Migration) => number {
  if (framework === 'knex') return byFileName;
  if (framework !== 'typeorm') return byName;
  const timestamps = new Map<string, number | undefined>();
  const timestampOf = (m: Migration): number | undefined => {
    if (!timestamps.has(m.path)) timestamps.set(m.path, typeormTimestamp(model.text(m.path) ?? ''));
    return timestamps.get(m.path);
  };
  return (a, b) => {
    const ta = timestampOf(a);
    const tb = timestampOf(b);
    return ta !== undefined && tb !== undefined && ta !== tb ? ta - tb : byName(a, b);
  };
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}
function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
function join(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

function providerOf(text: string | undefined): SqlDialect | undefined {
  const m = /provider\s*=\s*"([a-z]+)"/.exec(text ?? '');
  if (!m) return undefined;
  const p = m[1]!;
  return p === 'postgresql' || p === 'postgres' ? 'postgresql' : p === 'mysql' ? 'mysql' : p === 'sqlite' ? 'sqlite' : p === 'sqlserver' ? 'sqlserver' : p === 'cockroachdb' ? 'cockroachdb' : 'unknown';
}

function prismaDatasourceDialect(model: RepoModel, dir: string): SqlDialect | undefined {
  const parent = dirOf(dir);
  const candidates = model.find((f) => f.path.endsWith('.prisma') && (dirOf(f.path) === parent || dirOf(f.path) === dir || dirOf(dirOf(f.path)) === parent));
  for (const f of candidates) {
    const block = /datasource\s+\w+\s*\{[^}]*\}/.exec(model.text(f.path) ?? '');
    const dialect = block ? providerOf(block[0]) : undefined;
    if (dialect) return dialect;
  }
  return undefined;
}

function drizzleDialect(journal: unknown): SqlDialect {
  const d = journal && typeof journal === 'object' ? (journal as { dialect?: unknown }).dialect : undefined;
  return d === 'postgresql' || d === 'pg' ? 'postgresql' : d === 'mysql' ? 'mysql' : d === 'sqlite' || d === 'turso' ? 'sqlite' : 'unknown';
}

/** Guesses a flat SQL set's dialect from its text; PostgreSQL unless another dialect's marks show. */
function sqlDialectOf(texts: string[]): SqlDialect {
  const sample = texts.join('\n').slice(0, 400_000);
  if (/\bENGINE\s*=\s*\w*MergeTree|\bCODEC\(/i.test(sample)) return 'unknown';
  const mysql = (sample.match(/`\w+`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bUNSIGNED\b/gi) ?? []).length;
  const sqlite = (sample.match(/\bAUTOINCREMENT\b|\bPRAGMA\b|\bWITHOUT ROWID\b/gi) ?? []).length;
  const sqlserver = (sample.match(/\bNVARCHAR\b|\[dbo\]|\bIDENTITY\(\d|^\s*GO\s*$/gim) ?? []).length;
  if (mysql > 2 && mysql >= sqlite) return 'mysql';
  if (sqlite > 1) return 'sqlite';
  if (sqlserver > 2) return 'sqlserver';
  return 'postgresql';
}

function dialectFromDependencies(model: RepoModel, packageDir: string): SqlDialect {
  const deps = new Set([...model.dependencies(packageDir), ...model.dependencies('.')]);
  if (['pg', 'postgres', '@neondatabase/serverless', '@vercel/postgres', 'pg-promise', '@electric-sql/pglite', 'slonik'].some((d) => deps.has(d))) return 'postgresql';
  if (['mysql', 'mysql2', '@planetscale/database'].some((d) => deps.has(d))) return 'mysql';
  if (['sqlite3', 'better-sqlite3', '@libsql/client', 'sqlite'].some((d) => deps.has(d))) return 'sqlite';
  if (['mssql', 'tedious'].some((d) => deps.has(d))) return 'sqlserver';
  return 'unknown';
}

/** The "up" end of a SQL file that holds both directions, or undefined when it is all "up". */
function upEndOf(text: string): number | undefined {
  const m = /^[ \t]*--[ \t]*(?:migrate:down|\+goose[ \t]+down|\+migrate[ \t]+down)\b/im.exec(text);
  return m ? m.index : undefined;
}

function codeFramework(text: string): MigrationFramework | undefined {
  if (/\bMigrationInterface\b|\bqueryRunner\b/.test(text)) return 'typeorm';
  if (/\bqueryInterface\b|\bQueryInterface\b/.test(text)) return 'sequelize';
  if (/\bpgm\.\w+\(|MigrationBuilder/.test(text)) return 'node-pg-migrate';
  if (/\bKysely\b|\bdb\.schema\b/.test(text)) return 'kysely';
  if (/\bthis\.addSql\(/.test(text)) return 'mikro-orm';
  if (/\bknex\b|\bKnex\b/.test(text)) return 'knex';
  return undefined;
}

const setsCache = new WeakMap<RepoModel, MigrationSet[]>();

/**
 * Every migration folder of the repository, whatever the tool: Prisma (`migrations/<name>/migration.sql`), drizzle-kit
 * (`meta/_journal.json` order), Supabase, Hasura, Flyway, sqitch, golang-migrate/dbmate/goose-style SQL files, and
 * TypeORM/Knex/Kysely/Sequelize/node-pg-migrate code migrations. Test fixtures and "down" files are left out.
 */
export function migrationSets(model: RepoModel): MigrationSet[] {
  const cached = setsCache.get(model);
  if (cached) return cached;
  const sets: MigrationSet[] = [];
  const claimed = new Set<string>();
  const usable = (path: string): boolean => !testPath.test(path) && !claimed.has(path);

  // drizzle-kit: the journal lists the migrations in order.
  for (const journalFile of model.find((f) => f.path.endsWith('meta/_journal.json') && !testPath.test(f.path))) {
    const dir = dirOf(dirOf(journalFile.path));
    const journal = model.json<{ entries?: Array<{ idx?: number; tag?: string }> }>(journalFile.path);
    const entries = Array.isArray(journal?.entries) ? journal.entries : [];
    const migrations: Migration[] = [];
    const snapshots: string[] = [];
    for (const entry of [...entries].sort((a, b) => (a.idx ?? 0) - (b.idx ?? 0))) {
      if (typeof entry.tag !== 'string') continue;
      const path = join(dir, `${entry.tag}.sql`);
      if (model.has(path)) {
        migrations.push({ name: entry.tag, path, kind: 'sql' });
        claimed.add(path);
      }
      const snapshot = join(dir, `meta/${String(entry.idx ?? 0).padStart(4, '0')}_snapshot.json`);
      if (model.has(snapshot)) snapshots.push(snapshot);
    }
    // SQL files the journal does not list are never applied by drizzle-kit.
    for (const f of model.find((f) => dirOf(f.path) === dir && f.path.endsWith('.sql'))) claimed.add(f.path);
    if (migrations.length) sets.push({ dir, framework: 'drizzle', dialect: drizzleDialect(journal), migrations, snapshots });
  }

  // One folder per migration: Prisma, drizzle-kit v1, Hasura (`up.sql`).
  const folderFiles = model.find((f) => /\/[^/]+\/(?:migration|up)\.sql$/.test(f.path) && usable(f.path));
  const byParent = new Map<string, string[]>();
  for (const f of folderFiles) {
    const parent = dirOf(dirOf(f.path));
    byParent.set(parent, [...(byParent.get(parent) ?? []), f.path]);
  }
  for (const [dir, paths] of byParent) {
    const prismaLock = join(dir, 'migration_lock.toml');
    const isPrisma = model.has(prismaLock) || paths.some((p) => baseOf(p) === 'migration.sql') && prismaDatasourceDialect(model, dir) !== undefined;
    const isDrizzle = !isPrisma && paths.some((p) => model.has(join(dirOf(p), 'snapshot.json')));
    const isHasura = paths.every((p) => baseOf(p) === 'up.sql');
    if (!isPrisma && !isDrizzle && !isHasura && paths.length < 2 && !migrationDirName.test(baseOf(dir))) continue;
    const migrations = paths.map((path) => ({ name: baseOf(dirOf(path)), path, kind: 'sql' as const })).sort(isPrisma ? byCodeUnits : byName);
    for (const p of paths) claimed.add(p);
    const dialect = isPrisma
      ? (providerOf(model.text(prismaLock)) ?? prismaDatasourceDialect(model, dir) ?? 'postgresql')
      : sqlDialectOf(paths.map((p) => model.text(p) ?? ''));
    const set: MigrationSet = { dir, framework: isPrisma ? 'prisma' : isDrizzle ? 'drizzle' : isHasura ? 'hasura' : 'sql', dialect, migrations };
    if (isDrizzle) set.snapshots = migrations.map((m) => join(dirOf(m.path), 'snapshot.json')).filter((p) => model.has(p));
    sets.push(set);
  }

  // sqitch: deploy scripts in the order of sqitch.plan.
  for (const plan of model.find((f) => baseOf(f.path) === 'sqitch.plan' && !testPath.test(f.path))) {
    const dir = dirOf(plan.path);
    const names = (model.text(plan.path) ?? '')
      .split('\n')
      .map((l) => /^([A-Za-z0-9_][^\s@:]*)\s/.exec(l.trim() + ' ')?.[1])
      .filter((n): n is string => n !== undefined && !n.startsWith('%'));
    const migrations = [...new Set(names)].flatMap((name) => {
      const path = join(dir, `deploy/${name}.sql`);
      return model.has(path) ? [{ name, path, kind: 'sql' as const }] : [];
    });
    for (const m of migrations) claimed.add(m.path);
    if (migrations.length) sets.push({ dir, framework: 'sqitch', dialect: sqlDialectOf(migrations.map((m) => model.text(m.path) ?? '')), migrations });
  }

  // Flat folders of SQL files.
  const flat = new Map<string, string[]>();
  for (const f of model.find((f) => f.path.endsWith('.sql') && usable(f.path))) {
    const dir = dirOf(f.path);
    const isMigrationDir =
      migrationDirName.test(baseOf(dir)) || /(?:^|\/)db\/migration$/.test(dir) || /(?:^|\/)supabase\/migrations$/.test(dir) || /(?:^|\/)migrations\/[^/]+$/.test(dir);
    if (!isMigrationDir || downFile.test(baseOf(f.path)) || downDir.test(f.path + '/') || /^R__/.test(baseOf(f.path))) continue;
    if (/(?:^|\/)migrations\/[^/]+$/.test(dir) && !migrationDirName.test(baseOf(dir)) && !/^(?:sql|postgres|postgresql|pg|up|default|public)$/i.test(baseOf(dir))) continue;
    flat.set(dir, [...(flat.get(dir) ?? []), f.path]);
  }
  for (const [dir, paths] of flat) {
    const migrations: Migration[] = paths
      .map((path) => {
        const text = model.text(path) ?? '';
        const upEnd = upEndOf(text);
        return { name: baseOf(path).replace(/\.sql$/, ''), path, kind: 'sql' as const, ...(upEnd !== undefined ? { upEnd } : {}) };
      });
    const framework: MigrationFramework = /(?:^|\/)supabase\/migrations$/.test(dir) ? 'supabase' : paths.some((p) => /^V\d/.test(baseOf(p))) ? 'flyway' : 'sql';
    migrations.sort(framework === 'supabase' ? byCodeUnits : byName);
    const dialect = framework === 'supabase' ? 'postgresql' : sqlDialectOf(paths.map((p) => model.text(p) ?? ''));
    sets.push({ dir, framework, dialect, migrations });
  }

  // Code migrations (TypeORM, Knex, Kysely, Sequelize, node-pg-migrate, MikroORM).
  const code = new Map<string, Migration[]>();
  const frameworks = new Map<string, MigrationFramework>();
  for (const f of model.find((f) => codeExtensions.test(f.path) && !f.path.endsWith('.d.ts') && usable(f.path))) {
    const dir = dirOf(f.path);
    if (!migrationDirName.test(baseOf(dir)) || /^index\.|\.(?:test|spec)\./.test(baseOf(f.path))) continue;
    const text = model.text(f.path) ?? '';
    if (!/\bup\b/.test(text)) continue;
    const framework = codeFramework(text);
    if (!framework) continue;
    frameworks.set(dir, frameworks.get(dir) ?? framework);
    code.set(dir, [...(code.get(dir) ?? []), { name: baseOf(f.path).replace(codeExtensions, ''), path: f.path, kind: 'code' }]);
  }
  for (const [dir, migrations] of code) {
    const packageDir = model.file(migrations[0]!.path)?.packageDir ?? '.';
    const framework = frameworks.get(dir) ?? 'code';
    sets.push({ dir, framework, dialect: dialectFromDependencies(model, packageDir), migrations: migrations.sort(codeMigrationOrder(model, framework)) });
  }

  sets.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  setsCache.set(model, sets);
  return sets;
}

const loadCache = new WeakMap<RepoModel, Map<string, Promise<LoadedMigration[]>>>();

async function pgOf(model: RepoModel, migration: Migration): Promise<PgFile | undefined> {
  const text = model.text(migration.path);
  if (text === undefined) return undefined;
  const up = migration.upEnd === undefined ? text : text.slice(0, migration.upEnd);
  const prepared = withBreakpoints(up);
  return prepared === text ? model.pg(migration.path) : parsePg(prepared);
}

/** The operations of every migration of a set, in order (parsed once per run). */
export function loadMigrations(model: RepoModel, set: MigrationSet): Promise<LoadedMigration[]> {
  let perModel = loadCache.get(model);
  if (!perModel) loadCache.set(model, (perModel = new Map()));
  const key = `${set.dir}\0${set.framework}`;
  let cached = perModel.get(key);
  if (!cached) {
    cached = Promise.all(
      set.migrations.map(async (migration): Promise<LoadedMigration> => {
        if (migration.kind === 'code') {
          const { ops, issues } = await codeMigrationOps(model, migration.path);
          return { ...migration, ops, issues };
        }
        const parsed = await pgOf(model, migration);
        if (!parsed) return { ...migration, ops: [], issues: [] };
        return {
          ...migration,
          ops: await opsFromPg(parsed, migration.path, model.text(migration.path)),
          issues: parsed.errors.map((e) => ({ at: { path: migration.path, line: e.line, start: e.start, end: e.end }, message: e.message })),
        };
      }),
    );
    perModel.set(key, cached);
  }
  return cached;
}
