import { describe, expect, it } from 'vitest';
import { replaySqlMigrations } from '../../src/audit/schema/sql-replay.js';
import { migrationSets } from '../../src/audit/schema/migrations.js';
import { repo } from './support.js';

const lock = 'provider = "postgresql"\n';

describe('replaySqlMigrations', () => {
  it('replays Prisma migrations in folder order with renames, drops, enums, indexes and RLS', async () => {
    const model = repo({
      'prisma/migrations/migration_lock.toml': lock,
      'prisma/migrations/20240101000000_init/migration.sql': [
        'CREATE TYPE "Role" AS ENUM (\'ADMIN\', \'MEMBER\');',
        'CREATE TABLE "User" (',
        '  "id" TEXT NOT NULL,',
        '  "email" VARCHAR(255) NOT NULL,',
        '  "role" "Role" NOT NULL DEFAULT \'MEMBER\',',
        '  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,',
        '  "legacy" INTEGER,',
        '  CONSTRAINT "User_pkey" PRIMARY KEY ("id")',
        ');',
        'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");',
        'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" TEXT, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));',
        'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;',
      ].join('\n'),
      'prisma/migrations/20240201000000_next/migration.sql': [
        'ALTER TYPE "Role" ADD VALUE \'OWNER\';',
        'ALTER TABLE "User" DROP COLUMN "legacy", ADD COLUMN "name" TEXT;',
        'ALTER TABLE "Post" RENAME COLUMN "authorId" TO "userId";',
        'ALTER TABLE "Post" RENAME TO "Article";',
        'ALTER TABLE "Article" ENABLE ROW LEVEL SECURITY;',
        'CREATE POLICY tenant ON "Article" USING (true);',
        'DROP INDEX "User_email_key";',
        'CREATE INDEX CONCURRENTLY "User_name_idx" ON "User" ("name") WHERE "name" IS NOT NULL;',
      ].join('\n'),
    });
    const schema = (await replaySqlMigrations(model))!;
    expect(schema.files).toEqual(['prisma/migrations/20240101000000_init/migration.sql', 'prisma/migrations/20240201000000_next/migration.sql']);
    expect(schema.dialect).toBe('postgresql');
    expect(schema.enums).toMatchObject([{ name: 'Role', values: ['ADMIN', 'MEMBER', 'OWNER'] }]);
    const user = schema.tables.find((t) => t.name === 'User')!;
    expect(user.columns.map((c) => [c.name, c.type, c.nullable, c.default])).toEqual([
      ['id', 'text', false, undefined],
      ['email', 'varchar(255)', false, undefined],
      ['role', 'Role', false, "'MEMBER'"],
      ['createdAt', 'timestamp(3)', false, 'now()'],
      ['name', 'text', true, undefined],
    ]);
    expect(user.primaryKey).toMatchObject({ name: 'User_pkey', columns: ['id'] });
    expect(user.indexes).toMatchObject([{ name: 'User_name_idx', columns: ['name'], concurrently: true, where: 'name is not null' }]);
    expect(user.at).toMatchObject({ path: 'prisma/migrations/20240101000000_init/migration.sql', line: 2 });
    expect(user.columns[1]!.at).toMatchObject({ line: 4 });
    const article = schema.tables.find((t) => t.name === 'Article')!;
    expect(schema.tables.some((t) => t.name === 'Post')).toBe(false);
    expect(article.columns.map((c) => [c.name, c.type, c.generated])).toEqual([
      ['id', 'integer', true],
      ['userId', 'text', undefined],
    ]);
    expect(article.foreignKeys).toMatchObject([{ columns: ['userId'], table: 'User', referencedColumns: ['id'], onDelete: 'SET NULL' }]);
    expect(article.rls).toEqual({ enabled: true, forced: false, policies: ['tenant'] });
  });

  it('orders drizzle-kit migrations by the journal and reads snapshots', async () => {
    const model = repo({
      'drizzle/meta/_journal.json': JSON.stringify({ dialect: 'postgresql', entries: [{ idx: 0, tag: '0000_b_first' }, { idx: 1, tag: '0001_a_second' }] }),
      'drizzle/meta/0000_snapshot.json': '{}',
      'drizzle/0001_a_second.sql': 'ALTER TABLE "users" ADD COLUMN "age" integer;',
      'drizzle/0000_b_first.sql': 'CREATE TABLE IF NOT EXISTS "users" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL);\n--> statement-breakpoint\nCREATE INDEX IF NOT EXISTS "users_id_idx" ON "users" USING btree ("id");',
    });
    const [set] = migrationSets(model);
    expect(set).toMatchObject({ dir: 'drizzle', framework: 'drizzle', dialect: 'postgresql', snapshots: ['drizzle/meta/0000_snapshot.json'] });
    const schema = (await replaySqlMigrations(model))!;
    expect(schema.tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'age']);
    expect(schema.tables[0]!.columns[0]).toMatchObject({ type: 'uuid', primaryKey: true, default: 'gen_random_uuid()' });
  });

  it('orders flat SQL folders numerically and keeps only the up part', async () => {
    const model = repo({
      'supabase/migrations/20240110_b.sql': 'alter table public.notes add column body text not null default \'\';',
      'supabase/migrations/20240101_a.sql': 'create table public.notes (id bigint generated always as identity primary key, title text);\nalter table public.notes enable row level security;\nalter table notes force row level security;',
      'db/migrations/2_second.up.sql': 'ALTER TABLE items ADD COLUMN price numeric(10,2);',
      'db/migrations/2_second.down.sql': 'ALTER TABLE items DROP COLUMN price;',
      'db/migrations/10_third.sql': '-- migrate:up\nALTER TABLE items ADD COLUMN sku text;\n-- migrate:down\nALTER TABLE items DROP COLUMN sku;\n',
      'db/migrations/1_first.up.sql': 'CREATE TABLE items (id serial primary key, name text);',
    });
    const sets = migrationSets(model);
    expect(sets.map((s) => [s.dir, s.framework, s.migrations.map((m) => m.name)])).toEqual([
      ['db/migrations', 'sql', ['1_first.up', '2_second.up', '10_third']],
      ['supabase/migrations', 'supabase', ['20240101_a', '20240110_b']],
    ]);
    const items = (await replaySqlMigrations(model, { dir: 'db/migrations' }))!.tables[0]!;
    expect(items.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:integer', 'name:text', 'price:numeric(10,2)', 'sku:text']);
    const notes = (await replaySqlMigrations(model, { dir: 'supabase/migrations' }))!.tables[0]!;
    expect(notes.name).toBe('notes');
    expect(notes.rls).toMatchObject({ enabled: true, forced: true });
    expect(notes.columns.find((c) => c.name === 'body')).toMatchObject({ nullable: false, default: "''" });
  });

  it('orders each tool\'s migrations as the tool applies them', () => {
    const typeorm = (cls: string, extra = ''): string =>
      `import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class ${cls} implements MigrationInterface {\n${extra}  async up(q: QueryRunner) { await q.query(\`SELECT 1 WHERE name = 'Zed9999999999999'\`); }\n  async down() {}\n}\n`;
    const model = repo({
      'package.json': JSON.stringify({ dependencies: { pg: '8.0.0', typeorm: '0.3.0', knex: '3.0.0' } }),
      // Prisma: plain string order of the folder names, so the 8- and 12-digit prefixes land between the 14-digit ones.
      'prisma/migrations/migration_lock.toml': lock,
      'prisma/migrations/20240301000000_c/migration.sql': 'SELECT 1;',
      'prisma/migrations/20240105_b/migration.sql': 'SELECT 1;',
      'prisma/migrations/202401011200_a/migration.sql': 'SELECT 1;',
      'prisma/migrations/20231201000000_first/migration.sql': 'SELECT 1;',
      // Unknown flat SQL folder: numbers compared as numbers.
      'sql/migrations/10_c.sql': 'SELECT 1;',
      'sql/migrations/9_b.sql': 'SELECT 1;',
      // TypeORM: the timestamp that ends the class name (or the `name` property), not the file name.
      'src/migrations/0002-Late.ts': typeorm('Late1700000000001'),
      'src/migrations/0001-Early.ts': typeorm('Renamed', "  name = 'Early1600000000000';\n"),
      'src/migrations/0000-Last.ts': typeorm('Last1800000000000'),
      // Knex: plain string order of the whole file names.
      'db/migrations/2_b.js': 'exports.up = (knex) => knex.schema.dropTable("x");\n',
      'db/migrations/10_a.js': 'exports.up = (knex) => knex.schema.dropTable("y");\n',
    });
    expect(Object.fromEntries(migrationSets(model).map((s) => [s.dir, s.migrations.map((m) => m.name)]))).toEqual({
      'db/migrations': ['10_a', '2_b'],
      'prisma/migrations': ['20231201000000_first', '202401011200_a', '20240105_b', '20240301000000_c'],
      'sql/migrations': ['9_b', '10_c'],
      'src/migrations': ['0001-Early', '0002-Late', '0000-Last'],
    });
  });

  it('takes the columns of the index a PRIMARY KEY or UNIQUE constraint is attached to with USING INDEX', async () => {
    const model = repo({
      'prisma/migrations/migration_lock.toml': lock,
      'prisma/migrations/20240101000000_init/migration.sql': [
        'CREATE TABLE "seats" ("row" TEXT NOT NULL, "num" INTEGER NOT NULL, "code" TEXT);',
        'CREATE UNIQUE INDEX "seats_row_num" ON "seats"("row", "num");',
        'CREATE UNIQUE INDEX "seats_code_idx" ON "seats"("code");',
        'ALTER TABLE "seats" ADD CONSTRAINT "seats_pkey" PRIMARY KEY USING INDEX "seats_row_num";',
        'ALTER TABLE "seats" ADD CONSTRAINT "seats_code_key" UNIQUE USING INDEX "seats_code_idx";',
      ].join('\n'),
    });
    const seats = (await replaySqlMigrations(model, { dir: 'prisma/migrations' }))!.tables[0]!;
    expect(seats.primaryKey).toMatchObject({ name: 'seats_pkey', columns: ['row', 'num'] });
    expect(seats.indexes.map((i) => `${i.name}:${i.columns.join(',')}:${i.unique}`)).toEqual(['seats_code_key:code:true']);
  });

  it('reads literal SQL of TypeORM migrations and Knex schema-builder calls', async () => {
    const model = repo({
      'package.json': JSON.stringify({ dependencies: { pg: '8.0.0', typeorm: '0.3.0', knex: '3.0.0' } }),
      'src/migrations/1700000000000-Init.ts': [
        'import { MigrationInterface, QueryRunner } from "typeorm";',
        'export class Init1700000000000 implements MigrationInterface {',
        '  public async up(queryRunner: QueryRunner): Promise<void> {',
        '    await queryRunner.query(`CREATE TABLE "account" ("id" uuid NOT NULL, "name" character varying NOT NULL, CONSTRAINT "PK_1" PRIMARY KEY ("id"))`);',
        '    await queryRunner.query(`CREATE INDEX "IDX_name" ON "account" ("name") `);',
        '  }',
        '  public async down(queryRunner: QueryRunner): Promise<void> {',
        '    await queryRunner.query(`DROP TABLE "account"`);',
        '  }',
        '}',
      ].join('\n'),
      'db/migrations/20240101_users.js': [
        'exports.up = function (knex) {',
        '  return knex.schema.createTable("users", (t) => {',
        '    t.increments();',
        '    t.string("email", 320).notNullable().unique();',
        '    t.integer("account_id").references("account.id");',
        '    t.timestamps(true, true);',
        '  });',
        '};',
        'exports.down = (knex) => knex.schema.dropTable("users");',
      ].join('\n'),
      'db/migrations/20240201_rename.js': 'exports.up = (knex) => knex.schema.alterTable("users", (t) => { t.renameColumn("email", "mail"); t.dropColumn("updated_at"); });\nexports.down = () => {};\n',
    });
    const sets = migrationSets(model);
    expect(sets.map((s) => [s.dir, s.framework, s.dialect])).toEqual([
      ['db/migrations', 'knex', 'postgresql'],
      ['src/migrations', 'typeorm', 'postgresql'],
    ]);
    const typeorm = (await replaySqlMigrations(model, { dir: 'src/migrations' }))!;
    expect(typeorm.tables).toHaveLength(1);
    expect(typeorm.tables[0]).toMatchObject({ name: 'account', indexes: [{ name: 'IDX_name', columns: ['name'] }] });
    expect(typeorm.tables[0]!.columns[1]).toMatchObject({ name: 'name', type: 'varchar', at: { line: 4 } });
    const knex = (await replaySqlMigrations(model, { dir: 'db/migrations' }))!;
    const users = knex.tables[0]!;
    expect(users.columns.map((c) => `${c.name}:${c.type}:${c.nullable}`)).toEqual(['id:integer:false', 'mail:varchar(320):false', 'account_id:integer:true', 'created_at:timestamptz:false']);
    expect(users.foreignKeys).toMatchObject([{ columns: ['account_id'], table: 'account', referencedColumns: ['id'] }]);
  });

  it('leaves out other dialects and test fixtures', async () => {
    const model = repo({
      'prisma/migrations/migration_lock.toml': 'provider = "mysql"\n',
      'prisma/migrations/1_init/migration.sql': 'CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4;',
      'test/fixtures/migrations/1.sql': 'CREATE TABLE t (id int);',
    });
    expect(migrationSets(model).map((s) => [s.dir, s.dialect])).toEqual([['prisma/migrations', 'mysql']]);
    expect(await replaySqlMigrations(model)).toBeUndefined();
  });
});

describe('migration statements', () => {
  it('locates each command of a multi-line ALTER TABLE, reads DO blocks and drizzle breakpoints', async () => {
    const { loadMigrations } = await import('../../src/audit/schema/migrations.js');
    const model = repo({
      'drizzle/meta/_journal.json': JSON.stringify({ dialect: 'postgresql', entries: [{ idx: 0, tag: '0000_a' }] }),
      'drizzle/0000_a.sql': [
        'CREATE TABLE "t" ("id" int, "a" text, "b" text);',
        'INSERT INTO "t" VALUES (1, \'x\', \'y\')',
        '--> statement-breakpoint',
        'ALTER TABLE "t" DROP COLUMN "a",',
        '  -- a comment between commands',
        '  ALTER COLUMN "b" SET NOT NULL;--> statement-breakpoint',
        'DO $$ BEGIN',
        ' ALTER TABLE "t" ADD CONSTRAINT "t_fk" FOREIGN KEY ("id") REFERENCES "u"("id");',
        'EXCEPTION',
        ' WHEN duplicate_object THEN null;',
        'END $$;',
      ].join('\n'),
    });
    const [set] = migrationSets(model);
    const [migration] = await loadMigrations(model, set!);
    expect(migration!.issues).toEqual([]);
    expect(migration!.ops.map((op) => `${op.kind}@${op.at.line}`)).toEqual(['createTable@1', 'dropColumn@4', 'setNotNull@6', 'addConstraint@8']);
  });

  it('knows which type changes rewrite the table', async () => {
    const { typeChangeRewrites } = await import('../../src/audit/schema/migrations-safety.js');
    expect(typeChangeRewrites('varchar(50)', 'varchar(100)')).toBe(false);
    expect(typeChangeRewrites('varchar(100)', 'varchar(50)')).toBe(true);
    expect(typeChangeRewrites('varchar(50)', 'text')).toBe(false);
    expect(typeChangeRewrites('text', 'varchar(50)')).toBe(true);
    expect(typeChangeRewrites('numeric(10,2)', 'numeric(12,2)')).toBe(false);
    expect(typeChangeRewrites('numeric(10,2)', 'numeric(12,4)')).toBe(true);
    expect(typeChangeRewrites('integer', 'bigint')).toBe(true);
    expect(typeChangeRewrites('timestamp(3)', 'timestamp(6)')).toBe(false);
    expect(typeChangeRewrites(undefined, 'text')).toBe(true);
  });
});
