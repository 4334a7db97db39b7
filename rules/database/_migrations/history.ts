/**
 * Which migrations are history: applied long before the newest one, so a hazard in them can no longer be fixed.
 * Dates come from the name (`20240101120000_x`, `202401011200_x`, `20240101_x`, `1700000000000-X`, `1700000000_x`)
 * or from the drizzle-kit journal's `when`; a set without any date has no history.
 */
import type { RepoModel } from '../../../src/audit/model.js';
import type { MigrationSet } from '../../../src/audit/schema/migrations.js';
import { option } from '../../../src/core/options.js';

export const historyOptions = {
  historyDays: option.number(
    'Migrations dated more than this many days before the newest migration of their folder are history: their findings are summarised in one informational finding per folder instead of listed. 0 lists every finding.',
    30,
    { min: 0 },
  ),
};

const dayMs = 86_400_000;
/** Years a timestamp prefix may fall in; anything else is a sequence number that happens to be long. */
const plausible = (ms: number): boolean => ms >= Date.UTC(2000, 0, 1) && ms < Date.UTC(2100, 0, 1);

function calendar(digits: string): number | undefined {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) => Number(digits.slice(at, i === 0 ? 4 : at + 2) || '0'));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) return undefined;
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  return plausible(ms) ? ms : undefined;
}

/** The date a migration name starts with, in epoch milliseconds. */
export function dateOfName(name: string): number | undefined {
  const digits = /^[vV]?(\d+)(?!\d)/.exec(name)?.[1];
  if (!digits) return undefined;
  if (digits.length === 14 || digits.length === 12 || digits.length === 8) return calendar(digits);
  if (digits.length === 13 || digits.length === 10) {
    const ms = Number(digits) * (digits.length === 10 ? 1000 : 1);
    return plausible(ms) ? ms : undefined;
  }
  return undefined;
}

function journalDates(model: RepoModel, set: MigrationSet): Map<string, number> {
  const out = new Map<string, number>();
  if (set.framework !== 'drizzle') return out;
  const prefix = set.dir === '.' ? '' : `${set.dir}/`;
  const journal = model.json<{ entries?: Array<{ tag?: unknown; when?: unknown }> }>(`${prefix}meta/_journal.json`);
  for (const entry of Array.isArray(journal?.entries) ? journal.entries : []) {
    if (typeof entry.tag === 'string' && typeof entry.when === 'number' && plausible(entry.when)) out.set(`${prefix}${entry.tag}.sql`, entry.when);
  }
  return out;
}

export interface History {
  dir: string;
  /** Paths of the migrations that are history. */
  paths: Set<string>;
  newest: { name: string; date: string };
}

/** The historical migrations of a set, or undefined when it has none (no dates, or all within the window). */
export function historyOf(model: RepoModel, set: MigrationSet, days: number): History | undefined {
  if (days <= 0) return undefined;
  const journal = journalDates(model, set);
  const dated = set.migrations.flatMap((m) => {
    const ms = journal.get(m.path) ?? dateOfName(m.name);
    return ms === undefined ? [] : [{ migration: m, ms }];
  });
  if (dated.length === 0) return undefined;
  const newest = dated.reduce((a, b) => (b.ms > a.ms ? b : a));
  // Undated migrations stay in full: nothing says they are old.
  const old = dated.filter((d) => newest.ms - d.ms > days * dayMs);
  if (old.length === 0) return undefined;
  return { dir: set.dir, paths: new Set(old.map((d) => d.migration.path)), newest: { name: newest.migration.name, date: new Date(newest.ms).toISOString().slice(0, 10) } };
}

/** The summary message every DB-2 rule declares as `history`. */
export const historyMessage =
  '{{count}} finding(s) of this rule are in {{migrations}} migration(s) of `{{dir}}` dated more than {{days}} days before its newest migration `{{newest}}` ({{newestDate}}), first at {{examples}}. They are summarised instead of listed because a migration that has been applied cannot be changed any more: apply the advice to new migrations, and set the rule option `historyDays` to 0 to list each of them.';

/** The limitation every DB-2 rule documents about the history window. */
export const historyLimitation =
  'Findings in migrations dated more than `historyDays` (default 30) days before the newest migration of their folder are reported as one informational summary per folder: the date comes from the name prefix (`YYYYMMDDHHMMSS`, `YYYYMMDD`, epoch seconds or milliseconds) or the drizzle journal; undated migrations are always reported in full. The window is measured from the newest migration, not from today, so it does not know which migrations a given database has already applied.';
