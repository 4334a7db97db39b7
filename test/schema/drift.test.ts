import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestSnapshot } from '../../src/audit/schema/drizzle-snapshot.js';
import { migrationSets } from '../../src/audit/schema/migrations.js';
import { schemaDrift } from '../../src/audit/schema/migrations-drift.js';
import { readTree } from '../support/tree.js';
import { repo } from './support.js';

const fixtures = new URL('../../rules/database/schema-drift/fixtures/', import.meta.url).pathname;

function fixture(name: string): ReturnType<typeof repo> {
  return repo(readTree(join(fixtures, name)));
}

describe('schemaDrift', () => {
  it('compares TypeORM entities with literal-SQL migrations, and says why it skips others', async () => {
    const compared = await schemaDrift(fixture('invalid-typeorm-drift'));
    expect(compared.compared).toEqual(['src/migrations']);
    expect(compared.drifts.map((d) => d.messageId).sort()).toEqual(['columnOnlyInMigrations', 'fieldNullabilityDiffers', 'fieldWithoutMigration', 'modelWithoutMigration']);
    const snake = await schemaDrift(fixture('valid-typeorm-snake-naming'));
    expect(snake).toMatchObject({ compared: ['src/database/migrations'], drifts: [] });
    const api = await schemaDrift(fixture('valid-typeorm-query-runner-api'));
    expect(api.compared).toEqual([]);
    expect(api.skipped).toEqual([expect.stringContaining('QueryRunner API (`createTable`)')]);
  });

  it('skips TypeORM folders whose naming strategy is not modelled', async () => {
    const model = repo({
      'package.json': '{ "dependencies": { "typeorm": "0.3.20", "pg": "8.13.0" } }',
      'src/data-source.ts': "import { DataSource } from 'typeorm';\nexport default new DataSource({ type: 'postgres', namingStrategy: new PrefixedNaming() });\n",
      'src/user.entity.ts': "import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';\n@Entity()\nexport class User {\n  @PrimaryGeneratedColumn() id: number;\n  @Column() name: string;\n}\n",
      'src/migrations/1-Init.ts': "import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class Init1 implements MigrationInterface {\n  async up(q: QueryRunner) { await q.query(`CREATE TABLE \"app_user\" (\"id\" SERIAL NOT NULL)`); }\n  async down() {}\n}\n",
    });
    const result = await schemaDrift(model);
    expect(result.compared).toEqual([]);
    expect(result.skipped).toEqual([expect.stringContaining('naming strategy `PrefixedNaming`')]);
  });

  it('compares MySQL and SQLite drizzle tables with the latest snapshot, not the first', async () => {
    const sqlite = await schemaDrift(fixture('invalid-drizzle-sqlite-snapshot'));
    expect(sqlite.compared).toEqual(['migrations']);
    expect(sqlite.drifts.map((d) => d.key).sort()).toEqual([
      'fieldWithoutMigration:projects.ownerEmail:project.owner_email:migrations (drizzle-kit\'s snapshot meta/0001_snapshot.json)',
      'modelWithoutMigration:members (table member):the Drizzle schema:migrations (drizzle-kit\'s snapshot meta/0001_snapshot.json)',
      'tableOnlyInMigrations:legacy_flag:the Drizzle schema',
    ]);
    expect(await schemaDrift(fixture('valid-drizzle-mysql-snapshot'))).toMatchObject({ compared: ['drizzle'], drifts: [] });
  });

  it('reads drizzle-kit v1 snapshots (a flat ddl list in each migration folder)', () => {
    const ddl = [
      { entityType: 'tables', name: 'accounts', schema: 'public' },
      { entityType: 'columns', table: 'accounts', schema: 'public', name: 'id', type: 'uuid', notNull: true },
      { entityType: 'columns', table: 'accounts', schema: 'public', name: 'plan', type: 'text', notNull: false, default: { value: "'free'" } },
      { entityType: 'pks', table: 'accounts', schema: 'public', name: 'accounts_pkey', columns: ['id'] },
      { entityType: 'indexes', table: 'accounts', schema: 'public', name: 'accounts_plan_idx', columns: [{ value: 'plan', isExpression: false }], isUnique: false },
    ];
    const model = repo({
      'drizzle/20250101000000_init/migration.sql': 'CREATE TABLE "accounts" ("id" uuid PRIMARY KEY, "plan" text DEFAULT \'free\');\n',
      'drizzle/20250101000000_init/snapshot.json': JSON.stringify({ version: '8', dialect: 'postgres', ddl }),
    });
    const set = migrationSets(model).find((s) => s.framework === 'drizzle')!;
    const snapshot = latestSnapshot(model, set)!;
    const accounts = snapshot.table('accounts')!;
    expect(accounts.columns.map((c) => [c.name, c.nullable, c.default])).toEqual([
      ['id', false, undefined],
      ['plan', true, "'free'"],
    ]);
    expect(accounts.primaryKey?.columns).toEqual(['id']);
    expect(accounts.indexes).toMatchObject([{ name: 'accounts_plan_idx', columns: ['plan'], unique: false }]);
    expect(accounts.at).toMatchObject({ path: 'drizzle/20250101000000_init/migration.sql', line: 1 });
  });
});
