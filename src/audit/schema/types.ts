/**
 * The database schema as prodgrade understands it, from any source: replayed SQL migrations, a Prisma schema, or ORM
 * definitions in code (Drizzle, TypeORM, Sequelize, Kysely). Tenancy, drift and migration rules all read this shape.
 * Names are database names (after `@map`/`@@map`, `name:` options…); `model`/`field` keep the ORM names.
 */

export type SchemaSource = 'sql' | 'prisma' | 'drizzle' | 'typeorm' | 'sequelize' | 'kysely';

export interface SourceRef {
  path: string;
  /** 1-based line. */
  line: number;
  /** String offsets in the file, when known. */
  start?: number;
  end?: number;
}

export interface SchemaColumn {
  name: string;
  /** ORM property name when it differs from the column name. */
  field?: string;
  /** Type as written, lower-cased for SQL (`uuid`, `text`, `varchar(255)`), or the ORM type (`String`, `Int`). */
  type: string;
  nullable: boolean;
  /** Default expression as written, if any. */
  default?: string;
  primaryKey?: boolean;
  unique?: boolean;
  /** Identity, serial or stored generated column (SQL), or an ORM-generated value. */
  generated?: boolean;
  at?: SourceRef;
}

export interface SchemaIndex {
  name?: string;
  /** Columns in order; expressions are given as written. */
  columns: string[];
  unique: boolean;
  /** `CREATE INDEX CONCURRENTLY` (SQL only). */
  concurrently?: boolean;
  /** Index name, when it backs a UNIQUE constraint rather than a `CREATE INDEX`. */
  constraint?: boolean;
  /** Predicate of a partial index, as written. */
  where?: string;
  at?: SourceRef;
}

export interface SchemaForeignKey {
  name?: string;
  columns: string[];
  table: string;
  referencedColumns: string[];
  /** `CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION`, `SET DEFAULT`, when known. */
  onDelete?: string;
  /** ORM relation property that follows this key (a Prisma relation field, a TypeORM/Sequelize/Drizzle relation). */
  relation?: string;
  at?: SourceRef;
}

export interface SchemaTable {
  /** Database table name (schema-qualified only when not `public`, e.g. `audit.events`). */
  name: string;
  /** ORM model / entity / class name, when the source has one. */
  model?: string;
  source: SchemaSource;
  columns: SchemaColumn[];
  indexes: SchemaIndex[];
  foreignKeys: SchemaForeignKey[];
  /** The primary key, when the source declares one (its columns also carry `primaryKey`). */
  primaryKey?: { name?: string; columns: string[]; at?: SourceRef };
  /** A table the ORM creates on its own (a Prisma implicit many-to-many join table). */
  implicit?: boolean;
  /** Row-level security as the migrations leave it (SQL only; undefined when unknown). */
  rls?: { enabled: boolean; forced: boolean; policies: string[] };
  at: SourceRef;
}

export interface SchemaEnum {
  name: string;
  values: string[];
  /** Where each value is declared, when the source says (Prisma). */
  valueAt?: Record<string, SourceRef>;
  at: SourceRef;
}

export interface DatabaseSchema {
  source: SchemaSource;
  tables: SchemaTable[];
  enums: SchemaEnum[];
  /** Files the schema was read from, in the order they were applied. */
  files: string[];
  /** SQL dialect, when the source says (a Prisma datasource, a migration lock file, a drizzle journal). */
  dialect?: SqlDialect;
  /** Statements or definitions that could not be read; a consumer should trust absences less when there are any. */
  issues?: SourceIssue[];
}

export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite' | 'sqlserver' | 'cockroachdb' | 'unknown';

export interface SourceIssue {
  at: SourceRef;
  message: string;
}
