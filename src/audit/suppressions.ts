import type { Finding } from '../core/types.js';
import { lineStarts, positionAt } from './text.js';

export type SuppressionStatus = 'used' | 'unused' | 'expired' | 'invalid';

export interface Suppression {
  path: string;
  /** 1-based line of the comment. */
  line: number;
  kind: 'next-line' | 'file';
  rules: string[];
  reason: string;
  until?: string;
  status: SuppressionStatus;
  /** Why an invalid suppression is invalid. */
  problem?: string;
  /** How many findings it silenced. */
  matched: number;
}

// `//`, `#`, `--`, `/*`, `<!--`, `{/*` all introduce comments in the file kinds the engine reads.
const marker = /(?:\/\/|#|--|\/\*|<!--|\{\/\*)\s*prodgrade-ignore-(next-line|file)\b([^\r\n]*)/g;

/** YYYY-MM-DD naming a real day (`Date.parse` alone accepts 2025-02-30). */
function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const time = Date.parse(text);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === text;
}

function parseBody(body: string): { rules: string[]; reason: string; until?: string; problem?: string } {
  // Trim first: `\s*<closer>\s*$` alone backtracks quadratically on a long run of spaces.
  const cleaned = body.trim().replace(/(?:\*\/\}?|-->)$/, '').trim();
  // `--` alone separates the rule ids from the reason; it may also open the body when the rule ids are missing.
  const separator = /(?:^|\s)--(?:\s|$)/.exec(cleaned);
  const head = separator ? cleaned.slice(0, separator.index) : cleaned;
  let reason = separator ? cleaned.slice(separator.index + separator[0].length).trim() : '';
  const rules = head
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter(Boolean);
  let until: string | undefined;
  const untilMatch = /(?:^|\s)until=(\S+)\s*$/.exec(reason);
  if (untilMatch) {
    until = untilMatch[1];
    reason = reason.slice(0, untilMatch.index).trim();
  }
  const problems: string[] = [];
  if (rules.length === 0) problems.push('names no rule');
  if (!reason) problems.push('gives no reason (write `-- <reason>` after the rule id)');
  if (until !== undefined && !isCalendarDate(until)) problems.push(`has an invalid date until=${until} (use YYYY-MM-DD)`);
  return { rules, reason, ...(until ? { until } : {}), ...(problems.length ? { problem: problems.join('; ') } : {}) };
}

/** Finds every suppression comment in one file. Cheap: files without the marker are skipped by a substring test. */
export function parseSuppressions(path: string, text: string, today: string): Suppression[] {
  if (!text.includes('prodgrade-ignore-')) return [];
  const found: Suppression[] = [];
  // The same line breaks as finding locations (CRLF, LF, lone CR), so next-line suppressions line up.
  const starts = lineStarts(text);
  for (const match of text.matchAll(marker)) {
    const { line } = positionAt(starts, match.index);
    const parsed = parseBody(match[2] ?? '');
    const expired = parsed.until !== undefined && !parsed.problem && parsed.until < today;
    found.push({
      path,
      line,
      kind: match[1] === 'file' ? 'file' : 'next-line',
      rules: parsed.rules,
      reason: parsed.reason,
      ...(parsed.until ? { until: parsed.until } : {}),
      status: parsed.problem ? 'invalid' : expired ? 'expired' : 'unused',
      ...(parsed.problem ? { problem: parsed.problem } : {}),
      matched: 0,
    });
  }
  return found;
}

/** Drops suppressed findings and marks which suppressions were used. Invalid and expired ones silence nothing. */
export function applySuppressions(findings: readonly Finding[], suppressions: Suppression[]): Finding[] {
  const byPath = new Map<string, Suppression[]>();
  for (const s of suppressions) {
    if (s.status === 'invalid' || s.status === 'expired') continue;
    let list = byPath.get(s.path);
    if (!list) byPath.set(s.path, (list = []));
    list.push(s);
  }
  return findings.filter((finding) => {
    if (!finding.location || finding.internal) return true;
    const candidates = byPath.get(finding.location.path);
    if (!candidates) return true;
    const hit = candidates.find(
      (s) =>
        (s.rules.includes(finding.ruleId) || s.rules.includes('all')) &&
        (s.kind === 'file' || s.line + 1 === finding.location!.startLine),
    );
    if (!hit) return true;
    hit.matched++;
    hit.status = 'used';
    return false;
  });
}
