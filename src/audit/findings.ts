import type { AnyRule, ReportDescriptor } from '../core/define-rule.js';
import { maskSecret } from '../core/mask.js';
import type { Finding, Location, Snippet } from '../core/types.js';
import { digest } from './digest.js';
import { languageOf } from './languages.js';
import { positionAt, splitLines } from './text.js';

/** A finding before the engine gives it its occurrence-aware fingerprint. */
export interface DraftFinding extends Omit<Finding, 'fingerprint'> {
  fingerprintBase: string;
}

export function formatMessage(template: string, data: Record<string, string | number> | undefined): string {
  // `${{ … }}` is GitHub Actions expression syntax that messages may quote, never a placeholder.
  return template.replace(/(?<!\$)\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => {
    const value = data?.[key];
    if (value === undefined) throw new Error(`message placeholder {{${key}}} has no value`);
    return String(value);
  });
}

export interface FileText {
  path: string;
  text: string;
  lineStarts: readonly number[];
}

const contextLines = 2;

type Span = { start: number; end: number };

/**
 * A secret's mask keeps the secret's line breaks (as empty lines), so the lines after a multi-line secret such as a
 * PEM body keep their numbers.
 */
function masked(text: string, secrets: readonly Span[]): string {
  let out = text;
  let before = Infinity;
  for (const s of [...secrets].sort((a, b) => b.start - a.start)) {
    if (s.end > before) continue;
    const secret = out.slice(s.start, s.end);
    const breaks = secret.match(/\r\n|\r|\n/g)?.join('') ?? '';
    out = out.slice(0, s.start) + maskSecret(secret) + breaks + out.slice(s.end);
    before = s.start;
  }
  return out;
}

const envAssignment = /^[ \t]*(?:export[ \t]+)?[A-Za-z_][\w.-]*[ \t]*=[ \t]*(\S(?:.*\S)?)[ \t]*$/gm;

/**
 * Every value of a `.env` file: a code frame around one finding there shows the neighbouring lines, and in a
 * `.env` file any of them may be a secret that no rule recognised.
 */
function envValueSpans(file: FileText): Span[] {
  if (languageOf(file.path) !== 'env') return [];
  const spans: Span[] = [];
  for (const match of file.text.matchAll(envAssignment)) {
    const value = match[1]!;
    const start = match.index + match[0].lastIndexOf(value);
    spans.push({ start, end: start + value.length });
  }
  return spans;
}

/** Secret spans that overlap are merged, so one mask covers both. */
function mergeSpans(spans: readonly Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

function snippetFor(file: FileText, startLine: number, endLine: number, reported: readonly Span[] = []): Snippet {
  const secrets = mergeSpans([...reported, ...envValueSpans(file)]);
  const text = secrets.length > 0 ? masked(file.text, secrets) : file.text;
  const lines = splitLines(text);
  const first = Math.max(1, startLine - contextLines);
  const last = Math.min(lines.length, Math.min(endLine, startLine + 6) + contextLines);
  return { startLine: first, lines: lines.slice(first - 1, last).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)) };
}

/** The line text a fingerprint is built from: whitespace-normalized, so re-indentation keeps it stable. */
function normalizedLine(file: FileText, line: number, secret?: { start: number; end: number }): string {
  const start = file.lineStarts[line - 1] ?? 0;
  const end = file.lineStarts[line] ?? file.text.length;
  let text = file.text.slice(start, end);
  if (secret && secret.start >= start && secret.end <= end) {
    text = text.slice(0, secret.start - start) + 'SECRET' + text.slice(secret.end - start);
  }
  return text.replace(/\s+/g, ' ').trim();
}

export function rangeOf(descriptor: ReportDescriptor<string>, file: FileText): { start: number; end: number } | undefined {
  if (descriptor.node) {
    const node = descriptor.node;
    return { start: node.getStart(node.getSourceFile()), end: node.getEnd() };
  }
  if (descriptor.range) return descriptor.range;
  if (descriptor.line !== undefined) {
    const start = file.lineStarts[descriptor.line - 1] ?? 0;
    const next = file.lineStarts[descriptor.line];
    const end = next === undefined ? file.text.length : Math.max(start, next - 1);
    const lineText = file.text.slice(start, end);
    const indent = lineText.length - lineText.trimStart().length;
    return { start: start + indent, end: start + lineText.trimEnd().length };
  }
  return undefined;
}

export function draftFinding(
  rule: AnyRule,
  descriptor: ReportDescriptor<string>,
  packageDir: string,
  file: FileText | undefined,
): DraftFinding {
  const template = rule.meta.messages[descriptor.messageId];
  if (template === undefined) throw new Error(`rule ${rule.meta.id} reported unknown message id "${descriptor.messageId}"`);
  const message = formatMessage(template, descriptor.data);
  let location: Location | null = null;
  let snippet: Snippet | undefined;
  let anchor = '';
  if (file) {
    const range = rangeOf(descriptor, file);
    if (range) {
      const start = positionAt(file.lineStarts, range.start);
      const end = positionAt(file.lineStarts, Math.max(range.start, range.end));
      location = { path: file.path, startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
      snippet = snippetFor(file, start.line, end.line, descriptor.secret ? [descriptor.secret] : []);
      anchor = normalizedLine(file, start.line, descriptor.secret);
    } else {
      location = { path: file.path, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
    }
  }
  return {
    ruleId: rule.meta.id,
    checklist: rule.meta.checklist,
    severity: descriptor.severity ?? rule.meta.severity,
    confidence: descriptor.confidence ?? rule.meta.confidence,
    message,
    help: rule.meta.docs.howToFix,
    location,
    package: packageDir,
    ...(snippet ? { snippet } : {}),
    fingerprintBase: digest([rule.meta.id, file?.path ?? `package:${packageDir}`, anchor, descriptor.key ?? (file ? '' : descriptor.messageId)]),
  };
}

/** Re-masks a finding's snippet with every secret reported in its file: a neighbouring line may hold another one. */
export function remaskSnippet(draft: DraftFinding, file: FileText, secrets: readonly Span[]): void {
  if (!draft.snippet || !draft.location || draft.location.path !== file.path) return;
  draft.snippet = snippetFor(file, draft.location.startLine, draft.location.endLine, secrets);
}

/** Fingerprints without line numbers: identical findings in one file are told apart by their order. */
export function finalizeFingerprints(drafts: readonly DraftFinding[]): Finding[] {
  const seen = new Map<string, number>();
  return drafts.map(({ fingerprintBase, ...rest }) => {
    const n = seen.get(fingerprintBase) ?? 0;
    seen.set(fingerprintBase, n + 1);
    return { ...rest, fingerprint: n === 0 ? fingerprintBase : digest([fingerprintBase, String(n)]) };
  });
}
