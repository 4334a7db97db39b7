import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import type { DatabaseSchema, SchemaTable } from '../../../src/audit/schema/types.js';
import { databaseSchemas } from '../../../src/audit/schema/tenancy.js';
import { dirOf } from '../../_server/server-code.js';

/** Libraries and extensions that record changes or actions on their own. */
const auditLibraries = new Set([
  '@bemi-db/prisma', '@bemi-db/typeorm', '@bemi-db/mikro-orm', '@bemi-db/supabase-js', 'sequelize-paper-trail', 'typeorm-audit', 'audit-log',
  '@retracedhq/retraced', 'retraced', '@boxyhq/retraced', 'mongoose-audit-trail', 'mongoose-history', 'mongoose-audit-log', 'prisma-audit-log',
  'prisma-extension-audit', '@aws-sdk/client-cloudtrail', '@pgaudit/pgaudit', 'pg-audit', 'supa_audit', '@auditkit/core', 'auditjs-log',
]);
const norm = (s: string): string => s.replace(/[_\s.-]/g, '').toLowerCase();
/** `audit_logs`, `AuditLog`, `team_audit_log`, `activity_log`, `audit.record_version`, `security_events`. */
const auditName = /audit|activitylogs?$|activities$|useractivit|securityevents?$|securitylogs?$|eventlogs?$|changelogs?$|historylogs?$|accesslogs?$/;
const actorColumn = /^(?:actor|actorid|actoruserid|userid|performedby|performedbyid|initiatorid|createdby|createdbyid|principalid|ownerid)$/;
const actionColumn = /^(?:action|event|eventtype|eventname|name|type|operation|verb|activity|activitytype)$/;
const eventName = /event|log|history|activit|trail/;

function auditTable(t: SchemaTable): boolean {
  const names = [t.name, t.model ?? ''].map(norm);
  if (names.some((n) => auditName.test(n))) return true;
  if (!names.some((n) => eventName.test(n))) return false;
  const cols = t.columns.flatMap((c) => [norm(c.name), norm(c.field ?? '')]);
  return cols.some((c) => actorColumn.test(c)) && cols.some((c) => actionColumn.test(c));
}

async function schemas(model: RepoModel): Promise<DatabaseSchema[]> {
  return (await databaseSchemas(model)).schemas.filter((s) => s.tables.length > 0);
}

export default defineRule({
  meta: {
    id: 'audit-log-missing',
    category: 'database',
    checklist: 'DB-5',
    severity: 'low',
    confidence: 'low',
    stability: 'experimental',
    messages: {
      missing:
        'The database schema ({{count}} tables, {{sources}}) has no audit-log table and the repository uses no audit library, so nobody can answer who changed a role, deleted a record or exported data, and security incidents and customer disputes cannot be investigated. Add an append-only `audit_logs` table (actor, tenant, action, target, time, request ID) written in the same transaction as the change.',
    },
    docs: {
      summary: 'A repository with a database schema but no audit-log table (audit_logs, AuditLog, activity_log, an events table with actor and action columns) and no audit library.',
      why: 'Sensitive actions (role changes, deletions, exports, sign-ins, billing changes) need a durable record of who did what and when. Without one, a compromised account or a malicious insider leaves no trace, customers\' "who deleted this?" cannot be answered, and SOC 2 / ISO 27001 audits fail. Application logs rotate away and are not tied to the data change.',
      howToFix:
        'Add an append-only `audit_logs` table (id, tenant_id, actor_id, action, target type and id, metadata JSON, IP, request ID, created_at), write to it in the same transaction as each sensitive change through one helper, revoke UPDATE/DELETE on it from the application role, and expose it to tenant admins. Alternatively use a change-capture tool (Bemi, pgaudit, supa_audit) for data changes.',
      examples: {
        invalid: [
          {
            file: 'prisma/schema.prisma',
            code: 'model Organization {\n  id    String @id @default(uuid())\n  name  String\n  users User[]\n}\n\nmodel User {\n  id             String       @id @default(uuid())\n  email          String       @unique\n  role           String\n  organizationId String\n  organization   Organization @relation(fields: [organizationId], references: [id])\n}\n',
            context: { 'package.json': '{ "name": "api", "dependencies": { "@prisma/client": "^5.15.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'prisma/schema.prisma',
            code: 'model User {\n  id    String @id @default(uuid())\n  email String @unique\n  role  String\n}\n\nmodel AuditLog {\n  id        String   @id @default(uuid())\n  actorId   String\n  action    String\n  targetId  String?\n  metadata  Json?\n  createdAt DateTime @default(now())\n}\n',
            context: { 'package.json': '{ "name": "api", "dependencies": { "@prisma/client": "^5.15.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep or Checkov equivalent; compliance frameworks (SOC 2 CC7.2, ISO 27001 A.8.15) require the trail'],
      limitations: [
        'Judged from table and model names and columns in Prisma schemas, SQL migrations and Drizzle/TypeORM/Sequelize/Kysely definitions; an audit trail kept outside the database (a SIEM, CloudTrail, a logging service) is not seen.',
        'Whether sensitive actions actually write to the table is not checked.',
        'Repositories without a readable database schema are not assessed.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const found = await schemas(ctx.model);
    const tables = found.flatMap((s) => s.tables.filter((t) => !t.implicit));
    if (tables.length === 0) {
      ctx.notApplicable('No database schema was found (Prisma, SQL migrations, Drizzle, TypeORM, Sequelize, Kysely), so no audit-log table could be looked for.');
      return;
    }
    if (tables.some(auditTable)) return;
    if (ctx.model.manifests().some(({ path }) => [...ctx.model.dependencies(dirOf(path))].some((d) => auditLibraries.has(d)))) return;
    const sources = [...new Set(found.map((s) => s.source))].join(', ');
    ctx.report({ messageId: 'missing', data: { count: tables.length, sources } });
  },
});
