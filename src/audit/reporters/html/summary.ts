import { checklist, sections, type SectionId } from '../../../core/checklist.js';
import { atLeast, severities } from '../../../core/types.js';
import type { Grade } from '../../scoring.js';
import type { Report } from '../../report.js';
import { esc, plural } from './escape.js';

const verdict: Record<Grade, string> = {
  A: 'is in good shape for production on everything that could be checked',
  B: 'is close to production-ready; the issues below should be fixed before launch',
  C: 'has material gaps that should be closed before it carries production traffic',
  D: 'has significant gaps that make a production launch risky',
  F: 'is not ready for production',
};

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Plain-language paragraphs derived from the numbers, for a reader who will not read the findings. */
export function executiveSummary(report: Report, project: string): string {
  const { summary } = report;
  const paragraphs: string[] = [];
  const entries = Object.entries(summary.sections) as Array<[SectionId, Report['summary']['sections'][SectionId]]>;

  if (summary.score === null || summary.grade === null) {
    paragraphs.push(
      `<p class="lead">No checklist section of <strong>${esc(project)}</strong> could be assessed, so this audit gives <strong>no overall score</strong>. That is not a pass: it means the enabled rules found nothing they apply to.</p>`,
    );
  } else {
    paragraphs.push(
      `<p class="lead">Overall, <strong>${esc(project)}</strong> scores <strong>${summary.score}/100 (grade ${summary.grade})</strong> and ${verdict[summary.grade]}.</p>`,
    );
  }

  const assessed = entries.filter(([, s]) => s.score !== null).sort((a, b) => a[1].score! - b[1].score! || a[0].localeCompare(b[0]));
  const weak = assessed.filter(([, s]) => s.score! < 90).slice(0, 3);
  if (weak.length) {
    paragraphs.push(
      `<p>The weakest ${weak.length === 1 ? 'area is' : 'areas are'} ${list(weak.map(([id, s]) => `<strong>${esc(sections[id])}</strong> (${s.score}, ${s.grade})`))}. Start there.</p>`,
    );
  } else if (assessed.length) {
    paragraphs.push(`<p>Every assessed section scores 90 or more.</p>`);
  }

  const c = summary.counts.bySeverity;
  if (summary.counts.total === 0) {
    paragraphs.push(`<p>The audit raised no findings.</p>`);
  } else {
    const parts = severities.filter((s) => c[s] > 0).map((s) => `${c[s].toLocaleString('en-US')} ${s}`);
    const urgent = c.critical + c.high;
    paragraphs.push(
      `<p>It raised ${plural(summary.counts.total, 'finding')} (${parts.join(', ')}). ${
        urgent
          ? `<strong>${plural(urgent, 'finding')} ${urgent === 1 ? 'is' : 'are'} critical or high</strong> and should be fixed before launch; they are listed under Top risks.`
          : 'None is critical or high.'
      }</p>`,
    );
  }

  const notAssessed = report.notAssessed.length;
  if (notAssessed) {
    const blank = entries.filter(([, s]) => s.score === null).map(([id]) => esc(sections[id]));
    paragraphs.push(
      `<p>${notAssessed} of the ${checklist.length} checklist items <strong>were not assessed</strong>${
        blank.length ? `, including every item of ${list(blank)}` : ''
      }. The score only covers what could be checked: a not-assessed item is neither a pass nor a failure, and needs a manual review or another tool (see “What was not assessed”).</p>`,
    );
  } else {
    paragraphs.push(`<p>All ${checklist.length} checklist items were assessed.</p>`);
  }

  if (summary.counts.internal) {
    paragraphs.push(
      `<p class="note">${plural(summary.counts.internal, 'internal error')}: a rule crashed on a file, so part of the code was not checked by it. These are listed separately and do not count towards the score.</p>`,
    );
  }
  if (summary.failed) {
    const why: string[] = [];
    const failOn = summary.failOn;
    const over = failOn === 'none' ? 0 : report.findings.filter((f) => !f.internal && atLeast(f.severity, failOn)).length;
    if (over) why.push(`${plural(over, 'finding')} at or above <strong>${esc(failOn)}</strong> severity`);
    for (const g of summary.failedGates) why.push(`section ${esc(sections[g.section] ?? g.section)} scored ${g.score}, below its gate of ${g.minimum}`);
    paragraphs.push(`<p class="note warn">This run <strong>fails</strong> the project’s configured quality gate: ${why.join('; ')}.</p>`);
  }
  return paragraphs.join('\n');
}
