import type { SectionId } from '../../../core/checklist.js';
import type { SectionScore } from '../../scoring.js';
import { esc } from './escape.js';
import { gradeColour, notAssessedColour } from './styles.js';

const width = 760;
const labelWidth = 250;
const barLeft = labelWidth + 10;
const barWidth = 400;
const rowHeight = 38;
const top = 30;

function describe(id: string, s: SectionScore): string {
  return s.score === null ? `${s.title} (${id}): not assessed` : `${s.title} (${id}): ${s.score} out of 100, grade ${s.grade}`;
}

/**
 * Horizontal bars, one per checklist section. A section nobody could assess gets a hatched, labelled bar of full
 * width: drawing it as an empty bar would read as 0 and hiding it would read as "fine".
 */
export function sectionChart(entries: ReadonlyArray<[SectionId, SectionScore]>): string {
  const height = top + entries.length * rowHeight + 10;
  const grid = [0, 25, 50, 75, 100]
    .map((v) => {
      const x = barLeft + (barWidth * v) / 100;
      return `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 8}" stroke="#e5e7eb" stroke-width="1"/><text x="${x}" y="${top - 12}" text-anchor="middle" font-size="11" fill="#4b5563">${v}</text>`;
    })
    .join('');
  const rows = entries
    .map(([id, s], i) => {
      const y = top + i * rowHeight;
      const label = `<text x="${labelWidth}" y="${y + 22}" text-anchor="end" font-size="14" fill="#1f2937">${esc(s.title)} <tspan fill="#4b5563" font-size="12">${esc(id)}</tspan></text>`;
      if (s.score === null || s.grade === null) {
        return `<g data-section="${esc(id)}" data-score="none">${label}<rect x="${barLeft}" y="${y + 6}" width="${barWidth}" height="24" rx="4" fill="url(#hatch)" stroke="#9ca3af"/><text x="${barLeft + barWidth / 2}" y="${y + 22}" text-anchor="middle" font-size="13" font-style="italic" fill="#374151">not assessed</text></g>`;
      }
      const w = Math.max(2, (barWidth * s.score) / 100);
      return `<g data-section="${esc(id)}" data-score="${s.score}">${label}<rect x="${barLeft}" y="${y + 6}" width="${barWidth}" height="24" rx="4" fill="#f3f4f6"/><rect x="${barLeft}" y="${y + 6}" width="${w.toFixed(1)}" height="24" rx="4" fill="${gradeColour[s.grade]}"/><text x="${barLeft + barWidth + 12}" y="${y + 23}" font-size="15" font-weight="700" fill="#111827">${s.score}<tspan font-weight="600" fill="${gradeColour[s.grade]}"> ${s.grade}</tspan></text></g>`;
    })
    .join('');
  const desc = entries.map(([id, s]) => describe(id, s)).join('; ');
  return (
    `<svg class="chart" id="section-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="chart-title chart-desc">` +
    `<title id="chart-title">Readiness score per checklist section (0–100)</title><desc id="chart-desc">${esc(desc)}. The table below lists the same data.</desc>` +
    `<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#f3f4f6"/><line x1="0" y1="0" x2="0" y2="8" stroke="${notAssessedColour}" stroke-opacity=".35" stroke-width="3"/></pattern></defs>` +
    grid +
    rows +
    `</svg>`
  );
}
