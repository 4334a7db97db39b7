import { defineRule } from '../../../src/core/define-rule.js';
import { historyLimitation, historyMessage, historyOptions, reportHazards } from '../_migrations/hazards.js';

const init = 'CREATE TABLE "orders" (\n  "id" bigint PRIMARY KEY,\n  "note" text\n);\n';

export default defineRule({
  meta: {
    id: 'migration-not-null',
    category: 'database',
    checklist: 'DB-2',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      addRequired:
        'This migration adds `{{table}}.{{column}}` as NOT NULL without a default: it fails on a table that has rows, and the running code, which does not set the column, cannot insert. Add the column nullable or with a constant default, backfill, then add the constraint.',
      setNotNull:
        'This migration sets `{{table}}.{{column}}` NOT NULL: PostgreSQL scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes, and the migration fails if a row is NULL. Add `CHECK ({{column}} IS NOT NULL) NOT VALID`, validate it in a separate migration, then set NOT NULL (PostgreSQL 12+).',
      history: historyMessage,
    },
    options: historyOptions,
    docs: {
      summary: 'Migrations that make a column of an existing table NOT NULL in one step.',
      why: 'Adding a NOT NULL column without a default fails outright when the table has rows, and old code that inserts without the column breaks. Setting NOT NULL on an existing column scans the whole table while holding an ACCESS EXCLUSIVE lock, so every query on the table waits.',
      howToFix:
        'Add the column as nullable (or with a constant default), deploy code that writes it, backfill in batches, then enforce it: `ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` in a later migration, and `SET NOT NULL`, which then skips the scan (PostgreSQL 12+).',
      examples: {
        invalid: [{ file: 'migrations/002_customer.sql', code: 'ALTER TABLE "orders" ADD COLUMN "customer_id" bigint NOT NULL;\n', context: { 'migrations/001_init.sql': init } }],
        valid: [
          { file: 'migrations/002_status.sql', code: 'ALTER TABLE "orders" ADD COLUMN "status" text NOT NULL DEFAULT \'new\';\n', context: { 'migrations/001_init.sql': init }, note: 'A constant default fills existing rows without a rewrite (PostgreSQL 11+).' },
          {
            file: 'migrations/003_note_required.sql',
            code: 'ALTER TABLE "orders" ADD CONSTRAINT "orders_note_not_null" CHECK ("note" IS NOT NULL) NOT VALID;\nALTER TABLE "orders" VALIDATE CONSTRAINT "orders_note_not_null";\nALTER TABLE "orders" ALTER COLUMN "note" SET NOT NULL;\n',
            context: { 'migrations/001_init.sql': init },
          },
        ],
      },
      peers: ['squawk adding-required-field, adding-not-nullable-field', 'strong_migrations change_column_null'],
      limitations: [
        'An empty table is not told from a full one: adding a required column to a table that never holds rows before the deploy is safe but reported.',
        historyLimitation,
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    await reportHazards(ctx, 'migration-not-null', ['addRequired', 'setNotNull'], 'history');
  },
});
