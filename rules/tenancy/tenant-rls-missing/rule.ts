import { defineRule } from '../../../src/core/define-rule.js';
import type { Severity } from '../../../src/core/types.js';
import { tenancyOf, type CentralScoping, type TenantTable } from '../../../src/audit/schema/tenancy.js';
import { tenancyOptions, tenancySettings } from '../_tenancy/options.js';

function describeScoping(scoping: readonly CentralScoping[]): string {
  const first = scoping[0];
  if (!first) return 'nothing central adds the tenant filter either, so every query relies on its own `where`';
  const what = first.kind === 'prisma-extension' ? 'a Prisma client extension' : first.kind === 'prisma-middleware' ? 'a Prisma middleware' : 'a scoped repository';
  return `${what} (${first.path}:${first.line}) adds the tenant filter, but only for code that goes through it`;
}

function name(table: TenantTable): string {
  return table.models[0]?.name && table.models[0].name !== table.table ? `${table.table} (${table.models[0].name})` : table.table;
}

export default defineRule({
  meta: {
    id: 'tenant-rls-missing',
    category: 'tenancy',
    checklist: 'TEN-2',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noRls:
        'None of the {{count}} tenant-owned tables ({{examples}}) has row-level security in the migrations, and {{scoping}}. One forgotten filter then exposes other tenants\' rows. Enable and force RLS on tenant tables with a policy on the tenant column, and connect as a role that does not own them.',
      noCentralScoping:
        'The database has no row-level security (MySQL/SQLite) and nothing central adds the tenant filter to queries on the {{count}} tenant-owned tables, so isolation rests on every single `where` in the code. Add one scoping layer all data access goes through, such as a Prisma client extension or a tenant-aware repository.',
      notEnabled:
        'Tenant-owned table {{table}} has no row-level security, while other tables of this schema do ({{reason}}). A query that forgets the tenant filter reads every tenant\'s rows here. Add `ALTER TABLE ... ENABLE ROW LEVEL SECURITY`, `FORCE ROW LEVEL SECURITY` and a tenant policy to the migrations.',
      notForced:
        'Row-level security on tenant-owned table {{table}} is enabled but not forced, so the table owner (often the role the application connects as) bypasses every policy. Add `ALTER TABLE {{table}} FORCE ROW LEVEL SECURITY`, or connect as a role that does not own the table.',
      genericNotForced:
        'This statement enables row-level security on every table it is applied to but never forces it, so a role that owns the tables bypasses every policy. Add `FORCE ROW LEVEL SECURITY` next to it, or make sure the application only connects as roles that own no tables.',
      noPolicy:
        'Row-level security is enabled on tenant-owned table {{table}} but no policy is defined, so non-owner roles see no rows at all and the application must be bypassing RLS to work. Add a policy such as `USING ({{column}} = current_setting(\'app.tenant_id\')::uuid)`.',
    },
    options: tenancyOptions,
    docs: {
      summary: 'Tenant-owned tables whose migrations do not enable and force PostgreSQL row-level security with a policy.',
      why: 'Filters in application code fail open: one query without `where tenant_id = ...` leaks every tenant\'s rows. Row-level security makes the database refuse rows of other tenants whatever the query says, which turns a forgotten filter into an empty result instead of a data breach. Without FORCE the table owner bypasses the policies, and applications often connect as the owner.',
      howToFix:
        'In a migration, for every tenant table: `ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY; CREATE POLICY tenant_isolation ON t USING (tenant_id = current_setting(\'app.tenant_id\')::uuid);` Then set `app.tenant_id` per transaction (`SELECT set_config(\'app.tenant_id\', $1, true)`) and connect as a role that does not own the tables.',
      examples: {
        invalid: [
          {
            file: 'migrations/002_rls.sql',
            code: 'ALTER TABLE projects ENABLE ROW LEVEL SECURITY;\nCREATE POLICY tenant_isolation ON projects USING (org_id = current_setting(\'app.org_id\')::uuid);\n',
            context: {
              'migrations/001_init.sql':
                'CREATE TABLE orgs (id uuid PRIMARY KEY);\nCREATE TABLE projects (\n  id uuid PRIMARY KEY,\n  org_id uuid NOT NULL REFERENCES orgs (id)\n);\nCREATE INDEX projects_org_id_idx ON projects (org_id);\n',
            },
            note: 'RLS is enabled but not forced: the owner role the app connects as still sees every row.',
          },
        ],
        valid: [
          {
            file: 'migrations/002_rls.sql',
            code: 'ALTER TABLE projects ENABLE ROW LEVEL SECURITY;\nALTER TABLE projects FORCE ROW LEVEL SECURITY;\nCREATE POLICY tenant_isolation ON projects USING (org_id = current_setting(\'app.org_id\')::uuid);\n',
            context: {
              'migrations/001_init.sql':
                'CREATE TABLE orgs (id uuid PRIMARY KEY);\nCREATE TABLE projects (\n  id uuid PRIMARY KEY,\n  org_id uuid NOT NULL REFERENCES orgs (id)\n);\nCREATE INDEX projects_org_id_idx ON projects (org_id);\n',
            },
          },
        ],
      },
      peers: ['Supabase database linter `rls_disabled_in_public` (0013) and `policy_exists_rls_disabled` (0007)'],
      limitations: [
        'Row-level security is read from SQL migrations (files, and SQL strings of code migrations) and drizzle `pgPolicy`/`enableRLS()`; policies created outside the repository are not seen.',
        'In a project that uses RLS nowhere, one finding sums up all tenant tables; per-table findings appear once some table has RLS.',
        'Supabase projects reach tables through PostgREST as non-owner roles, so enabled RLS there needs no FORCE.',
        'MySQL and SQLite have no row-level security; there the rule reports only a missing central scoping mechanism (a Prisma client extension or middleware that adds the tenant filter).',
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
    // Central scoping in code lowers the stakes of a missing database backstop, it does not remove it.
    const severity: Severity = tenancy.scoping.length > 0 ? 'low' : 'medium';
    const at = (t: TenantTable): { path: string; line: number } | { path: string; range: { start: number; end: number } } =>
      t.at.start !== undefined ? { path: t.at.path, range: { start: t.at.start, end: t.at.end ?? t.at.start + 1 } } : { path: t.at.path, line: t.at.line };
    if (!tenancy.rlsCapable) {
      // MySQL/SQLite: no row-level security to ask for; only a missing central scoping mechanism is a finding.
      if (tenancy.scoping.length > 0) return;
      const first = tenancy.tables.find((t) => t.tenantColumns.length > 0) ?? tenancy.tables[0]!;
      ctx.report({ messageId: 'noCentralScoping', ...at(first), data: { count: tenancy.tables.length } });
      return;
    }
    if (!tenancy.anyRls) {
      const first = tenancy.tables.find((t) => t.tenantColumns.length > 0) ?? tenancy.tables[0]!;
      const shown = tenancy.tables.slice(0, 5).map(name).join(', ') + (tenancy.tables.length > 5 ? ', ...' : '');
      ctx.report({ messageId: 'noRls', ...at(first), severity, data: { count: tenancy.tables.length, examples: shown, scoping: describeScoping(tenancy.scoping) } });
      return;
    }
    const withRls = tenancy.tables.filter((t) => t.rls?.enabled).length;
    let genericReported = false;
    for (const t of tenancy.tables) {
      const rls = t.rls;
      if (rls?.generic) {
        // One statement applies RLS to every table: judge it once, where it is written.
        if (!genericReported && !rls.forced && !tenancy.supabase) {
          ctx.report({ messageId: 'genericNotForced', path: rls.generic.path, line: rls.generic.line, severity: 'low' });
        }
        genericReported = true;
        continue;
      }
      if (!rls?.enabled) {
        ctx.report({ messageId: 'notEnabled', ...at(t), severity, key: t.table, data: { table: name(t), reason: `${withRls} of ${tenancy.tables.length} tenant tables have it` } });
      } else if (!rls.forced && !tenancy.supabase) {
        ctx.report({ messageId: 'notForced', ...at(t), severity, key: t.table, data: { table: t.table } });
      } else if (rls.policies.length === 0) {
        ctx.report({ messageId: 'noPolicy', ...at(t), severity: 'low', key: t.table, data: { table: t.table, column: t.tenantColumns[0]?.name ?? 'tenant_id' } });
      }
    }
  },
});
