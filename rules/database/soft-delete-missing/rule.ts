import { defineRule } from '../../../src/core/define-rule.js';
import { normalizeKey as norm, tenancyOf, type TenantTable } from '../../../src/audit/schema/tenancy.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { tenancyOptions, tenancySettings } from '../../tenancy/_tenancy/options.js';
import { examples } from '../../_http/kit.js';

/** Columns that mark a row as deleted or archived instead of removing it. */
const softDeleteColumn = /^(?:deletedat|deletedon|deletedtime|deletiondate|isdeleted|deleted|softdeleted|archivedat|isarchived|archived|removedat|trashedat|discardedat|deactivatedat)$/;
/** ORM options that add the column themselves: Sequelize `paranoid`, TypeORM `@DeleteDateColumn`, MikroORM/Mongoose soft-delete plugins. */
const softDeleteCode = /\bparanoid\s*:\s*true|@DeleteDateColumn\b|\bsoftDelete\s*:\s*true|@SoftDeletable\b|mongoose-delete|soft-delete/;

/** Append-only or disposable tables: audit logs, events, sessions, tokens, caches, idempotency records, invitations. Soft-deleting them makes no sense. */
const disposable = /audit|idempotency|invitations?$|invites?$|logs?$|events?$|history$|histories$|sessions?$|tokens?$|cache|verifications?$|ratelimits?$|deliveries$|attempts?$|otps?$|nonces?$|locks?$/;

function softDeletes(t: TenantTable, model: RepoModel): boolean {
  if (t.columns.some((c) => softDeleteColumn.test(norm(c.name)) || (c.field !== undefined && softDeleteColumn.test(norm(c.field))))) return true;
  return t.sources.some((s) => s === 'sequelize' || s === 'typeorm') && softDeleteCode.test(model.text(t.at.path) ?? '');
}

export default defineRule({
  meta: {
    id: 'soft-delete-missing',
    category: 'database',
    checklist: 'DB-4',
    severity: 'info',
    confidence: 'low',
    stability: 'experimental',
    options: tenancyOptions,
    messages: {
      missing:
        '{{count}} of {{total}} tenant-owned tables have no soft-delete column ({{tables}}), so a delete by a user, an admin script or a bug removes customer data at once, with no undo short of a database restore that also rolls back everyone else. Add `deleted_at` (or Sequelize `paranoid`, TypeORM `@DeleteDateColumn`) where data matters and filter it in the data layer.',
    },
    docs: {
      summary: 'Informational: tenant-owned tables without a `deleted_at`/`archived_at` column or an ORM soft-delete option, listed once per repository.',
      why: 'Customers delete things by mistake and ask for them back; bugs and scripts delete more than intended. With hard deletes the only way back is a point-in-time restore of the whole database, which loses every other tenant\'s recent writes. A soft-delete column makes deletes reversible and leaves a trace of what was removed and when, while a scheduled job can still purge for retention and GDPR erasure.',
      howToFix:
        'Add a nullable `deleted_at timestamptz` to tenant tables whose data matters (or use Sequelize `paranoid: true`, TypeORM `@DeleteDateColumn`, a Prisma extension), filter `deleted_at IS NULL` centrally (the tenant-scoped data layer, a view, or a row-level security policy), restore by clearing it, and purge rows older than the retention period with a scheduled job. Tables of derived or disposable data can stay hard-delete.',
      examples: {
        invalid: [
          {
            file: 'prisma/schema.prisma',
            code: 'model Organization {\n  id       String    @id @default(uuid())\n  projects Project[]\n}\n\nmodel Project {\n  id             String       @id @default(uuid())\n  name           String\n  organizationId String\n  organization   Organization @relation(fields: [organizationId], references: [id])\n}\n',
            context: { 'package.json': '{ "name": "api", "dependencies": { "@prisma/client": "^5.15.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'prisma/schema.prisma',
            code: 'model Organization {\n  id       String    @id @default(uuid())\n  projects Project[]\n}\n\nmodel Project {\n  id             String       @id @default(uuid())\n  name           String\n  deletedAt      DateTime?\n  organizationId String\n  organization   Organization @relation(fields: [organizationId], references: [id])\n}\n',
            context: { 'package.json': '{ "name": "api", "dependencies": { "@prisma/client": "^5.15.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep or Checkov equivalent'],
      limitations: [
        'Tenant-owned tables are those the tenancy rules infer (a tenant key column, or a required reference to a tenant-owned table); the same `tenantKeys`/`tenantOwned`/`global` options apply. Mark tables of disposable data `global` or accept the finding: soft delete is a judgement per table.',
        'A soft-delete column is recognised by name (`deleted_at`, `deletedAt`, `archived_at`, `is_deleted`...) or by Sequelize `paranoid` / TypeORM `@DeleteDateColumn` in the model file; whether queries filter it is not checked.',
        'Users tables and append-only or disposable tables (audit logs, events, sessions, tokens, caches, verification codes, idempotency records, invitations) are left out.',
        'Repositories without tenant-owned tables are not assessed.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const tenancy = await tenancyOf(ctx.model, tenancySettings(ctx.options));
    if (tenancy.tables.length === 0) {
      ctx.notApplicable('No tenant-owned tables were found in the schema (Prisma, SQL migrations, Drizzle, TypeORM, Sequelize, Kysely), so there is no tenant data whose deletes to judge.');
      return;
    }
    // Users tables are identities more than tenant data; their deletion is an account-closure process of its own.
    const considered = tenancy.tables.filter((t) => !t.principal && !disposable.test(norm(t.models[0]?.name ?? t.table)));
    const missing = considered.filter((t) => !softDeletes(t, ctx.model));
    if (missing.length === 0) return;
    const names = missing.map((t) => t.models[0]?.name ?? t.table);
    ctx.report({ messageId: 'missing', data: { count: missing.length, total: considered.length, tables: examples(names, 5) } });
  },
});
