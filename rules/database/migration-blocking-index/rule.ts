import { defineRule } from '../../../src/core/define-rule.js';
import { historyLimitation, historyMessage, historyOptions, reportHazards } from '../_migrations/hazards.js';

const init = 'CREATE TABLE "events" (\n  "id" bigint PRIMARY KEY,\n  "account_id" bigint NOT NULL,\n  "key" text\n);\n';

export default defineRule({
  meta: {
    id: 'migration-blocking-index',
    category: 'database',
    checklist: 'DB-2',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      createIndex:
        'This migration builds index `{{index}}` on existing table `{{table}}` without CONCURRENTLY: writes to the table are blocked until the whole index is built. Use `CREATE INDEX CONCURRENTLY` in a migration of its own (it cannot run inside a transaction).',
      uniqueConstraint:
        'This migration adds a {{kind}} constraint on `{{table}}` ({{columns}}), which builds its index under an ACCESS EXCLUSIVE lock that blocks reads and writes. Build a unique index with `CREATE UNIQUE INDEX CONCURRENTLY` first, then add the constraint `USING INDEX`.',
      exclusionConstraint:
        'This migration adds exclusion constraint `{{constraint}}` to existing table `{{table}}`, which builds its index while holding an ACCESS EXCLUSIVE lock. Add it while the table is small or during a maintenance window, and say so in a comment.',
      dropIndex:
        'This migration drops index `{{index}}` without CONCURRENTLY, taking an ACCESS EXCLUSIVE lock on its table that queues every query behind any long-running one. Use `DROP INDEX CONCURRENTLY` in a migration of its own.',
      reindex:
        'This migration runs REINDEX on `{{table}}` without CONCURRENTLY, blocking writes (and reads that use the index) until it finishes. Use `REINDEX … CONCURRENTLY` (PostgreSQL 12+) outside a transaction.',
      refreshMaterializedView:
        'This migration refreshes materialized view `{{table}}` without CONCURRENTLY, blocking every read of it until the refresh ends. Use `REFRESH MATERIALIZED VIEW CONCURRENTLY` (it needs a unique index on the view).',
      history: historyMessage,
    },
    options: historyOptions,
    docs: {
      summary: 'Index builds and drops on existing tables that block writes (or reads) for their whole duration.',
      why: 'A plain `CREATE INDEX` holds a lock that blocks inserts, updates and deletes until the index is built, minutes on a large table; a UNIQUE or PRIMARY KEY constraint added directly builds its index under an ACCESS EXCLUSIVE lock, blocking reads too.',
      howToFix:
        'Create indexes with `CREATE INDEX CONCURRENTLY` (and unique ones with `CREATE UNIQUE INDEX CONCURRENTLY` followed by `ADD CONSTRAINT … UNIQUE USING INDEX`), each in its own migration: concurrent builds cannot run inside a transaction block, so Prisma and drizzle migrations must hold only that statement.',
      examples: {
        invalid: [{ file: 'migrations/002_index.sql', code: 'CREATE INDEX "events_account_id_idx" ON "events" ("account_id");\n', context: { 'migrations/001_init.sql': init } }],
        valid: [
          { file: 'migrations/002_index.sql', code: 'CREATE INDEX CONCURRENTLY "events_account_id_idx" ON "events" ("account_id");\n', context: { 'migrations/001_init.sql': init } },
          { file: 'migrations/001_init.sql', code: `${init}CREATE UNIQUE INDEX "events_key_key" ON "events" ("key");\n`, note: 'An index on a table created by the same migration blocks nobody.' },
        ],
      },
      peers: ['squawk require-concurrent-index-creation, require-concurrent-index-deletion, disallowed-unique-constraint', 'strong_migrations add_index'],
      limitations: [
        'Small tables are not told from large ones: on a table with a few hundred rows a plain index build is harmless.',
        historyLimitation,
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    await reportHazards(ctx, 'migration-blocking-index', ['createIndex', 'uniqueConstraint', 'exclusionConstraint', 'dropIndex', 'reindex', 'refreshMaterializedView'], 'history');
  },
});
