import { atLeast, confidences, severities, severityRank, type Finding, type Severity } from '../../core/types.js';
import type { Report } from '../report.js';
import type { Grade } from '../scoring.js';
import { registryRules, ruleDocsUrl, type RuleInfo } from './sarif.js';
import type { Reporter } from './types.js';

/** GitHub rejects a comment body longer than this (the job summary allows more; the comment is the tighter one). */
export const githubCommentLimit = 65_536;
/** What the markdown report may use: the rest is room for what a commenting action wraps around it. */
export const markdownBudget = 60_000;
export const topFindingsCap = 50;
const packagesCap = 25;
const internalCap = 10;

const severityIcon: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };
const gradeIcon: Record<Grade, string> = { A: '🟢', B: '🟢', C: '🟡', D: '🟠', F: '🔴' };

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** Long paths keep their end: the file name says more than the first folders. */
function clipPath(path: string, max = 120): string {
  return path.length <= max ? path : `…${path.slice(path.length - max + 1)}`;
}

/** One line of printable text: control characters (a terminal escape in a message) show as `\uXXXX`, lone surrogates as U+FFFD. */
function printable(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * Report text inside a table cell: one line, pipes and backticks escaped (either would break the row or swallow
 * the next cells), and no markup of its own (`[x](y)`, `<img>`, `$math$`, entities). Messages carry text from the
 * audited files, so `@name` and `#123` are also defused with a zero-width space: GitHub would otherwise notify
 * that user or cross-link that issue from every PR the report is posted on.
 */
export function escapeCell(text: string): string {
  return printable(text)
    .replace(/[\\`*_[\]<>|~&$]/g, (c) => `\\${c}`)
    .replace(/([@#])(?=[A-Za-z0-9])/g, '$1\u200b');
}

/** A path or id as a code span (no mentions or markup are processed inside); plain escaped text if it holds a backtick. */
export function codeCell(text: string): string {
  const oneLine = printable(text);
  if (oneLine.includes('`') || oneLine.trim() === '') return escapeCell(oneLine);
  // GFM splits rows on pipes before it parses code spans; `\|` is the one escape that holds inside them.
  return `\`${oneLine.replace(/\|/g, '\\|')}\``;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

function locationCell(f: Finding): string {
  if (!f.location) return f.package === '.' ? '_repository_' : `_package_ ${codeCell(clipPath(f.package))}`;
  return codeCell(`${clipPath(f.location.path)}:${f.location.startLine}`);
}

function headline(report: Report): string {
  const { score, grade } = report.summary;
  if (score === null || grade === null) return `## ⚪ ${report.tool.name}: not assessed`;
  return `## ${gradeIcon[grade]} ${report.tool.name}: ${score}/100 · grade ${grade}`;
}

function status(report: Report): string {
  const { failOn, failedGates, failed } = report.summary;
  const reasons: string[] = [];
  if (failOn !== 'none') {
    const over = report.findings.filter((f) => !f.internal && atLeast(f.severity, failOn)).length;
    if (over) reasons.push(`${plural(over, 'finding')} at or above **${failOn}**`);
  }
  for (const g of failedGates) reasons.push(`section ${g.section} scored ${g.score}, below its minimum of ${g.minimum}`);
  if (failed) return `❌ **Failing:** ${reasons.join('; ') || 'the audit failed'}.`;
  if (failOn === 'none') return 'ℹ️ Findings do not fail this run (`--fail-on none`).';
  return `✅ **Passing:** no finding at or above **${failOn}**.`;
}

function countsTable(report: Report): string {
  const c = report.summary.counts.bySeverity;
  return [
    row([...severities.map((s) => `${severityIcon[s]} ${s[0]!.toUpperCase()}${s.slice(1)}`), 'Total']),
    row(severities.map(() => '---:').concat('---:')),
    row([...severities.map((s) => String(c[s])), String(report.summary.counts.total)]),
  ].join('\n');
}

function sectionsTable(report: Report): string {
  const lines = [row(['Section', 'Score', 'Grade', 'Findings', 'Assessed items']), row(['---', '---:', ':---:', '---:', '---:'])];
  for (const [id, s] of Object.entries(report.summary.sections)) {
    const total = s.assessedItems.length + s.notAssessedItems.length;
    lines.push(
      row([
        `${id} · ${escapeCell(s.title)}`,
        s.score === null ? '—' : String(s.score),
        s.grade === null ? '_not assessed_' : `${gradeIcon[s.grade]} ${s.grade}`,
        String(s.findings),
        `${s.assessedItems.length}/${total}`,
      ]),
    );
  }
  return lines.join('\n');
}

function packagesTable(report: Report): string | undefined {
  const packages = report.summary.packages;
  if (packages.length <= 1) return undefined;
  // Worst first: the packages that need attention must survive the cap.
  const sorted = [...packages].sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || b.findings - a.findings || a.dir.localeCompare(b.dir));
  const lines = ['### Packages', '', row(['Package', 'Directory', 'Score', 'Grade', 'Findings']), row(['---', '---', '---:', ':---:', '---:'])];
  for (const p of sorted.slice(0, packagesCap)) {
    lines.push(
      row([
        codeCell(clip(p.name, 80)),
        codeCell(clipPath(p.dir, 80)),
        p.score === null ? '—' : String(p.score),
        p.grade === null ? '_not assessed_' : `${gradeIcon[p.grade]} ${p.grade}`,
        String(p.findings),
      ]),
    );
  }
  if (sorted.length > packagesCap) lines.push('', `…and ${plural(sorted.length - packagesCap, 'more package')}.`);
  return lines.join('\n');
}

function internalNote(report: Report): string | undefined {
  const internal = report.findings.filter((f) => f.internal);
  if (!internal.length) return undefined;
  const lines = [
    '> [!WARNING]',
    `> ${plural(internal.length, 'internal error')}: a rule crashed, so what it checks was not fully audited in these places. Please report them.`,
  ];
  for (const f of internal.slice(0, internalCap)) lines.push(`> - ${codeCell(f.ruleId)} on ${f.location ? codeCell(clipPath(f.location.path)) : '_the repository_'}`);
  if (internal.length > internalCap) lines.push(`> - …and ${internal.length - internalCap} more`);
  return lines.join('\n');
}

function footer(report: Report): string {
  const parts = [
    `${report.tool.name} ${report.tool.version}`,
    `${plural(report.stats.files, 'file')} audited in ${(report.stats.durationMs / 1000).toFixed(2)} s`,
  ];
  if (report.skippedFiles.length) parts.push(`${plural(report.skippedFiles.length, 'file')} skipped`);
  if (report.baseline) parts.push(`baseline hides ${plural(report.baseline.matched, 'known finding')}`);
  parts.push(report.generatedAt);
  return `<sub>${parts.map(escapeCell).join(' · ')}</sub>`;
}

/** Takes rows in order while they fit in `room` characters, at most `max` of them. */
function fit(rows: readonly string[], max: number, room: number): { rows: string[]; length: number } {
  const out: string[] = [];
  let length = 0;
  for (const r of rows) {
    if (out.length >= max || length + r.length + 1 > room) break;
    out.push(r);
    length += r.length + 1;
  }
  return { rows: out, length };
}

const cutNote = "cut to stay within GitHub's comment size limit";

/** Last line of defence, for inputs no cap foresaw: cut at a line, close an open `<details>`, say so. */
function hardTruncate(text: string, budget: number): string {
  const note = `\n\n_…report ${cutNote} (${githubCommentLimit.toLocaleString('en-US')} characters)._\n`;
  let cut = text.slice(0, Math.max(0, budget - note.length - 20));
  const newline = cut.lastIndexOf('\n');
  if (newline > 0) cut = cut.slice(0, newline);
  const open = (cut.match(/<details>/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length;
  return `${cut}${open > 0 ? '\n\n</details>' : ''}${note}`;
}

/**
 * Builds the markdown reporter (a PR comment or a GitHub job summary): score, section and severity tables, the
 * worst findings first, and the unassessed checklist items folded away. The output stays under `markdownBudget`.
 */
export function createMarkdownReporter(rules: readonly RuleInfo[] = registryRules, budget = markdownBudget): Reporter {
  const known = new Set(rules.map((r) => r.id));
  return (report) => {
    const ruleCell = (id: string): string => {
      const url = known.has(id) ? ruleDocsUrl(report.tool.uri, id) : undefined;
      return url ? `[${escapeCell(id)}](${url})` : codeCell(id);
    };

    const head = [headline(report), status(report), countsTable(report), '### Checklist sections', sectionsTable(report)];
    const packages = packagesTable(report);
    if (packages) head.push(packages);
    const internal = internalNote(report);
    if (internal) head.push(internal);
    const tail = footer(report);

    const rank = (f: Finding): number => severityRank(f.severity) * 10 + (confidences.length - confidences.indexOf(f.confidence));
    const findings = report.findings.filter((f) => !f.internal).sort((a, b) => rank(b) - rank(a));
    const findingRows = findings.slice(0, topFindingsCap).map((f) =>
      row([
        `${severityIcon[f.severity]} ${f.severity}`,
        locationCell(f),
        ruleCell(f.ruleId),
        escapeCell(f.checklist),
        escapeCell(clip(f.message, 300)),
      ]),
    );
    const notAssessedRows = report.notAssessed.map((n) =>
      row([escapeCell(n.checklist), escapeCell(clip(n.title, 120)), escapeCell(clip(n.reason, 300))]),
    );

    // Fixed parts first, then findings, then the folded list: what is cut for size is the least important.
    const reserve = 1_500;
    let room = budget - head.join('\n\n').length - tail.length - reserve;
    const shownFindings = fit(findingRows, topFindingsCap, room);
    room -= shownFindings.length;
    const shownNotAssessed = fit(notAssessedRows, Infinity, room);

    const body = [...head];
    if (findings.length) {
      const lines = ['### Top findings'];
      if (shownFindings.rows.length) lines.push('', row(['Severity', 'Location', 'Rule', 'Checklist', 'Message']), row(['---', '---', '---', '---', '---']), ...shownFindings.rows);
      const hidden = findings.length - shownFindings.rows.length;
      if (hidden > 0) {
        const shown = shownFindings.rows.length;
        const cut = shown < Math.min(topFindingsCap, findings.length);
        const lead = shown ? `…and ${plural(hidden, 'more finding')}` : `${plural(hidden, 'finding')} not listed`;
        lines.push('', `${lead}${cut ? ` (${cutNote})` : ''}. The JSON, HTML and SARIF reports list every finding.`);
      }
      body.push(lines.join('\n'));
    } else {
      body.push('### Findings\n\nNo findings. 🎉');
    }
    if (report.notAssessed.length) {
      // The blank line after <summary> is what lets GitHub render markdown inside the block.
      const lines = ['<details>', `<summary>${plural(report.notAssessed.length, 'checklist item')} not assessed</summary>`];
      if (shownNotAssessed.rows.length) lines.push('', row(['Item', 'Title', 'Why not']), row(['---', '---', '---']), ...shownNotAssessed.rows);
      const hidden = report.notAssessed.length - shownNotAssessed.rows.length;
      if (hidden > 0) lines.push('', shownNotAssessed.rows.length ? `…and ${plural(hidden, 'more item')} (${cutNote}).` : `The list is left out (${cutNote}).`);
      lines.push('', '</details>');
      body.push(lines.join('\n'));
    }
    body.push(tail);
    const out = `${body.join('\n\n')}\n`;
    return out.length <= budget ? out : hardTruncate(out, budget);
  };
}

/** Markdown for a pull-request comment or a GitHub job summary. */
export const markdownReporter: Reporter = createMarkdownReporter();
