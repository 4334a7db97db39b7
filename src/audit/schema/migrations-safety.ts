import type { Confidence, Severity } from '../../core/types.js';
import type { RepoModel } from '../model.js';
import { loadMigrations, migrationSets, type MigrationOp, type MigrationSet } from './migrations.js';
import { SchemaReplay } from './sql-replay.js';
import type { SourceRef } from './types.js';

/** The DB-2 rules; each reports the hazards of its family. */
export type HazardRule =
  | 'migration-data-loss'
  | 'migration-rename'
  | 'migration-not-null'
  | 'migration-blocking-index'
  | 'migration-constraint-validation'
  | 'migration-table-rewrite';

export interface Hazard {
  rule: HazardRule;
  messageId: string;
  data: Record<string, string>;
  at: SourceRef;
  /** Overrides the rule's severity for this finding. */
  severity?: Severity;
  confidence?: Confidence;
  /** Fingerprint discriminator. */
  key: string;
}

/** Sets whose locking behaviour the rules know: PostgreSQL only (CockroachDB, MySQL and SQLite lock differently). */
export function lintable(set: MigrationSet): boolean {
  return set.dialect === 'postgresql';
}

function bare(name: string): { base: string; size: number[] } {
  const m = /^([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?(\[\])?$/.exec(name);
  if (!m) return { base: name, size: [] };
  return { base: m[1]! + (m[4] ?? ''), size: [m[2], m[3]].filter((x): x is string => x !== undefined).map(Number) };
}

/** Whether changing a column from `from` to `to` makes PostgreSQL rewrite the table (binary-coercible changes do not). */
export function typeChangeRewrites(from: string | undefined, to: string): boolean {
  if (from === undefined) return true;
  if (from === to) return false;
  const a = bare(from);
  const b = bare(to);
  const widened = (): boolean => b.size.length === 0 || (a.size.length > 0 && b.size[0]! >= a.size[0]! && (b.size[1] ?? 0) === (a.size[1] ?? 0));
  if ((a.base === 'varchar' || a.base === 'text') && b.base === 'text') return false;
  if ((a.base === 'varchar' || a.base === 'text') && b.base === 'varchar') return a.base === 'text' ? b.size.length > 0 : !widened();
  if (a.base === b.base && ['numeric', 'varbit', 'timestamp', 'timestamptz', 'time', 'timetz'].includes(a.base)) return !widened();
  if (a.base === 'cidr' && b.base === 'inet') return false;
  return true;
}

const hazardCache = new WeakMap<RepoModel, Promise<Hazard[]>>();

/** Every unsafe operation in the repository's PostgreSQL migrations (computed once per run, shared by the DB-2 rules). */
export function migrationHazards(model: RepoModel): Promise<Hazard[]> {
  let cached = hazardCache.get(model);
  if (!cached) hazardCache.set(model, (cached = computeHazards(model)));
  return cached;
}

/** True when the repository has migrations the DB-2 rules can read. */
export function hasLintableMigrations(model: RepoModel): boolean {
  return migrationSets(model).some(lintable);
}

async function computeHazards(model: RepoModel): Promise<Hazard[]> {
  const out: Hazard[] = [];
  for (const set of migrationSets(model).filter(lintable)) {
    const migrations = await loadMigrations(model, set);
    const replay = new SchemaReplay();
    migrations.forEach((migration, index) => {
      const renamedTypes = new Map<string, string>();
      const createdEnums = new Set<string>();
      /** Columns with a validated `CHECK (col IS NOT NULL)`, so SET NOT NULL needs no scan (PostgreSQL 12+). */
      const provenNotNull = new Set<string>();
      const pendingChecks = new Map<string, string>();
      const existing = (table: string): boolean => {
        const t = replay.table(table);
        return t === undefined || t.createdIn !== index;
      };
      const known = (table: string): boolean => replay.table(table) !== undefined;
      const columnExisted = (table: string, column: string): boolean => {
        if (!existing(table)) return false;
        const c = replay.column(table, column);
        return c === undefined ? !known(table) : c.addedIn !== index;
      };
      const push = (rule: HazardRule, messageId: string, op: MigrationOp, data: Record<string, string>, severity?: Severity, confidence?: Confidence): void => {
        out.push({ rule, messageId, data, at: op.at, key: `${messageId}:${Object.values(data).join(':')}`, ...(severity ? { severity } : {}), ...(confidence ? { confidence } : {}) });
      };
      for (const op of migration.ops) {
        switch (op.kind) {
          case 'dropTable':
            if (known(op.table) ? existing(op.table) : !op.ifExists) push('migration-data-loss', 'dropTable', op, { table: op.table });
            break;
          case 'dropColumn':
            if (columnExisted(op.table, op.column) && (known(op.table) || !op.ifExists)) {
              const adds = migration.ops.filter((o) => o.kind === 'addColumn' && o.table === op.table);
              const drops = migration.ops.filter((o) => o.kind === 'dropColumn' && o.table === op.table);
              const recreated = adds.some((o) => o.kind === 'addColumn' && o.column.name === op.column);
              // One column out and one in is what a generated migration makes of a renamed field.
              const renamed = adds.length === 1 && drops.length === 1;
              push('migration-data-loss', recreated ? 'dropColumnRecreated' : renamed ? 'dropColumnWithAdd' : 'dropColumn', op, { table: op.table, column: op.column });
            }
            break;
          case 'truncate':
            for (const table of op.tables) if (existing(table)) push('migration-data-loss', 'truncate', op, { table: table });
            break;
          case 'renameTable':
            if (existing(op.table)) push('migration-rename', 'renameTable', op, { table: op.table, to: op.to });
            break;
          case 'renameColumn':
            if (columnExisted(op.table, op.column)) push('migration-rename', 'renameColumn', op, { table: op.table, column: op.column, to: op.to });
            break;
          case 'addColumn': {
            if (!existing(op.table)) break;
            const c = op.column;
            if (c.notNull && !c.default && !c.generated) push('migration-not-null', 'addRequired', op, { table: op.table, column: c.name });
            if (c.default?.volatile) push('migration-table-rewrite', c.generated ? 'generatedColumn' : 'volatileDefault', op, { table: op.table, column: c.name, default: c.default.text });
            if (c.primaryKey || c.unique) push('migration-blocking-index', 'uniqueConstraint', op, { table: op.table, columns: c.name, kind: c.primaryKey ? 'PRIMARY KEY' : 'UNIQUE' });
            break;
          }
          case 'setNotNull':
            // A column added by this migration to an existing table is scanned too (after its backfill).
            if (existing(op.table) && replay.column(op.table, op.column)?.nullable !== false && !provenNotNull.has(`${op.table}.${op.column}`)) {
              push('migration-not-null', 'setNotNull', op, { table: op.table, column: op.column });
            }
            break;
          case 'alterColumnType': {
            if (!columnExisted(op.table, op.column)) break;
            const from = replay.column(op.table, op.column)?.type;
            // Builder migrations (Sequelize changeColumn, Knex alter) restate the type: only a known change counts.
            if (op.inferred && (from === undefined || from === 'unknown' || op.type === 'unknown')) break;
            if (!typeChangeRewrites(from, op.type)) break;
            const target = op.type.replace(/\[\]$/, '');
            const recreated = from !== undefined && replay.enums.has(from.replace(/\[\]$/, '')) && (renamedTypes.get(from.replace(/\[\]$/, '')) === target || createdEnums.has(target));
            push('migration-table-rewrite', recreated ? 'enumRecreated' : 'typeChange', op, { table: op.table, column: op.column, from: from ?? 'its current type', to: op.type });
            break;
          }
          case 'addConstraint': {
            const c = op.constraint;
            if (c.type === 'check' && c.expression && /^\w+ is not null$/.test(c.expression)) {
              const column = c.expression.replace(/ is not null$/, '');
              if (c.notValid) pendingChecks.set(c.name ?? '', `${op.table}.${column}`);
              else provenNotNull.add(`${op.table}.${column}`);
            }
            if (!existing(op.table)) break;
            // Even on a column this migration adds, validation scans the table while the referenced table is locked.
            if ((c.type === 'foreign' || c.type === 'check') && !c.notValid) {
              const onNewColumns = c.columns.length > 0 && c.columns.every((col) => replay.column(op.table, col)?.addedIn === index);
              push('migration-constraint-validation', c.type === 'foreign' ? 'foreignKey' : 'check', op, { table: op.table, constraint: c.name ?? c.columns.join(', ') }, undefined, onNewColumns ? 'medium' : undefined);
            }
            if ((c.type === 'unique' || c.type === 'primary') && !c.usingIndex) {
              push('migration-blocking-index', 'uniqueConstraint', op, { table: op.table, columns: c.columns.join(', '), kind: c.type === 'primary' ? 'PRIMARY KEY' : 'UNIQUE' });
            }
            if (c.type === 'exclusion') push('migration-blocking-index', 'exclusionConstraint', op, { table: op.table, constraint: c.name ?? 'EXCLUDE' });
            break;
          }
          case 'validateConstraint': {
            const proven = pendingChecks.get(op.name);
            if (proven) provenNotNull.add(proven);
            break;
          }
          case 'createIndex':
            if (!op.concurrently && existing(op.table)) push('migration-blocking-index', 'createIndex', op, { table: op.table, index: op.name ?? op.columns.join(', ') });
            break;
          case 'dropIndex': {
            const table = replay.indexTable(op.name);
            if (!op.concurrently && (table === undefined ? !op.ifExists : existing(table))) push('migration-blocking-index', 'dropIndex', op, { index: op.name }, 'low');
            break;
          }
          case 'renameType':
            renamedTypes.set(op.to, op.name);
            break;
          case 'createEnum':
            createdEnums.add(op.name);
            break;
          case 'blocking':
            for (const table of op.tables.length ? op.tables : ['(all tables)']) {
              if (table !== '(all tables)' && !existing(table)) continue;
              if (op.what === 'lock table') push('migration-table-rewrite', 'lockTable', op, { table: table });
              else if (op.what === 'reindex') push('migration-blocking-index', 'reindex', op, { table: table });
              else if (op.what === 'refresh materialized view') push('migration-blocking-index', 'refreshMaterializedView', op, { table: table }, 'low');
              else push('migration-table-rewrite', 'rewriteCommand', op, { table: table, command: op.what.toUpperCase() });
            }
            break;
          default:
            break;
        }
        replay.apply(op, index);
      }
    });
  }
  return out;
}
