/** Reporting shared by the DB-2 migration rules: each reports its family of the hazards found once per run. */
import type { RepoContext } from '../../../src/core/define-rule.js';
import { hasLintableMigrations, lintable, migrationHazards, type Hazard, type HazardRule } from '../../../src/audit/schema/migrations-safety.js';
import { migrationSets } from '../../../src/audit/schema/migrations.js';
import { historyOf, type History } from './history.js';

export { historyLimitation, historyMessage, historyOptions } from './history.js';

/** How many historical findings the summary names by location. */
const shownLocations = 3;

function located(hazard: Hazard): string {
  return `${hazard.at.path}:${hazard.at.line}`;
}

/**
 * Reports the hazards of `rule`; `messageIds` are the rule's messages (a hazard without one is a bug, and throws).
 * Hazards in historical migrations (see history.ts) are summarised per folder under `historyMessageId`.
 */
export async function reportHazards<M extends string>(
  ctx: RepoContext<M, { historyDays: number }>,
  rule: HazardRule,
  messageIds: readonly M[],
  historyMessageId: M,
): Promise<void> {
  if (!hasLintableMigrations(ctx.model)) {
    ctx.notApplicable(`${rule}: no PostgreSQL migrations found`);
    return;
  }
  const histories = migrationSets(ctx.model)
    .filter(lintable)
    .flatMap((set) => historyOf(ctx.model, set, ctx.options.historyDays) ?? []);
  const historical = new Map<History, Hazard[]>();
  for (const hazard of await migrationHazards(ctx.model)) {
    if (hazard.rule !== rule) continue;
    if (!messageIds.includes(hazard.messageId as M)) throw new Error(`${rule} has no message ${hazard.messageId}`);
    const history = histories.find((h) => h.paths.has(hazard.at.path));
    if (history) {
      historical.set(history, [...(historical.get(history) ?? []), hazard]);
      continue;
    }
    const { at } = hazard;
    ctx.report({
      messageId: hazard.messageId as M,
      data: hazard.data,
      path: at.path,
      ...(at.start !== undefined && at.end !== undefined ? { range: { start: at.start, end: at.end } } : { line: at.line }),
      key: hazard.key,
      ...(hazard.severity ? { severity: hazard.severity } : {}),
      ...(hazard.confidence ? { confidence: hazard.confidence } : {}),
    });
  }
  for (const [history, hazards] of historical) {
    const migrations = new Set(hazards.map((h) => h.at.path)).size;
    const examples = hazards.slice(0, shownLocations).map(located).join(', ');
    ctx.report({
      messageId: historyMessageId,
      data: {
        count: hazards.length,
        migrations,
        dir: history.dir,
        days: ctx.options.historyDays,
        newest: history.newest.name,
        newestDate: history.newest.date,
        examples: hazards.length > shownLocations ? `${examples}, ...` : examples,
      },
      severity: 'info',
      // One finding per folder whatever the count, so its fingerprint survives new migrations and edits.
      key: `history:${history.dir}`,
    });
  }
}
