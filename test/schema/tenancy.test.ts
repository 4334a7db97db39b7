import { describe, expect, it } from 'vitest';
import { RepoModel } from '../../src/audit/model.js';
import { ormSchemas } from '../../src/audit/schema/orm/index.js';
import { databaseSchemas, defaultTenantKeys, tenancyOf, type Tenancy } from '../../src/audit/schema/tenancy.js';
import { parsePrisma } from '../../src/audit/parsers/prisma.js';
import { upRange } from '../../src/audit/schema/source-paths.js';
import { prismaSchemas, sqlSchemas } from '../../src/audit/schema/tenancy-sources.js';

function repo(files: Record<string, string>): RepoModel {
  return new RepoModel(
    '/virtual',
    Object.entries(files).map(([path, text]) => ({ path, text, size: text.length })),
  );
}

const options = { tenantKeys: [...defaultTenantKeys], tenantOwned: [], global: [] };

function table(t: Tenancy, name: string) {
  return t.tables.find((x) => x.table === name || x.models.some((m) => m.name === name));
}

describe('ORM schema readers', () => {
  it('reads drizzle tables with builders, spreads, third-argument indexes and relations', () => {
    const schemas = ormSchemas(
      repo({
        'src/db/schema.ts': `
import { relations } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
const timestamps = { createdAt: text('created_at') };
export const orgs = pgTable('orgs', { id: uuid('id').primaryKey() });
export const docs = pgTable('documents', {
  id: uuid('id').notNull(),
  orgId: uuid('org_id').notNull().references(() => orgs.id),
  ...timestamps,
}, (t) => [primaryKey({ columns: [t.orgId, t.id] }), index('docs_created').on(t.createdAt.asc())]);
export const docsRelations = relations(docs, ({ one }) => ({ org: one(orgs, { fields: [docs.orgId], references: [orgs.id] }) }));
`,
      }),
    );
    const docs = schemas.flatMap((s) => s.tables).find((t) => t.name === 'documents')!;
    expect(docs.model).toBe('docs');
    expect(docs.columns.map((c) => c.name)).toEqual(['id', 'org_id', 'created_at']);
    expect(docs.primaryKey?.columns).toEqual(['org_id', 'id']);
    expect(docs.indexes.map((i) => i.columns)).toContainEqual(['created_at']);
    expect(docs.foreignKeys).toEqual([expect.objectContaining({ columns: ['org_id'], table: 'orgs', relation: 'org' })]);
  });

  it('reads TypeORM entities with inherited columns, relations and index decorators', () => {
    const schemas = ormSchemas(
      repo({
        'src/base.ts': `
import { Column, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
export abstract class TenantEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @ManyToOne(() => Tenant) tenant!: Tenant;
  @Index() @Column() tenantId!: string;
}`,
        'src/tenant.entity.ts': `import { Entity, PrimaryGeneratedColumn } from 'typeorm';
@Entity() export class Tenant { @PrimaryGeneratedColumn() id!: string; }`,
        'src/invoice.entity.ts': `import { Column, Entity } from 'typeorm';
@Entity({ name: 'invoices' }) export class Invoice extends TenantEntity { @Column({ name: 'total_cents' }) total!: number; }`,
      }),
    );
    const invoice = schemas.find((s) => s.source === 'typeorm')!.tables.find((t) => t.model === 'Invoice')!;
    expect(invoice.name).toBe('invoices');
    expect(invoice.columns.map((c) => c.name)).toEqual(['id', 'tenantId', 'total_cents']);
    expect(invoice.indexes.map((i) => i.columns)).toEqual([['tenantId']]);
    expect(invoice.foreignKeys[0]).toMatchObject({ columns: ['tenantId'], table: 'tenant', relation: 'tenant' });
  });

  it('reads Sequelize init/define models, sequelize-typescript classes and queryInterface migrations', () => {
    const schemas = ormSchemas(
      repo({
        'src/models.ts': `
import { DataTypes, Model } from 'sequelize';
export class Note extends Model {}
Note.init({ id: { type: DataTypes.UUID, primaryKey: true }, teamId: { type: DataTypes.UUID, field: 'team_id' } }, { sequelize, tableName: 'notes', indexes: [{ fields: ['team_id'] }] });
export const Tag = sequelize.define('Tag', { teamId: DataTypes.UUID });`,
        'src/page.ts': `
import { BelongsTo, Column, ForeignKey, Table, Model } from 'sequelize-typescript';
@Table({ tableName: 'pages' })
export class Page extends Model { @ForeignKey(() => Team) @Column teamId!: string; @BelongsTo(() => Team, 'teamId') team!: Team; }`,
        'migrations/20240101-pages.js': `module.exports = {
  async up(queryInterface) { await queryInterface.addIndex('pages', ['teamId']); },
  async down(queryInterface) { await queryInterface.removeIndex('pages', ['teamId']); await queryInterface.addIndex('pages', ['other']); },
};`,
      }),
    );
    const all = schemas.flatMap((s) => s.tables);
    expect(all.find((t) => t.model === 'Note')).toMatchObject({ name: 'notes', indexes: [{ columns: ['team_id'] }] });
    expect(all.find((t) => t.model === 'Tag')?.name).toBe('Tags');
    expect(all.find((t) => t.model === 'Page')?.foreignKeys[0]).toMatchObject({ columns: ['teamId'], relation: 'team' });
    // `down` is not replayed.
    expect(all.filter((t) => t.name === 'pages' && !t.model).flatMap((t) => t.indexes.map((i) => i.columns))).toEqual([['teamId']]);
  });

  it('reads Kysely database interfaces and knex schema-builder migrations', () => {
    const schemas = ormSchemas(
      repo({
        'src/db.ts': `import { Generated, Kysely } from 'kysely';
interface Ticket { id: Generated<string>; tenant_id: string; subject: string | null }
export interface Database { tickets: Ticket }
export const db = new Kysely<Database>({} as never);`,
        'migrations/001.js': `exports.up = (knex) => knex.schema.createTable('comments', (t) => { t.uuid('tenant_id').notNullable().references('id').inTable('tenants'); t.index(['tenant_id']); });`,
      }),
    );
    const all = schemas.flatMap((s) => s.tables);
    expect(all.find((t) => t.name === 'tickets')?.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['tenant_id', false],
      ['subject', true],
    ]);
    expect(all.find((t) => t.name === 'comments')).toMatchObject({ foreignKeys: [{ columns: ['tenant_id'], table: 'tenants' }], indexes: [{ columns: ['tenant_id'] }] });
  });

  it('keeps only the up part of a code migration', () => {
    const text = 'export class M { async up(q) { a(); } async down(q) { b(); } }';
    const { start, end } = upRange(text);
    expect(text.slice(start, end)).toContain('a()');
    expect(text.slice(start, end)).not.toContain('b()');
  });
});

describe('private Prisma and SQL readers', () => {
  it('turns Prisma relations into foreign keys with their relation field', () => {
    const schema = prismaSchemas(
      repo({
        'prisma/schema.prisma': 'model Team {\n  id String @id\n}\n\nmodel Project {\n  id     String @id\n  teamId String @map("team_id")\n  team   Team   @relation(fields: [teamId], references: [id])\n\n  @@index([teamId])\n  @@map("projects")\n}\n',
      }),
    )!;
    const project = schema.tables.find((t) => t.model === 'Project')!;
    expect(project.name).toBe('projects');
    expect(project.columns.find((c) => c.field === 'teamId')?.name).toBe('team_id');
    expect(project.foreignKeys).toEqual([expect.objectContaining({ columns: ['team_id'], table: 'Team', relation: 'team' })]);
    expect(project.indexes.map((i) => i.columns)).toEqual([['team_id']]);
  });

  it('replays RLS across migration files and notices a template that enables it for every table', async () => {
    const { schema, genericRls } = await sqlSchemas(
      repo({
        'migrations/001.sql': 'CREATE TABLE t (id int PRIMARY KEY, org_id int NOT NULL);\nCREATE TABLE u (id int);\n',
        'migrations/002.sql': 'ALTER TABLE t ENABLE ROW LEVEL SECURITY;\nALTER TABLE t FORCE ROW LEVEL SECURITY;\nCREATE POLICY p ON t USING (org_id = 1);\nDROP TABLE u;\n',
        'db/templates_after_each.sql': 'alter table ${name} enable row level security;\n',
      }),
    );
    expect(schema?.tables.map((t) => [t.name, t.rls])).toEqual([['t', { enabled: true, forced: true, policies: ['p'] }]]);
    expect(genericRls).toMatchObject({ path: 'db/templates_after_each.sql', forced: false });
  });
});

describe('tenancy inference', () => {
  it('finds direct and inherited tenant ownership, roots and users tables', async () => {
    const t = await tenancyOf(
      repo({
        'prisma/schema.prisma': `
model User {
  id String @id
}
model Team {
  id String @id
}
model Membership {
  id     String @id
  userId String
  teamId String
  user   User   @relation(fields: [userId], references: [id])
  team   Team   @relation(fields: [teamId], references: [id])
}
model Project {
  id     String @id
  teamId String
  team   Team   @relation(fields: [teamId], references: [id])
}
model Task {
  id        String  @id
  projectId String
  project   Project @relation(fields: [projectId], references: [id])
  labelId   String?
}
model Plan {
  id String @id
}
`,
      }),
      options,
    );
    expect(t.roots).toEqual(['Team']);
    expect(table(t, 'Project')?.reason).toBe('it has the tenant column teamId');
    expect(table(t, 'Task')).toMatchObject({ path: [{ to: 'Project', relation: 'project' }], reason: 'it belongs to a tenant through Task → Project' });
    expect(table(t, 'Membership')?.ownerColumns).toEqual([{ name: 'userId' }]);
    expect(table(t, 'Plan')).toBeUndefined();
    expect(table(t, 'Team')).toBeUndefined();
    expect(table(t, 'Project')?.tenantIndexed).toBe(false);
  });

  it('ignores a key-named column with no foreign key when the schema anchors its tenants by foreign keys', async () => {
    const t = await tenancyOf(
      repo({
        'prisma/schema.prisma': `
model Workspace {
  id String @id
}
model Link {
  id          String    @id
  tenantId    String?
  workspaceId String
  workspace   Workspace @relation(fields: [workspaceId], references: [id])
}
`,
      }),
      options,
    );
    expect(table(t, 'Link')?.tenantColumns).toEqual([{ name: 'workspaceId' }]);
  });

  it('treats a workspace users join through its own membership table as a tenant of the tables below it', async () => {
    const children = Array.from({ length: 5 }, (_, i) => `model Child${i} {\n  id        String  @id\n  projectId String\n  project   Project @relation(fields: [projectId], references: [id])\n}`).join('\n');
    const t = await tenancyOf(
      repo({
        'prisma/schema.prisma': `
model User {
  id String @id
}
model Organization {
  id String @id
}
model Project {
  id    String       @id
  orgId String
  org   Organization @relation(fields: [orgId], references: [id])
}
model ProjectMembership {
  userId    String
  projectId String
  user      User    @relation(fields: [userId], references: [id])
  project   Project @relation(fields: [projectId], references: [id])
  @@id([projectId, userId])
}
${children}
`,
      }),
      options,
    );
    expect(table(t, 'Project')).toMatchObject({ workspace: true, tenantColumns: [{ name: 'orgId' }] });
    expect(table(t, 'Child0')?.tenantColumns).toEqual([{ name: 'projectId' }]);
  });

  it('honours tenantOwned and global, and custom tenant keys', async () => {
    const files = {
      'migrations/001.sql': 'CREATE TABLE shops (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, shop_id int NOT NULL REFERENCES shops (id));\nCREATE TABLE audit (id int PRIMARY KEY);\nCREATE TABLE coupons (id int PRIMARY KEY, shop_id int NOT NULL);\n',
    };
    const t = await tenancyOf(repo(files), { tenantKeys: ['shopId'], tenantOwned: ['audit'], global: ['coupons'] });
    expect(t.tables.map((x) => x.table).sort()).toEqual(['audit', 'orders']);
    expect(table(t, 'audit')?.reason).toBe('it is listed in the rule option tenantOwned');
  });

  it('detects Prisma client extensions that inject the tenant and request guards', async () => {
    const t = await tenancyOf(
      repo({
        'prisma/schema.prisma': 'model Team {\n  id String @id\n}\nmodel Doc {\n  id     String @id\n  teamId String\n  team   Team   @relation(fields: [teamId], references: [id])\n}\n',
        'src/db.ts': "export const scoped = (teamId: string) => prisma.$extends({ query: { doc: { async findMany({ args, query }) { args.where = { ...args.where, teamId }; return query(args); } } } });\n",
        'src/guard.ts': "export class TeamGuard implements CanActivate { canActivate(ctx) { const req = ctx.switchToHttp().getRequest(); return req.user.teamIds.includes(req.params.teamId); } }\n",
      }),
      options,
    );
    expect(t.scoping).toEqual([{ kind: 'prisma-extension', path: 'src/db.ts', line: 1, models: ['doc'] }]);
    expect(t.requestGuards).toEqual([{ path: 'src/guard.ts', line: 1 }]);
  });
});

describe('schemas parsed by another thread', () => {
  it('are waited for by the schema readers and used instead of a parse of their own', async () => {
    const model = repo({ 'prisma/schema.prisma': 'model Local {\n  id String @id\n  orgId String\n}\n' });
    let arrive!: (parsed: ReadonlyMap<string, ReturnType<typeof parsePrisma>>) => void;
    model.adoptPrismaLater(new Promise((resolve) => (arrive = resolve)));
    const reading = databaseSchemas(model);
    // What the other thread parsed (here another text, to tell the two apart) arrives after the readers asked.
    setTimeout(() => arrive(new Map([['prisma/schema.prisma', parsePrisma('model Remote {\n  id String @id\n  orgId String\n}\n')]])), 20);
    const { schemas } = await reading;
    expect(schemas.flatMap((s) => s.tables.map((t) => t.name))).toEqual(['Remote']);
  });

  it('never replace a parse this thread already made', () => {
    const model = repo({ 'schema.prisma': 'model A {\n  id String @id\n}\n' });
    const own = model.prisma('schema.prisma');
    model.adoptPrisma(new Map([['schema.prisma', parsePrisma('model B {\n  id String @id\n}\n')]]));
    expect(model.prisma('schema.prisma')).toBe(own);
  });
});
