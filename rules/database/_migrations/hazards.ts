/** Reporting shared by the DB-2 migration rules: each reports its family of the hazards found once per run. */
import type { RepoContext } from '../../../src/core/define-rule.js';
import { hasLintableMigrations, migrationHazards, type HazardRule } from '../../../src/audit/schema/migrations-safety.js';

/** Reports the hazards of `rule`; `messageIds` are the rule's messages (a hazard without one is a bug, and throws). */
export async function reportHazards<M extends string>(ctx: RepoContext<M, unknown>, rule: HazardRule, messageIds: readonly M[]): Promise<void> {
  if (!hasLintableMigrations(ctx.model)) {
    ctx.notApplicable(`${rule}: no PostgreSQL migrations found`);
    return;
  }
  for (const hazard of await migrationHazards(ctx.model)) {
    if (hazard.rule !== rule) continue;
    if (!messageIds.includes(hazard.messageId as M)) throw new Error(`${rule} has no message ${hazard.messageId}`);
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
}
