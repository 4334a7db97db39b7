import { checklist, sections, type SectionId } from '../core/checklist.js';
import type { Confidence, Finding, Severity } from '../core/types.js';

/** Documented in docs/scoring.md; change both together. */
export const severityWeight: Record<Severity, number> = { critical: 40, high: 20, medium: 10, low: 4, info: 0 };
export const confidenceFactor: Record<Confidence, number> = { high: 1, medium: 0.6, low: 0.3 };

export type Grade = 'A' | 'B' | 'C' | 'D' | 'F';

export function gradeOf(score: number): Grade {
  if (score >= 90) return 'A';
  if (score >= 80) return 'B';
  if (score >= 70) return 'C';
  if (score >= 60) return 'D';
  return 'F';
}

export interface SectionScore {
  title: string;
  /** null when no item of the section could be assessed. */
  score: number | null;
  grade: Grade | null;
  findings: number;
  assessedItems: string[];
  notAssessedItems: string[];
}

export interface Score {
  score: number | null;
  grade: Grade | null;
  sections: Record<SectionId, SectionScore>;
}

/**
 * Penalty of one checklist item: the worst finding counts fully, the next half, the third a third, and so on,
 * so a hundred copies of one low-severity smell cannot outweigh a single critical hole.
 */
export function itemPenalty(findings: readonly Finding[]): number {
  const weights = findings
    .filter((f) => !f.internal)
    .map((f) => severityWeight[f.severity] * confidenceFactor[f.confidence])
    .sort((a, b) => b - a);
  return Math.min(100, weights.reduce((sum, w, i) => sum + w / (i + 1), 0));
}

/** Scores per section (product of assessed items' scores) and overall (mean of assessed sections). Not-assessed items are left out. */
export function score(findings: readonly Finding[], assessed: ReadonlySet<string>): Score {
  const byItem = new Map<string, Finding[]>();
  for (const f of findings) {
    let list = byItem.get(f.checklist);
    if (!list) byItem.set(f.checklist, (list = []));
    list.push(f);
  }
  const result = {} as Record<SectionId, SectionScore>;
  const sectionScores: number[] = [];
  for (const [id, title] of Object.entries(sections) as Array<[SectionId, string]>) {
    const items = checklist.filter((item) => item.section === id);
    const assessedItems = items.filter((item) => assessed.has(item.id)).map((item) => item.id);
    const notAssessedItems = items.filter((item) => !assessed.has(item.id)).map((item) => item.id);
    // Multiplied, not averaged: one critical hole must pull a section down however many items around it are clean.
    const sectionScore = assessedItems.length
      ? Math.round(100 * assessedItems.reduce((product, item) => product * (1 - itemPenalty(byItem.get(item) ?? []) / 100), 1))
      : null;
    if (sectionScore !== null) sectionScores.push(sectionScore);
    result[id] = {
      title,
      score: sectionScore,
      grade: sectionScore === null ? null : gradeOf(sectionScore),
      findings: items.reduce((n, item) => n + (byItem.get(item.id)?.filter((f) => !f.internal).length ?? 0), 0),
      assessedItems,
      notAssessedItems,
    };
  }
  const overall = sectionScores.length ? Math.round(sectionScores.reduce((a, b) => a + b, 0) / sectionScores.length) : null;
  return { score: overall, grade: overall === null ? null : gradeOf(overall), sections: result };
}
