import { defineRule } from '../../../src/core/define-rule.js';
import type { PackageManifest, RepoModel } from '../../../src/audit/model.js';
import { migrationSets } from '../../../src/audit/schema/migrations.js';

/** Runtime dependencies that talk to a SQL database whose schema the application owns. */
const sqlDependencies = [
  '@prisma/client',
  'prisma',
  'drizzle-orm',
  'typeorm',
  'knex',
  'sequelize',
  'kysely',
  '@mikro-orm/core',
  'objection',
  'pg',
  'postgres',
  'pg-promise',
  'slonik',
  '@neondatabase/serverless',
  '@vercel/postgres',
  'mysql2',
  'mysql',
  '@planetscale/database',
];

const testPath = /(?:^|\/)(?:test|tests|__tests__|fixtures|__fixtures__|e2e|examples?|samples?|templates?|docs?)\//i;
/** Folders and files that hold migrations of any tool or language (Alembic, Rails, Django, Liquibase, Go tools…). */
const migrationFile = /(?:^|\/)(?:migrations?|migrate|alembic\/versions|db\/changelog|liquibase)\/[^/]+|(?:^|\/)(?:[^/]*\.migration\.[cm]?[jt]s|atlas\.hcl|flyway\.conf|liquibase\.properties|sqitch\.plan|schema\.rb|structure\.sql)$/i;
/** Commands that apply migrations. */
const migrateCommand = /\b(?:prisma\s+migrate\s+(?:deploy|dev)|drizzle-kit\s+migrate|knex\s+migrate|typeorm(?:-ts-node-\w+)?\s+migration:run|sequelize(?:-cli)?\s+db:migrate|node-pg-migrate|graphile-migrate|dbmate|atlas\s+migrate|mikro-orm\s+migration:up|umzug|kysely\s+migrate|supabase\s+db\s+push|flyway|liquibase)\b/;

function hasMigrations(model: RepoModel): boolean {
  if (migrationSets(model).length > 0) return true;
  if (model.files.some((f) => migrationFile.test(f.path) && !/node_modules/.test(f.path))) return true;
  // Numbered SQL files (`sql/001_init.sql`, `V2__add_index.sql`) are migrations whatever their folder is called.
  if (model.files.some((f) => /(?:^|\/)(?:V?\d{1,14}[._-][^/]*)\.sql$/i.test(f.path) && !testPath.test(f.path))) return true;
  for (const { manifest } of model.manifests()) {
    if (Object.values(manifest.scripts ?? {}).some((s) => typeof s === 'string' && migrateCommand.test(s))) return true;
  }
  // Migrations configured to run from code (TypeORM `migrationsRun`, Umzug, MikroORM `migrator.up()`).
  return model.files.some((f) => /\.(?:[cm]?[jt]s)$/.test(f.path) && !testPath.test(f.path) && /\bmigrationsRun\s*:\s*true|new\s+Umzug\(|getMigrator\(\)\.up\(|\bmigrate\.latest\(|migrator\.migrateToLatest\(/.test(model.text(f.path) ?? ''));
}

/** A package the repository ships as a library (an adapter, a driver wrapper), which has no schema of its own. */
function isLibrary(manifest: PackageManifest): boolean {
  return manifest.private !== true && ['main', 'exports', 'module', 'types', 'bin'].some((k) => manifest[k] !== undefined);
}

/** Prisma schemas of MongoDB, which has no migrations. */
function usesMongo(model: RepoModel, dir: string): boolean {
  return model.find((f) => f.path.endsWith('.prisma') && (dir === '.' || f.path.startsWith(`${dir}/`))).some((f) => /provider\s*=\s*"mongodb"/.test(model.text(f.path) ?? ''));
}

export default defineRule({
  meta: {
    id: 'migrations-missing',
    category: 'database',
    checklist: 'DB-1',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noMigrations:
        'This package uses a SQL database ({{dependencies}}) but the repository has no migrations, so the production schema is changed by hand or by `db push` and cannot be reviewed, reproduced or rolled back. Generate migrations with your ORM and apply them in the deploy.',
    },
    docs: {
      summary: 'A SQL database dependency with no migrations anywhere in the repository.',
      why: 'Without committed migrations, nobody can tell what schema production has, rebuild it for a new environment, review a destructive change before it ships, or roll one back. Schema changes then happen by hand or by `prisma db push`/`drizzle-kit push`, which apply whatever the schema says, dropping data when needed.',
      howToFix:
        'Adopt the ORM\'s migration workflow (`prisma migrate dev` and `prisma migrate deploy`, `drizzle-kit generate` and `migrate`, TypeORM/Knex migrations), create a baseline migration from the current production schema, commit the migrations folder and apply it in the deploy pipeline.',
      examples: {
        invalid: [{ file: 'package.json', code: '{\n  "name": "api",\n  "private": true,\n  "scripts": { "db:push": "prisma db push" },\n  "dependencies": {\n    "@prisma/client": "6.0.0"\n  }\n}\n', context: { 'prisma/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n' } }],
        valid: [
          {
            file: 'package.json',
            code: '{\n  "name": "api",\n  "private": true,\n  "scripts": { "migrate": "prisma migrate deploy" },\n  "dependencies": {\n    "@prisma/client": "6.0.0"\n  }\n}\n',
            context: { 'prisma/migrations/20240101000000_init/migration.sql': 'CREATE TABLE "User" ("id" TEXT NOT NULL);\n' },
          },
        ],
      },
      peers: [],
      limitations: [
        'Migrations kept in another repository (a shared database project) cannot be seen; suppress the finding with a reason.',
        'SQLite and MongoDB dependencies are not considered.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const users = ctx.model
      .manifests()
      .filter(({ path }) => !testPath.test(path))
      .map(({ path, manifest }) => ({ path, manifest, dir: path === 'package.json' ? '.' : path.slice(0, -'/package.json'.length) }))
      .map((m) => ({ ...m, deps: sqlDependencies.filter((d) => m.manifest.dependencies?.[d] !== undefined) }))
      .filter((m) => m.deps.length > 0 && !isLibrary(m.manifest) && !(m.deps.every((d) => d === 'prisma' || d === '@prisma/client') && usesMongo(ctx.model, m.dir)));
    if (users.length === 0) {
      ctx.notApplicable('migrations-missing: no SQL database dependency');
      return;
    }
    if (hasMigrations(ctx.model)) return;
    // One finding for the repository, at the first package that declares a database dependency.
    const first = users[0]!;
    const text = ctx.model.text(first.path) ?? '';
    const at = text.indexOf(`"${first.deps[0]}"`);
    ctx.report({
      messageId: 'noMigrations',
      data: { dependencies: first.deps.join(', ') },
      path: first.path,
      ...(at >= 0 ? { range: { start: at, end: at + first.deps[0]!.length + 2 } } : { line: 1 }),
    });
  },
});
