import { defineRule } from '../../../src/core/define-rule.js';
import { historyLimitation, historyMessage, historyOptions, reportHazards } from '../_migrations/hazards.js';

const init = 'CREATE TABLE "payments" (\n  "id" integer PRIMARY KEY,\n  "amount" integer NOT NULL,\n  "memo" varchar(100)\n);\n';

export default defineRule({
  meta: {
    id: 'migration-table-rewrite',
    category: 'database',
    checklist: 'DB-2',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      typeChange:
        'This migration changes `{{table}}.{{column}}` from {{from}} to {{to}}, which rewrites the whole table under an ACCESS EXCLUSIVE lock and breaks code that expects the old type. Add a column of the new type, write both, backfill, switch reads, then drop the old column.',
      enumRecreated:
        'This migration recreates enum type `{{from}}` (Prisma does this to remove or reorder a value) and converts `{{table}}.{{column}}` to the new type, rewriting the table under an ACCESS EXCLUSIVE lock. Keep unused enum values instead, or use a text column with a check constraint.',
      volatileDefault:
        'This migration adds `{{table}}.{{column}}` with the volatile default `{{default}}`, so PostgreSQL rewrites every row under an ACCESS EXCLUSIVE lock. Add the column without a default (or with a constant), set the default afterwards, and backfill existing rows in batches.',
      generatedColumn:
        'This migration adds the generated or serial column `{{table}}.{{column}}` to an existing table, which rewrites every row under an ACCESS EXCLUSIVE lock. Add a plain nullable column, backfill it in batches, then attach the sequence or trigger.',
      rewriteCommand:
        'This migration runs {{command}} on `{{table}}`, which rewrites the table while holding an ACCESS EXCLUSIVE lock that blocks reads and writes. Run it in a maintenance window outside the deploy, or use pg_repack for an online rewrite.',
      lockTable:
        'This migration locks `{{table}}` explicitly, so every query on it waits until the migration commits. Remove the LOCK TABLE and make the change in small, separately committed steps, with a `lock_timeout` set.',
      history: historyMessage,
    },
    options: historyOptions,
    docs: {
      summary: 'Migrations that rewrite or lock a whole existing table: type changes, volatile defaults, VACUUM FULL, CLUSTER, LOCK TABLE.',
      why: 'A table rewrite copies every row while holding an ACCESS EXCLUSIVE lock, so neither reads nor writes proceed until it ends: minutes to hours on a large table, an outage for the application.',
      howToFix:
        'Prefer changes PostgreSQL makes without a rewrite (widening a varchar, varchar to text, constant defaults). Otherwise add a new column, dual-write, backfill in batches, switch reads, and drop the old column later; run maintenance rewrites (VACUUM FULL, CLUSTER) outside deploys or with pg_repack.',
      examples: {
        invalid: [{ file: 'migrations/002_amount.sql', code: 'ALTER TABLE "payments" ALTER COLUMN "amount" TYPE bigint;\n', context: { 'migrations/001_init.sql': init } }],
        valid: [
          { file: 'migrations/002_memo.sql', code: 'ALTER TABLE "payments" ALTER COLUMN "memo" TYPE varchar(500);\n', context: { 'migrations/001_init.sql': init }, note: 'Widening a varchar is a catalog-only change.' },
          { file: 'migrations/002_created.sql', code: 'ALTER TABLE "payments" ADD COLUMN "created_at" timestamptz NOT NULL DEFAULT now();\n', context: { 'migrations/001_init.sql': init }, note: '`now()` is stable, not volatile: no rewrite since PostgreSQL 11.' },
        ],
      },
      peers: ['squawk changing-column-type, adding-field-with-default, adding-serial-primary-key-field', 'strong_migrations change_column, add_column_default'],
      limitations: [
        'Whether a type change rewrites is judged from the replayed old type; a column whose table was created outside the migrations is assumed to need a rewrite.',
        'timestamp to timestamptz is reported although PostgreSQL 12+ skips the rewrite when the session time zone is UTC.',
        historyLimitation,
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    await reportHazards(ctx, 'migration-table-rewrite', ['typeChange', 'enumRecreated', 'volatileDefault', 'generatedColumn', 'rewriteCommand', 'lockTable'], 'history');
  },
});
