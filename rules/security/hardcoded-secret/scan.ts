import type { Confidence, Severity } from '../../../src/core/types.js';
import type { Language } from '../../../src/audit/languages.js';
import { detectors, type Detector } from './detectors.js';
import { genericAt, genericKeywords } from './generic.js';
import { KeywordFinder } from './keyword-finder.js';
import { isComposeFile, pathKind, type PathKind } from './paths.js';
import { throwawayContext } from './structure.js';
import { entropy, isPlaceholder, knownPublicValues } from './values.js';

export interface SecretHit {
  /** Detector id, or `generic` for a secret-like name assigned a high-entropy literal. */
  detector: string;
  provider: string;
  kind: string;
  /** Offsets of the secret value in the file text. */
  start: number;
  end: number;
  confidence: Confidence;
  severity: Severity;
  /** The variable or key the value is assigned to (generic hits). */
  name?: string;
}

/** Lines longer than this are minified code or data blobs: skipped (private keys are found by their own rule). */
export const maxLineLength = 5000;


/** Keyword (lower-case) → detectors that need it. */
const byKeyword = new Map<string, Detector[]>();
for (const d of detectors) {
  for (const raw of d.keywords) {
    const k = raw.toLowerCase();
    const list = byKeyword.get(k) ?? [];
    list.push(d);
    byKeyword.set(k, list);
  }
}
const allKeywords = [...new Set<string>([...byKeyword.keys(), ...genericKeywords])].sort((a, b) => b.length - a.length || a.localeCompare(b));
/** Keywords that also start a look at a name: the alternation reports only the longest (`_password`, not `pass`). */
const genericSet = new Set<string>(allKeywords.filter((k) => genericKeywords.some((g) => k.includes(g))));

/**
 * The single pre-pass: every provider keyword and every secret-like name word, case-insensitively. Only lines it hits
 * are looked at again; the per-detector expressions never see the rest of the file.
 */
const anchor = new KeywordFinder(allKeywords);


const confidenceRank: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };
const lower: Record<Confidence, Confidence> = { high: 'medium', medium: 'low', low: 'low' };
const severityCap = (severity: Severity, cap: Severity): Severity => {
  const order: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
  return order[Math.min(order.indexOf(severity), order.indexOf(cap))]!;
};

/**
 * Runs one detector over a line. A value the detector recognises but rejects (a placeholder, a documented example, a
 * key public by design such as a Firebase web key or a Supabase anon JWT) goes to `vetoed`, so that the name-based
 * rule does not report it either.
 */
function runDetector(d: Detector, line: string, lineStart: number, path: string, text: string, out: SecretHit[], vetoed: SecretHit[]): void {
  if (d.context && !d.context.test(line)) return;
  d.pattern.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = d.pattern.exec(line)) !== null) {
    if (m[0].length === 0) {
      d.pattern.lastIndex++;
      continue;
    }
    const secret = m[1] ?? m[0];
    const offset = m.index + (m[1] !== undefined ? m[0].indexOf(m[1]) : 0);
    const body = d.prefix ? secret.replace(d.prefix, '') : secret;
    const verdict =
      knownPublicValues.has(secret) || isPlaceholder(body) || (d.minEntropy !== undefined && entropy(body) < d.minEntropy)
        ? false
        : d.validate
          ? d.validate(secret, { line, path, text })
          : { confidence: d.confidence };
    (verdict === false ? vetoed : out).push({
      detector: d.id,
      provider: d.provider,
      kind: (verdict && verdict.kind) || d.kind,
      start: lineStart + offset,
      end: lineStart + offset + secret.length,
      confidence: verdict ? verdict.confidence : 'low',
      severity: (verdict && verdict.severity) || d.severity,
    });
  }
}

/**
 * Finds hardcoded secrets in one file: provider formats from the detector table, then secret-like names assigned
 * literal values. Test files keep only provider formats, at low confidence; lockfiles and stylesheets are skipped.
 */
export function scanSecrets(text: string, path: string, language: Language): SecretHit[] {
  const where: PathKind = pathKind(path);
  if (where === 'skip') return [];
  const hits: SecretHit[] = [];
  const vetoed: SecretHit[] = [];
  // Names with literal values are judged only in code and deployment config: tests, translations, docs, examples and
  // local docker-compose stacks are full of made-up passwords (templates are SEC-2's `templateSecret`).
  const nameBased = where === 'source' && (!isComposeFile(path) || /prod|deploy|release|live/i.test(path));
  let from = 0;
  let lineStart = -1;
  let lineEnd = -1;
  let line = '';
  let pending: Set<Detector> | undefined;
  /** Keyword hits inside a name already read (`apiSecretKey` hits three times) are skipped. */
  let genericFrom = 0;
  const flush = (): void => {
    if (pending) for (const d of pending) runDetector(d, line, lineStart, path, text, hits, vetoed);
    pending = undefined;
  };
  let m: { index: number; keyword: string } | undefined;
  while ((m = anchor.next(text, from)) !== undefined) {
    const at = m.index;
    from = at + m.keyword.length;
    if (at >= lineEnd) {
      flush();
      lineStart = text.lastIndexOf('\n', at) + 1;
      lineEnd = text.indexOf('\n', at);
      if (lineEnd === -1) lineEnd = text.length;
      if (lineEnd - lineStart > maxLineLength) {
        from = lineEnd;
        line = '';
        continue;
      }
      line = text.slice(lineStart, text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd);
    }
    const { keyword } = m;
    const ds = byKeyword.get(keyword);
    if (ds) for (const d of ds) (pending ??= new Set()).add(d);
    if (genericSet.has(keyword) && nameBased && at >= genericFrom) {
      const { hit, next } = genericAt(line, at - lineStart, language, path, where);
      genericFrom = lineStart + next;
      if (hit) hits.push({ ...hit, start: hit.start + lineStart, end: hit.end + lineStart });
    }
  }
  flush();
  const throwaway = hits.some((h) => h.detector === 'generic') ? throwawayContext(text, path) : undefined;
  const kept = hits.filter(
    (h) => h.detector !== 'generic' || (!vetoed.some((v) => v.start < h.end && h.start < v.end) && !throwaway?.(h.start)),
  );
  return settle(kept, where, path);
}

/** One hit per secret (the most specific wins), with confidence adjusted to where the file sits. */
function settle(hits: SecretHit[], where: PathKind, path: string): SecretHit[] {
  hits.sort((a, b) => a.start - b.start || (a.detector === 'generic' ? 1 : 0) - (b.detector === 'generic' ? 1 : 0) || confidenceRank[b.confidence] - confidenceRank[a.confidence]);
  const kept: SecretHit[] = [];
  for (const hit of hits) {
    const prev = kept[kept.length - 1];
    if (prev && hit.start < prev.end) {
      // Overlap: a provider format beats the generic name rule; otherwise the higher confidence stays.
      const better = (prev.detector === 'generic' && hit.detector !== 'generic') || (prev.detector !== 'generic') === (hit.detector !== 'generic' ) && confidenceRank[hit.confidence] > confidenceRank[prev.confidence];
      if (better) kept[kept.length - 1] = hit;
      continue;
    }
    kept.push(hit);
  }
  const compose = isComposeFile(path);
  return kept.flatMap((hit) => {
    if (where === 'test') {
      // Test suites are full of made-up tokens; a provider-shaped one is still worth a look, at low confidence.
      if (hit.detector === 'jwt' || hit.detector === 'jwt-base64') return [];
      return [{ ...hit, confidence: 'low' as const, severity: severityCap(hit.severity, 'medium') }];
    }
    if (where === 'docs' || compose) return [{ ...hit, confidence: lower[hit.confidence] }];
    return [hit];
  });
}
