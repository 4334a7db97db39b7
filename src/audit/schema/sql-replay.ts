import type { RepoModel } from '../model.js';
import type { DatabaseSchema, SchemaColumn, SchemaEnum, SchemaForeignKey, SchemaIndex, SchemaTable, SourceIssue, SqlDialect } from './types.js';
import { loadMigrations, migrationSets, type LoadedMigration, type MigrationOp, type MigrationSet } from './migrations.js';
import type { ColumnSpec, ConstraintSpec } from './migrations-sql.js';

export interface ReplayOptions {
  /**
   * Replay only the migration set in this folder (relative to the root, e.g. `prisma/migrations`). By default every
   * PostgreSQL set is replayed, in folder order, into one schema.
   */
  dir?: string;
  /** Replay these sets (from `migrationSets(model)`) instead. */
  sets?: readonly MigrationSet[];
}

/** A column while replaying: the shared shape plus the migration that added it. */
export interface ReplayColumn extends SchemaColumn {
  /** Index, in the replay, of the migration that added the column. */
  addedIn: number;
}

export interface ReplayTable extends Omit<SchemaTable, 'columns'> {
  columns: ReplayColumn[];
  /** Index, in the replay, of the migration that created the table. */
  createdIn: number;
  /** Created by `CREATE TABLE … AS`, `LIKE` or `PARTITION OF`: its columns are not all known. */
  columnsUnknown?: boolean;
  /** CHECK and EXCLUDE constraints by name (columns they read). */
  checks: Map<string, string[]>;
}

function defaultName(table: string, columns: string[], suffix: string): string {
  const bare = table.includes('.') ? table.slice(table.indexOf('.') + 1) : table;
  return `${bare}_${columns.join('_')}_${suffix}`.slice(0, 63);
}

function schemaOf(name: string): string | undefined {
  return name.includes('.') ? name.slice(0, name.indexOf('.')) : undefined;
}

function inSchemaOf(table: string, name: string): string {
  const schema = schemaOf(table);
  return schema && !name.includes('.') ? `${schema}.${name}` : name;
}

/**
 * The schema state while migrations are applied one operation at a time. Tenancy, drift and migration-safety rules
 * share it: `apply` moves it forward, `table()` tells what exists before an operation.
 */
export class SchemaReplay {
  readonly tables = new Map<string, ReplayTable>();
  readonly enums = new Map<string, SchemaEnum>();
  /** Index name → table. */
  private readonly indexOwner = new Map<string, string>();
  readonly issues: SourceIssue[] = [];
  readonly files: string[] = [];

  table(name: string): ReplayTable | undefined {
    return this.tables.get(name);
  }

  column(table: string, column: string): ReplayColumn | undefined {
    return this.tables.get(table)?.columns.find((c) => c.name === column);
  }

  /** The table an index belongs to. */
  indexTable(name: string): string | undefined {
    return this.indexOwner.get(name);
  }

  private addIndex(table: ReplayTable, index: SchemaIndex): void {
    const name = index.name ?? defaultName(table.name, index.columns, index.unique ? 'key' : 'idx');
    const qualified = inSchemaOf(table.name, name);
    table.indexes = table.indexes.filter((i) => i.name !== name);
    table.indexes.push({ ...index, name });
    this.indexOwner.set(qualified, table.name);
  }

  private removeIndex(name: string): void {
    const owner = this.indexOwner.get(name);
    if (owner === undefined) return;
    const table = this.tables.get(owner);
    const bare = name.includes('.') ? name.slice(name.indexOf('.') + 1) : name;
    if (table) table.indexes = table.indexes.filter((i) => i.name !== bare);
    this.indexOwner.delete(name);
  }

  private column_(spec: ColumnSpec, addedIn: number): ReplayColumn {
    const column: ReplayColumn = { name: spec.name, type: spec.type, nullable: !spec.notNull && !spec.primaryKey, addedIn, at: spec.at };
    if (spec.default) column.default = spec.default.text;
    if (spec.primaryKey) column.primaryKey = true;
    if (spec.unique) column.unique = true;
    if (spec.generated) column.generated = true;
    return column;
  }

  /**
   * The columns a PRIMARY KEY or UNIQUE constraint covers. `... USING INDEX idx` names no columns: PostgreSQL takes
   * the index's columns and renames the index to the constraint, so the index itself is dropped from the table here.
   */
  private constraintColumns(table: ReplayTable, c: ConstraintSpec): string[] {
    if (!c.usingIndex) return c.columns;
    const index = table.indexes.find((i) => i.name === c.usingIndex);
    this.removeIndex(inSchemaOf(table.name, c.usingIndex));
    return c.columns.length || !index ? c.columns : index.columns;
  }

  private addConstraint(table: ReplayTable, c: ConstraintSpec): void {
    switch (c.type) {
      case 'primary': {
        const name = c.name ?? `${table.name.replace(/^.*\./, '')}_pkey`;
        const columns = this.constraintColumns(table, c);
        table.primaryKey = { name, columns, at: c.at };
        for (const col of table.columns) {
          if (columns.includes(col.name)) {
            col.primaryKey = true;
            col.nullable = false;
          }
        }
        this.indexOwner.set(inSchemaOf(table.name, name), table.name);
        break;
      }
      case 'unique': {
        const columns = this.constraintColumns(table, c);
        const name = c.name ?? defaultName(table.name, columns, 'key');
        this.addIndex(table, { name, columns, unique: true, constraint: true, at: c.at });
        break;
      }
      case 'foreign': {
        const name = c.name ?? defaultName(table.name, c.columns, 'fkey');
        table.foreignKeys = table.foreignKeys.filter((f) => f.name !== name);
        const fk: SchemaForeignKey = { name, columns: c.columns, table: c.references?.table ?? '', referencedColumns: c.references?.columns ?? [], at: c.at };
        if (c.references?.onDelete) fk.onDelete = c.references.onDelete;
        table.foreignKeys.push(fk);
        break;
      }
      case 'check':
      case 'exclusion':
        table.checks.set(c.name ?? defaultName(table.name, c.columns, 'check'), c.columns);
        break;
    }
  }

  /** Applies one operation of migration number `migration`. */
  apply(op: MigrationOp, migration: number): void {
    switch (op.kind) {
      case 'createTable': {
        if (op.ifNotExists && this.tables.has(op.table)) return;
        const table: ReplayTable = {
          name: op.table,
          source: 'sql',
          columns: op.columns.map((c) => this.column_(c, migration)),
          indexes: [],
          foreignKeys: [],
          rls: { enabled: false, forced: false, policies: [] },
          at: op.at,
          createdIn: migration,
          checks: new Map(),
        };
        if (op.columnsUnknown) table.columnsUnknown = true;
        this.tables.set(op.table, table);
        for (const c of op.constraints) this.addConstraint(table, c);
        for (const c of op.columns) if (c.references) this.addConstraint(table, { type: 'foreign', columns: [c.name], references: c.references, notValid: false, at: c.at });
        return;
      }
      case 'dropTable': {
        const table = this.tables.get(op.table);
        if (!table) return;
        for (const i of table.indexes) this.indexOwner.delete(inSchemaOf(table.name, i.name ?? ''));
        if (table.primaryKey?.name) this.indexOwner.delete(inSchemaOf(table.name, table.primaryKey.name));
        this.tables.delete(op.table);
        for (const other of this.tables.values()) other.foreignKeys = other.foreignKeys.filter((f) => f.table !== op.table);
        return;
      }
      case 'renameTable': {
        const table = this.tables.get(op.table);
        if (!table) return;
        this.tables.delete(op.table);
        table.name = op.to;
        this.tables.set(op.to, table);
        for (const [index, owner] of this.indexOwner) if (owner === op.table) this.indexOwner.set(index, op.to);
        for (const other of this.tables.values()) for (const f of other.foreignKeys) if (f.table === op.table) f.table = op.to;
        return;
      }
      case 'addColumn': {
        const table = this.tables.get(op.table);
        if (!table || (op.ifNotExists && table.columns.some((c) => c.name === op.column.name))) return;
        table.columns = table.columns.filter((c) => c.name !== op.column.name);
        table.columns.push(this.column_(op.column, migration));
        if (op.column.primaryKey) this.addConstraint(table, { type: 'primary', columns: [op.column.name], notValid: false, at: op.at });
        if (op.column.unique) this.addConstraint(table, { type: 'unique', columns: [op.column.name], notValid: false, at: op.at });
        return;
      }
      case 'dropColumn': {
        const table = this.tables.get(op.table);
        if (!table) return;
        table.columns = table.columns.filter((c) => c.name !== op.column);
        for (const i of table.indexes.filter((i) => i.columns.includes(op.column))) this.removeIndex(inSchemaOf(table.name, i.name ?? ''));
        table.foreignKeys = table.foreignKeys.filter((f) => !f.columns.includes(op.column));
        if (table.primaryKey?.columns.includes(op.column)) delete table.primaryKey;
        for (const other of this.tables.values()) other.foreignKeys = other.foreignKeys.filter((f) => !(f.table === op.table && f.referencedColumns.includes(op.column)));
        return;
      }
      case 'renameColumn': {
        const table = this.tables.get(op.table);
        const column = table?.columns.find((c) => c.name === op.column);
        if (!table || !column) return;
        column.name = op.to;
        const swap = (list: string[]): string[] => list.map((c) => (c === op.column ? op.to : c));
        for (const i of table.indexes) i.columns = swap(i.columns);
        for (const f of table.foreignKeys) f.columns = swap(f.columns);
        if (table.primaryKey) table.primaryKey.columns = swap(table.primaryKey.columns);
        for (const other of this.tables.values()) for (const f of other.foreignKeys) if (f.table === op.table) f.referencedColumns = swap(f.referencedColumns);
        return;
      }
      case 'alterColumnType': {
        const column = this.column(op.table, op.column);
        if (column) column.type = op.type;
        return;
      }
      case 'setNotNull':
      case 'dropNotNull': {
        const column = this.column(op.table, op.column);
        if (column) column.nullable = op.kind === 'dropNotNull' && !column.primaryKey;
        return;
      }
      case 'setDefault': {
        const column = this.column(op.table, op.column);
        if (column) column.default = op.default.text;
        return;
      }
      case 'dropDefault': {
        const column = this.column(op.table, op.column);
        if (column) delete column.default;
        return;
      }
      case 'addConstraint': {
        const table = this.tables.get(op.table);
        if (table) this.addConstraint(table, op.constraint);
        return;
      }
      case 'dropConstraint': {
        const table = this.tables.get(op.table);
        if (!table) return;
        if (table.primaryKey?.name === op.name) {
          for (const c of table.columns) if (table.primaryKey.columns.includes(c.name)) delete c.primaryKey;
          delete table.primaryKey;
        }
        table.foreignKeys = table.foreignKeys.filter((f) => f.name !== op.name);
        const index = table.indexes.find((i) => i.name === op.name && i.constraint);
        if (index) this.removeIndex(inSchemaOf(table.name, op.name));
        table.checks.delete(op.name);
        return;
      }
      case 'renameConstraint': {
        const table = this.tables.get(op.table);
        if (!table) return;
        if (table.primaryKey?.name === op.name) table.primaryKey.name = op.to;
        for (const f of table.foreignKeys) if (f.name === op.name) f.name = op.to;
        const index = table.indexes.find((i) => i.name === op.name);
        if (index) {
          this.indexOwner.delete(inSchemaOf(table.name, op.name));
          index.name = op.to;
          this.indexOwner.set(inSchemaOf(table.name, op.to), table.name);
        }
        return;
      }
      case 'createIndex': {
        const table = this.tables.get(op.table);
        if (!table) return;
        const name = op.name ?? inSchemaOf(op.table, defaultName(op.table, op.columns, 'idx'));
        if (op.ifNotExists && this.indexOwner.has(name)) return;
        const bare = name.includes('.') ? name.slice(name.indexOf('.') + 1) : name;
        const index: SchemaIndex = { name: bare, columns: op.columns, unique: op.unique, at: op.at };
        if (op.concurrently) index.concurrently = true;
        if (op.where !== undefined) index.where = op.where;
        this.addIndex(table, index);
        return;
      }
      case 'dropIndex':
        this.removeIndex(op.name);
        return;
      case 'renameIndex': {
        const owner = this.indexOwner.get(op.name);
        const table = owner !== undefined ? this.tables.get(owner) : undefined;
        const bare = (n: string): string => (n.includes('.') ? n.slice(n.indexOf('.') + 1) : n);
        if (!table || owner === undefined) return;
        if (table.primaryKey?.name === bare(op.name)) table.primaryKey.name = bare(op.to);
        for (const i of table.indexes) if (i.name === bare(op.name)) i.name = bare(op.to);
        this.indexOwner.delete(op.name);
        this.indexOwner.set(op.to, owner);
        return;
      }
      case 'createEnum':
        this.enums.set(op.name, { name: op.name, values: [...op.values], at: op.at });
        return;
      case 'addEnumValue': {
        const e = this.enums.get(op.name);
        if (e && !e.values.includes(op.value)) e.values.push(op.value);
        return;
      }
      case 'renameEnumValue': {
        const e = this.enums.get(op.name);
        if (e) e.values = e.values.map((v) => (v === op.from ? op.to : v));
        return;
      }
      case 'renameType': {
        const e = this.enums.get(op.name);
        if (e) {
          this.enums.delete(op.name);
          e.name = op.to;
          this.enums.set(op.to, e);
        }
        for (const t of this.tables.values()) {
          for (const c of t.columns) {
            if (c.type === op.name) c.type = op.to;
            else if (c.type === `${op.name}[]`) c.type = `${op.to}[]`;
          }
        }
        return;
      }
      case 'dropType':
        this.enums.delete(op.name);
        return;
      case 'rowSecurity': {
        const rls = this.tables.get(op.table)?.rls;
        if (!rls) return;
        if (op.enable !== undefined) rls.enabled = op.enable;
        if (op.force !== undefined) rls.forced = op.force;
        return;
      }
      case 'createPolicy': {
        const rls = this.tables.get(op.table)?.rls;
        if (rls && !rls.policies.includes(op.name)) rls.policies.push(op.name);
        return;
      }
      case 'dropPolicy': {
        const rls = this.tables.get(op.table)?.rls;
        if (rls) rls.policies = rls.policies.filter((p) => p !== op.name);
        return;
      }
      default:
        return;
    }
  }

  /** Replays loaded migrations in order; `visit` sees each operation before it is applied. */
  replay(migrations: readonly LoadedMigration[], visit?: (op: MigrationOp, migration: LoadedMigration, index: number) => void, offset = 0): void {
    migrations.forEach((m, i) => {
      this.files.push(m.path);
      this.issues.push(...m.issues);
      for (const op of m.ops) {
        visit?.(op, m, offset + i);
        this.apply(op, offset + i);
      }
    });
  }

  /** The replayed schema in the shared shape. */
  toSchema(dialect?: SqlDialect): DatabaseSchema {
    const tables: SchemaTable[] = [...this.tables.values()].map((t) => {
      const { createdIn: _createdIn, columnsUnknown: _unknown, checks: _checks, ...rest } = t;
      return { ...rest, columns: t.columns.map(({ addedIn: _addedIn, ...c }) => c) };
    });
    return {
      source: 'sql',
      tables,
      enums: [...this.enums.values()],
      files: [...this.files],
      ...(dialect ? { dialect } : {}),
      ...(this.issues.length ? { issues: [...this.issues] } : {}),
    };
  }
}

/** Dialects whose migrations PostgreSQL's parser reads. */
export function replayable(set: MigrationSet): boolean {
  return set.dialect === 'postgresql' || set.dialect === 'cockroachdb' || (set.dialect === 'unknown' && set.migrations.some((m) => m.kind === 'code'));
}

/** Replays one migration set into a fresh state (visit sees each operation before it is applied). */
export async function replaySet(model: RepoModel, set: MigrationSet, visit?: (op: MigrationOp, migration: LoadedMigration, index: number) => void): Promise<SchemaReplay> {
  const replay = new SchemaReplay();
  replay.replay(await loadMigrations(model, set), visit);
  return replay;
}

/**
 * The schema that a repository's SQL migrations build, replayed statement by statement with PostgreSQL's own parser:
 * Prisma (`prisma/migrations/<name>/migration.sql`), drizzle-kit (journal order), Supabase, plain `migrations/*.sql`
 * folders (Flyway, golang-migrate, dbmate, goose, sqitch, Hasura), and the literal SQL and schema-builder calls of
 * TypeORM/Knex/Kysely/Sequelize/node-pg-migrate migrations. Tables and columns carry `at` references to the statement
 * that created them; RLS state and policies are tracked. Undefined when the repository has no PostgreSQL migrations.
 *
 * @param options.dir replay only the set in this folder; by default every PostgreSQL set is merged in folder order.
 */
export async function replaySqlMigrations(model: RepoModel, options: ReplayOptions = {}): Promise<DatabaseSchema | undefined> {
  const sets = (options.sets ?? migrationSets(model)).filter((s) => (options.dir === undefined ? replayable(s) : s.dir === options.dir));
  if (sets.length === 0) return undefined;
  const replay = new SchemaReplay();
  let offset = 0;
  for (const set of sets) {
    const migrations = await loadMigrations(model, set);
    replay.replay(migrations, undefined, offset);
    offset += migrations.length;
  }
  return replay.toSchema(sets.every((s) => s.dialect === sets[0]!.dialect) ? sets[0]!.dialect : undefined);
}

