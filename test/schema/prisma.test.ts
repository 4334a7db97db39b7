import { describe, expect, it } from 'vitest';
import { prismaSchema, prismaSchemas, prismaSqlType } from '../../src/audit/schema/prisma.js';
import { repo } from './support.js';

const schemaText = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

enum Role {
  ADMIN
  MEMBER @map("member")
  @@map("role")
}

model Team {
  id        String    @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  name      String    @db.VarChar(100)
  members   User[]
  tags      Tag[]
  createdAt DateTime  @default(now()) @map("created_at")
  @@map("teams")
}

model User {
  id      Int      @id @default(autoincrement())
  email   String   @unique
  teamId  String?  @map("team_id") @db.Uuid
  team    Team?    @relation(fields: [teamId], references: [id], onDelete: Cascade)
  role    Role     @default(MEMBER)
  balance Decimal
  scores  Float[]
  meta    Json?
  token   String   @default(cuid())
  @@unique([teamId, email], map: "users_team_email")
  @@index([teamId, role(sort: Desc)])
  @@map("users")
}

model Tag {
  id    Int    @id
  teams Team[]
}

model Membership {
  userId Int
  teamId String @db.Uuid
  @@id([userId, teamId])
}
`;

describe('prismaSchema', () => {
  it('maps models, fields, enums, indexes and relations to database names and PostgreSQL types', () => {
    const schema = prismaSchema(repo({ 'prisma/schema.prisma': schemaText }))!;
    expect(schema.source).toBe('prisma');
    expect(schema.dialect).toBe('postgresql');
    expect(schema.enums).toMatchObject([{ name: 'role', values: ['ADMIN', 'member'], at: { line: 6 } }]);
    const teams = schema.tables.find((t) => t.name === 'teams')!;
    expect(teams).toMatchObject({ model: 'Team', at: { path: 'prisma/schema.prisma', line: 12 } });
    expect(teams.columns.map((c) => [c.name, c.field, c.type, c.nullable, c.default])).toEqual([
      ['id', undefined, 'uuid', false, 'dbgenerated(gen_random_uuid())'],
      ['name', undefined, 'varchar(100)', false, undefined],
      ['created_at', 'createdAt', 'timestamp(3)', false, 'now()'],
    ]);
    const users = schema.tables.find((t) => t.name === 'users')!;
    expect(users.columns.map((c) => [c.name, c.type, c.nullable, c.default ?? null])).toEqual([
      ['id', 'integer', false, 'autoincrement()'],
      ['email', 'text', false, null],
      ['team_id', 'uuid', true, null],
      ['role', 'role', false, "'member'"],
      ['balance', 'numeric(65,30)', false, null],
      ['scores', 'double precision[]', false, null],
      ['meta', 'jsonb', true, null],
      ['token', 'text', false, null],
    ]);
    expect(users.columns[0]).toMatchObject({ primaryKey: true, generated: true, at: { line: 22 } });
    expect(users.primaryKey).toMatchObject({ name: 'users_pkey', columns: ['id'] });
    expect(users.indexes.map((i) => [i.name, i.columns, i.unique])).toEqual([
      ['users_email_key', ['email'], true],
      ['users_team_email', ['team_id', 'email'], true],
      ['users_team_id_role_idx', ['team_id', 'role'], false],
    ]);
    expect(users.foreignKeys).toEqual([
      { name: 'users_team_id_fkey', columns: ['team_id'], table: 'teams', referencedColumns: ['id'], onDelete: 'CASCADE', relation: 'team', at: expect.objectContaining({ line: 25 }) },
    ]);
    const join = schema.tables.find((t) => t.name === '_TagToTeam')!;
    expect(join).toMatchObject({ implicit: true, columns: [{ name: 'A', type: 'integer' }, { name: 'B', type: 'uuid' }] });
    expect(join.foreignKeys.map((f) => f.table)).toEqual(['Tag', 'teams']);
    const membership = schema.tables.find((t) => t.name === 'Membership')!;
    expect(membership.primaryKey).toMatchObject({ name: 'Membership_pkey', columns: ['userId', 'teamId'] });
  });

  it('reads a multi-file schema folder as one schema and finds its migrations', () => {
    const model = repo({
      'prisma/schema/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url = env("DB")\n}\n',
      'prisma/schema/user.prisma': 'model User {\n  id Int @id\n  posts Post[]\n}\n',
      'prisma/schema/post.prisma': 'model Post {\n  id Int @id\n  userId Int\n  user User @relation(fields: [userId], references: [id])\n}\n',
      'prisma/schema/migrations/1_init/migration.sql': 'CREATE TABLE "User" ("id" INTEGER NOT NULL);',
    });
    const [info] = prismaSchemas(model);
    expect(info).toMatchObject({ root: 'prisma/schema', migrationsDir: 'prisma/schema/migrations', emulatedRelations: false });
    expect(info!.schema.tables.map((t) => t.name).sort()).toEqual(['Post', 'User']);
    expect(info!.schema.tables.find((t) => t.name === 'Post')!.foreignKeys).toMatchObject([{ table: 'User', onDelete: 'RESTRICT' }]);
  });

  it('notes emulated relations, multi-schema names and syntax errors', () => {
    const model = repo({
      'schema.prisma': 'datasource db {\n  provider = "postgresql"\n  relationMode = "prisma"\n  schemas = ["auth"]\n}\nmodel Session {\n  id Int @id\n  @@map("sessions")\n  @@schema("auth")\n}\n',
      'other/broken.prisma': 'model {{{',
    });
    const infos = prismaSchemas(model);
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ emulatedRelations: true, migrationsDir: 'migrations' });
    expect(infos[0]!.schema.tables[0]!.name).toBe('auth.sessions');
  });

  it('maps native types as Prisma Migrate does', () => {
    expect(prismaSqlType('DateTime', { name: 'Timestamptz', args: ['6'] })).toBe('timestamptz(6)');
    expect(prismaSqlType('DateTime', { name: 'Date', args: [] })).toBe('date');
    expect(prismaSqlType('Decimal', { name: 'Decimal', args: ['10', '2'] })).toBe('numeric(10,2)');
    expect(prismaSqlType('String', { name: 'Char', args: ['2'] })).toBe('char(2)');
    expect(prismaSqlType('Float', undefined)).toBe('double precision');
    expect(prismaSqlType('Bytes', undefined)).toBe('bytea');
  });
});
