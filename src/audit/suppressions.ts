import type { Finding } from '../core/types.js';

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

function parseBody(body: string): { rules: string[]; reason: string; until?: string; problem?: string } {
  const cleaned = body.replace(/\s*(?:\*\/\}?|-->)\s*$/, '').trim();
  const separator = cleaned.indexOf(' -- ');
  const head = separator === -1 ? cleaned.replace(/\s--\s*$/, '') : cleaned.slice(0, separator);
  let reason = separator === -1 ? '' : cleaned.slice(separator + 4).trim();
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
  if (until !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(until)))) problems.push(`has an invalid date until=${until} (use YYYY-MM-DD)`);
  return { rules, reason, ...(until ? { until } : {}), ...(problems.length ? { problem: problems.join('; ') } : {}) };
}

/** Finds every suppression comment in one file. Cheap: files without the marker are skipped by a substring test. */
export function parseSuppressions(path: string, text: string, today: string): Suppression[] {
  if (!text.includes('prodgrade-ignore-')) return [];
  const found: Suppression[] = [];
  let line = 1;
  let lastIndex = 0;
  for (const match of text.matchAll(marker)) {
    for (let i = lastIndex; i < match.index; i++) if (text.charCodeAt(i) === 10) line++;
    lastIndex = match.index;
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
