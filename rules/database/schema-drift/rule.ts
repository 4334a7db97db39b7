import { defineRule } from '../../../src/core/define-rule.js';
import { schemaDrift, type Drift } from '../../../src/audit/schema/migrations-drift.js';

const messageIds: ReadonlyArray<Drift['messageId']> = [
  'modelWithoutMigration',
  'fieldWithoutMigration',
  'fieldTypeDiffers',
  'fieldNullabilityDiffers',
  'fieldDefaultDiffers',
  'enumWithoutMigration',
  'enumValueWithoutMigration',
  'indexWithoutMigration',
  'primaryKeyDiffers',
  'relationWithoutMigration',
  'tableOnlyInMigrations',
  'columnOnlyInMigrations',
];

const lock = 'provider = "postgresql"\n';
const datasource = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n\n';
const init = 'CREATE TABLE "User" (\n    "id" TEXT NOT NULL,\n    "email" TEXT NOT NULL,\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n';

export default defineRule({
  meta: {
    id: 'schema-drift',
    category: 'database',
    checklist: 'DB-1',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      modelWithoutMigration:
        '{{model}} is declared in {{orm}} but no migration in {{dir}} creates it, so a database built from the migrations lacks it and every query on it fails. Generate the migration (`prisma migrate dev`, `drizzle-kit generate`) and commit it.',
      fieldWithoutMigration:
        '{{field}} has no column `{{column}}` in the schema the migrations in {{dir}} build, so queries that read or write it fail in production. Generate the missing migration and commit it.',
      fieldTypeDiffers:
        '{{field}} is {{ormType}} in the schema but {{sqlType}} in what the migrations in {{dir}} build, so the client and the database disagree on values. Generate a migration for the change, or fix the schema to match the database.',
      fieldNullabilityDiffers:
        '{{field}} is {{orm}} in the schema but {{sql}} in what the migrations in {{dir}} build, so writes fail or NULLs reach code that does not expect them. Generate the migration for the change.',
      fieldDefaultDiffers:
        '{{field}} has default {{orm}} in the schema but {{sql}} in what the migrations in {{dir}} build, so rows written outside the client get other values. Generate a migration, or align the schema with the database.',
      enumWithoutMigration:
        'Enum `{{enum}}` is declared in the schema but no migration in {{dir}} creates the type, so columns using it cannot exist. Generate the missing migration and commit it.',
      enumValueWithoutMigration:
        'Value `{{value}}` of enum `{{enum}}` is not added by any migration in {{dir}}, so writing it fails with an invalid enum value error. Generate the migration (`ALTER TYPE … ADD VALUE`) and commit it.',
      indexWithoutMigration:
        'The {{kind}} `{{index}}` on `{{table}}` is declared in the schema but no migration in {{dir}} creates it: queries stay slow, or duplicates are accepted. Generate the migration that creates it.',
      primaryKeyDiffers:
        'The primary key of `{{table}}` is ({{orm}}) in the schema but ({{sql}}) in what the migrations in {{dir}} build, so lookups and upserts target other columns. Generate a migration for the key change.',
      relationWithoutMigration:
        'The relation from `{{table}}` ({{columns}}) to `{{target}}` has no foreign key in what the migrations in {{dir}} build, so the database accepts orphaned rows. Generate the migration that adds the foreign key.',
      tableOnlyInMigrations:
        'Table `{{table}}` is created by the migrations but missing from {{orm}}, so the schema and the database disagree: a generated migration may drop it with its data, and code cannot query it through the ORM. Add it to the schema, or drop it deliberately in a migration.',
      columnOnlyInMigrations:
        'Column `{{column}}` exists in what the migrations build but not in {{orm}} (model {{model}}), so a generated migration may drop it with its data, and a NOT NULL column without a default breaks inserts. Add the field to the schema, or drop it deliberately.',
    },
    docs: {
      summary: 'ORM schemas (Prisma, Drizzle, TypeORM) that differ from the schema their committed migrations build.',
      why: 'Production databases are built from the migrations, not from the ORM schema. A model, field, enum value or index that no migration creates makes the deployed application fail at run time, and a table the schema no longer declares is dropped, data and all, by the next generated migration.',
      howToFix:
        'Run the generator (`prisma migrate dev --create-only`, `drizzle-kit generate`), review the SQL and commit the migration with the schema change. Make CI fail on drift: `prisma migrate diff --from-migrations prisma/migrations --to-schema-datamodel prisma/schema.prisma --exit-code` (with a shadow database), or `drizzle-kit check` and `drizzle-kit generate` with a clean-tree check.',
      examples: {
        invalid: [
          {
            file: 'prisma/schema.prisma',
            code: `${datasource}model User {\n  id    String @id\n  email String\n  name  String?\n}\n`,
            context: { 'prisma/migrations/migration_lock.toml': lock, 'prisma/migrations/20240101000000_init/migration.sql': init },
            note: 'The field `name` was added to the schema without a migration.',
          },
        ],
        valid: [
          {
            file: 'prisma/schema.prisma',
            code: `${datasource}model User {\n  id    String  @id\n  email String\n  name  String?\n}\n`,
            context: {
              'prisma/migrations/migration_lock.toml': lock,
              'prisma/migrations/20240101000000_init/migration.sql': init,
              'prisma/migrations/20240201000000_name/migration.sql': 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n',
            },
          },
        ],
      },
      peers: ['prisma migrate diff --exit-code', 'drizzle-kit check', 'atlas migrate diff'],
      limitations: [
        'Prisma schemas are compared on PostgreSQL (and CockroachDB) only; MySQL, SQLite and SQL Server migrations are not replayed.',
        'Drizzle schemas are compared on tables, columns, nullability and indexes, not on types; the schema files come from `drizzle.config.*` (`schema`, `out`, `casing`), or are the tables of the migration folder\'s package when it has no config. PostgreSQL migrations are replayed; for MySQL and SQLite the latest drizzle-kit snapshot stands for the migrations, so hand-edited migration SQL is not seen.',
        'TypeORM entities are compared on tables, columns, nullability and indexes, only when the migrations run literal PostgreSQL through `queryRunner.query` and the naming strategy is the default or `SnakeNamingStrategy`; otherwise the folder is reported as not assessed with the reason. Many-to-many join tables are not checked.',
        'Indexes that exist only in the migrations (hand-written GIN or partial indexes) are not reported.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const { drifts, compared, skipped } = await schemaDrift(ctx.model);
    if (compared.length === 0) {
      const why = skipped.length ? `not assessed: ${skipped.join('; ')}` : 'no Prisma, Drizzle or TypeORM schema with migrations to compare';
      ctx.notApplicable(`schema-drift: ${why}`);
      return;
    }
    for (const drift of drifts) {
      if (!messageIds.includes(drift.messageId)) continue;
      const { at } = drift;
      ctx.report({
        messageId: drift.messageId,
        data: drift.data,
        path: at.path,
        ...(at.start !== undefined && at.end !== undefined ? { range: { start: at.start, end: at.end } } : { line: at.line }),
        key: drift.key,
        ...(drift.confidence ? { confidence: drift.confidence } : {}),
      });
    }
  },
});
