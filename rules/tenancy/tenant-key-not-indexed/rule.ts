import { defineRule } from '../../../src/core/define-rule.js';
import { tenancyOf, type TenantTable } from '../../../src/audit/schema/tenancy.js';
import { tenancyOptions, tenancySettings } from '../_tenancy/options.js';

/** How to write the fix in the table's own schema language. */
function suggestion(t: TenantTable, column: string, field: string): string {
  const source = t.sources[0];
  switch (source) {
    case 'prisma':
      return `\`@@index([${field}])\` (or put ${field} first in an existing @@index/@@unique)`;
    case 'drizzle':
      return `\`index('${t.table}_${column}_idx').on(t.${field})\` in the table's third argument`;
    case 'typeorm':
      return `\`@Index()\` on ${field} (or \`@Index(['${field}', ...])\` on the entity)`;
    case 'sequelize':
      return `\`indexes: [{ fields: ['${column}'] }]\` in the model options (or \`queryInterface.addIndex('${t.table}', ['${column}'])\`)`;
    default:
      return `\`CREATE INDEX ${t.table.replace(/\W/g, '_')}_${column}_idx ON ${t.table} (${column})\``;
  }
}

export default defineRule({
  meta: {
    id: 'tenant-key-not-indexed',
    category: 'tenancy',
    checklist: 'TEN-3',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'The tenant column {{field}} of {{table}} leads no index, primary key or unique constraint, so every tenant-scoped query on this table scans rows of all tenants and slows down as the customer base grows. Add {{fix}}.',
      notFirst:
        'The tenant column {{field}} of {{table}} appears in an index only after other columns, which cannot serve a `where {{field}} = ...` lookup; tenant-scoped queries scan all tenants\' rows. Add {{fix}}, or reorder the index so {{field}} comes first.',
    },
    options: tenancyOptions,
    docs: {
      summary: 'Tenant-owned tables whose tenant key column is not the leading column of any index.',
      why: 'Every query of a multi-tenant application filters on the tenant key. Without an index that starts with it, PostgreSQL and MySQL read the rows of every tenant to answer one tenant\'s query: fast in development, slow and lock-heavy in production, and the noisiest tenant slows everyone down. Foreign keys do not create indexes in PostgreSQL.',
      howToFix:
        'Index the tenant column first: `@@index([teamId])` in Prisma, `index().on(t.teamId)` in drizzle, `@Index()` in TypeORM, `CREATE INDEX ... ON t (tenant_id, ...)` in SQL. A composite primary key or unique constraint that starts with the tenant column also counts.',
      examples: {
        invalid: [
          {
            file: 'prisma/schema.prisma',
            code: 'model Team {\n  id       String    @id\n  projects Project[]\n}\n\nmodel Project {\n  id     String @id\n  name   String\n  teamId String\n  team   Team   @relation(fields: [teamId], references: [id])\n}\n',
          },
        ],
        valid: [
          {
            file: 'prisma/schema.prisma',
            code: 'model Team {\n  id       String    @id\n  projects Project[]\n}\n\nmodel Project {\n  id     String @id\n  name   String\n  teamId String\n  team   Team   @relation(fields: [teamId], references: [id])\n\n  @@unique([teamId, name])\n}\n',
            note: 'A unique constraint that starts with the tenant column serves tenant lookups.',
          },
        ],
      },
      peers: ['Prisma warns about missing relation indexes only with `relationMode = "prisma"`; Supabase linter `unindexed_foreign_keys` (0001)'],
      limitations: [
        'Indexes are read from the schema sources prodgrade understands (Prisma, SQL migrations and SQL strings of code migrations, drizzle, TypeORM, Sequelize, knex/Kysely schema builders); an index created by hand in the database is not seen.',
        'Tables known only from Kysely type interfaces carry no index information and are not judged.',
        'MySQL indexes foreign key columns itself; a tenant column with a foreign key constraint there counts as indexed.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const tenancy = await tenancyOf(ctx.model, tenancySettings(ctx.options));
    if (tenancy.tables.length === 0) {
      ctx.notApplicable('No tenant-owned tables were found in the schema (Prisma, SQL migrations, Drizzle, TypeORM, Sequelize, Kysely).');
      return;
    }
    for (const t of tenancy.tables) {
      if (t.tenantIndexed !== false) continue;
      const column = t.tenantColumns[0]!;
      const at = t.tenantColumnAt ?? t.at;
      ctx.report({
        messageId: t.tenantInIndex ? 'notFirst' : 'missing',
        path: at.path,
        ...(at.start !== undefined ? { range: { start: at.start, end: at.end ?? at.start + 1 } } : { line: at.line }),
        key: t.table,
        data: { table: t.models[0]?.name ?? t.table, field: column.field ?? column.name, fix: suggestion(t, column.name, column.field ?? column.name) },
      });
    }
  },
});
