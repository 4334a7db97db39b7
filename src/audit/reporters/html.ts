import { createHash } from 'node:crypto';
import { checklistItem, sections, type SectionId } from '../../core/checklist.js';
import { ruleById } from '../registry.js';
import type { Report } from '../report.js';
import type { SectionScore } from '../scoring.js';
import type { Reporter } from './types.js';
import { sectionChart } from './html/chart.js';
import { esc, plural, prose } from './html/escape.js';
import { renderFindings, renderTopRisks, type RuleLookup } from './html/findings.js';
import { styles } from './html/styles.js';
import { executiveSummary } from './html/summary.js';

const listCap = 500;

// Printing should show what is folded away on screen; nothing else needs script.
const script =
  "(()=>{let opened=[];addEventListener('beforeprint',()=>{opened=[...document.querySelectorAll('details:not([open])')];for(const d of opened)d.open=true});addEventListener('afterprint',()=>{for(const d of opened)d.open=false;opened=[]})})();";
// Defence in depth: even if some report text escaped escaping, the page may not load or run anything else.
const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'none'`;

function projectName(root: string): string {
  return root.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || root;
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

function scoreCell(score: number | null): string {
  return score === null ? '<span class="pill na">not assessed</span>' : String(score);
}

function gradeCell(grade: string | null): string {
  return grade === null ? '<span class="muted">—</span>' : `<span class="gradecell text-grade-${esc(grade)}">${esc(grade)}</span>`;
}

function badge(report: Report): string {
  const { score, grade } = report.summary;
  if (score === null || grade === null) {
    return `<div class="badge na" id="overall-score" role="img" aria-label="No overall score: nothing could be assessed"><span class="score">—</span><span class="grade">Not assessed</span></div>`;
  }
  return `<div class="badge grade-${grade}" id="overall-score" role="img" aria-label="Overall score ${score} out of 100, grade ${grade}"><span class="score">${score}<small>/100</small></span><span class="grade">Grade ${grade}</span></div>`;
}

function stats(report: Report): string {
  const c = report.summary.counts.bySeverity;
  const cells: Array<[string, number]> = [
    ['Findings', report.summary.counts.total],
    ['Critical', c.critical],
    ['High', c.high],
    ['Medium', c.medium],
    ['Low + info', c.low + c.info],
    ['Not assessed', report.notAssessed.length],
    ['Files audited', report.stats.files],
  ];
  return `<dl class="stats">${cells.map(([k, v]) => `<div><dt>${k}</dt><dd>${v.toLocaleString('en-US')}</dd></div>`).join('')}</dl>`;
}

function sectionTable(entries: ReadonlyArray<[SectionId, SectionScore]>): string {
  const rows = entries
    .map(([id, s]) => {
      const total = s.assessedItems.length + s.notAssessedItems.length;
      return `<tr><th scope="row">${esc(s.title)} <span class="muted">${esc(id)}</span></th><td class="num">${scoreCell(s.score)}</td><td>${gradeCell(s.grade)}</td><td class="num">${s.findings.toLocaleString('en-US')}</td><td class="num">${s.assessedItems.length} of ${total}</td></tr>`;
    })
    .join('');
  return `<table id="section-table"><caption>Scores per section (the chart above as a table)</caption><thead><tr><th scope="col">Section</th><th scope="col" class="num">Score</th><th scope="col">Grade</th><th scope="col" class="num">Findings</th><th scope="col" class="num">Items assessed</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function packagesSection(report: Report): string {
  const pkgs = [...report.summary.packages].sort(
    (a, b) => (a.score ?? Number.POSITIVE_INFINITY) - (b.score ?? Number.POSITIVE_INFINITY) || a.name.localeCompare(b.name),
  );
  const rows = pkgs
    .map((p) => `<tr><th scope="row">${esc(p.name)}</th><td class="mono">${esc(p.dir)}</td><td class="num">${scoreCell(p.score)}</td><td>${gradeCell(p.grade)}</td><td class="num">${p.findings.toLocaleString('en-US')}</td></tr>`)
    .join('');
  return card(
    'packages',
    'Scores per package',
    `<p>The repository holds ${plural(pkgs.length, 'package')}; each is scored on its own findings, weakest first.</p><table><thead><tr><th scope="col">Package</th><th scope="col">Directory</th><th scope="col" class="num">Score</th><th scope="col">Grade</th><th scope="col" class="num">Findings</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function notAssessedSection(report: Report): string {
  const parts: string[] = [];
  if (report.notAssessed.length === 0) {
    parts.push('<p>Every checklist item was assessed.</p>');
  } else {
    parts.push(
      `<p>${plural(report.notAssessed.length, 'checklist item')} could not be judged from the repository in this run. They are left out of the scores rather than counted as passed; review them by hand or with other tools.</p>`,
    );
    const bySection = new Map<string, Report['notAssessed']>();
    for (const n of report.notAssessed) {
      const key = checklistItem(n.checklist)?.section ?? 'other';
      bySection.set(key, [...(bySection.get(key) ?? []), n]);
    }
    const bodies = [...bySection]
      .map(
        ([id, items]) =>
          `<tbody><tr><th scope="rowgroup" colspan="3">${esc(id in sections ? sections[id as SectionId] : 'Other')}</th></tr>${items
            .map((n) => `<tr><td class="mono nowrap">${esc(n.checklist)}</td><td>${esc(n.title)}</td><td class="muted">${prose(n.reason)}</td></tr>`)
            .join('')}</tbody>`,
      )
      .join('');
    parts.push(`<table id="not-assessed-table" class="compact"><thead><tr><th scope="col">Item</th><th scope="col" class="w35">What it requires</th><th scope="col">Why it was not assessed</th></tr></thead>${bodies}</table>`);
  }
  const skipped = report.skippedFiles;
  parts.push(`<h3 id="skipped">Skipped files</h3>`);
  if (skipped.length === 0) {
    parts.push('<p>No file was skipped.</p>');
  } else {
    const reasons = new Map<string, number>();
    for (const s of skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
    const topReasons = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5);
    parts.push(`<p>${plural(skipped.length, 'file')} ${skipped.length === 1 ? 'was' : 'were'} not read (${topReasons.map(([r, n]) => `${esc(r)}: ${n}`).join('; ')}${reasons.size > 5 ? '; …' : ''}). Directories excluded by default: <span class="mono">${report.config.defaultExcludes.map(esc).join(', ') || 'none'}</span>.</p>`);
    const list = `<ul class="plain mono">${skipped
      .slice(0, listCap)
      .map((s) => `<li>${esc(s.path)} <span class="muted">— ${esc(s.reason)}</span></li>`)
      .join('')}</ul>${skipped.length > listCap ? `<p class="muted">…and ${plural(skipped.length - listCap, 'more file')}.</p>` : ''}`;
    parts.push(skipped.length > 10 ? `<details><summary>Show the ${plural(skipped.length, 'skipped file')}</summary>${list}</details>` : list);
  }
  return card('not-assessed', 'What was not assessed', parts.join('\n'));
}

function suppressionsSection(report: Report): string {
  const parts: string[] = [];
  const sup = report.suppressions;
  if (sup.length === 0) {
    parts.push('<p>The code contains no <code>prodgrade-ignore-next-line</code> or <code>prodgrade-ignore-file</code> suppression comments.</p>');
  } else {
    const count = (status: string): number => sup.filter((s) => s.status === status).length;
    const silenced = sup.reduce((n, s) => n + (s.status === 'used' ? s.matched : 0), 0);
    parts.push(
      `<p>${plural(sup.length, 'suppression comment')}: ${count('used')} in use (silencing ${plural(silenced, 'finding')}), ${count('unused')} unused, ${count('expired')} expired, ${count('invalid')} invalid. Suppressed findings are accepted risks: they are not shown above and do not lower the score, so each should carry a reason someone can defend.</p>`,
    );
    const why = (s: (typeof sup)[number]): string =>
      s.status === 'invalid' ? `invalid: ${s.problem ?? 'unparseable'}` : s.status === 'expired' ? `expired on ${s.until ?? '?'}` : s.status === 'unused' ? 'unused: matches no finding' : `in use (${s.matched})`;
    const rows = [...sup]
      .sort((a, b) => Number(a.status === 'used') - Number(b.status === 'used') || a.path.localeCompare(b.path) || a.line - b.line)
      .slice(0, listCap)
      .map((s) => `<tr><td class="mono">${esc(s.path)}:${s.line}</td><td class="mono">${esc(s.rules.join(', ') || '(no rule)')}</td><td>${esc(s.reason || '(no reason given)')}</td><td>${esc(why(s))}</td></tr>`)
      .join('');
    const table = `<table><thead><tr><th scope="col">Where</th><th scope="col">Rules</th><th scope="col">Reason</th><th scope="col">Status</th></tr></thead><tbody>${rows}</tbody></table>${sup.length > listCap ? `<p class="muted">…and ${plural(sup.length - listCap, 'more')}.</p>` : ''}`;
    parts.push(sup.length > 10 ? `<details><summary>Show all ${plural(sup.length, 'suppression')}</summary>${table}</details>` : table);
  }
  if (report.baseline) {
    const b = report.baseline;
    parts.push(
      `<h3 id="baseline">Baseline</h3><p>Baseline file <span class="mono">${esc(b.path)}</span>: ${plural(b.matched, 'known finding')} ${b.matched === 1 ? 'is' : 'are'} hidden from this report and not scored; ${plural(b.stale.length, 'baseline entry', 'baseline entries')} no longer ${b.stale.length === 1 ? 'matches' : 'match'} anything (fixed or moved) and can be removed.</p>`,
    );
    if (b.stale.length) {
      const list = `<ul class="plain mono">${b.stale
        .slice(0, listCap)
        .map((s) => `<li>${esc(s.ruleId)} ${esc(s.path ?? '(repository)')} <span class="muted">${esc(s.fingerprint)}</span></li>`)
        .join('')}</ul>`;
      parts.push(`<details><summary>Stale baseline entries</summary>${list}</details>`);
    }
  }
  return card('suppressions', report.baseline ? 'Suppressions and baseline' : 'Suppressions', parts.join('\n'));
}

function card(id: string, title: string, body: string): string {
  return `<section class="card" id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${esc(title)}</h2>\n${body}\n</section>`;
}

function docsUrlFor(report: Report, lookup: RuleLookup): (ruleId: string) => string | undefined {
  // Only a plain https URL from our own report becomes a link; anything odd is dropped, not escaped into an href.
  const base = /^https:\/\/[\w.-]+(?:\/[\w.~-]+)*$/.test(report.tool.uri) ? report.tool.uri : undefined;
  return (ruleId) => (base && lookup(ruleId) && /^[a-z0-9-]+$/.test(ruleId) ? `${base}/blob/main/docs/rules/${ruleId}.md` : undefined);
}

const registryLookup: RuleLookup = (id) => ruleById(id)?.meta.docs;

/** Builds the HTML reporter; the lookup supplies each rule's why/how-to-fix (the registry by default). */
export function createHtmlReporter(lookup: RuleLookup = registryLookup): Reporter {
  return (report) => {
    const project = projectName(report.root);
    const entries = Object.entries(report.summary.sections) as Array<[SectionId, SectionScore]>;
    const findings = renderFindings(report.findings, {
      lookup,
      docsUrl: docsUrlFor(report, lookup),
      showPackage: report.summary.packages.length > 1,
    });
    const { score, grade } = report.summary;
    const title = `Production-readiness audit: ${project} — ${score === null ? 'not assessed' : `grade ${grade} (${score}/100)`}`;
    const toc: Array<[string, string]> = [
      ['summary', 'Summary'],
      ['sections', 'Sections'],
      ['risks', 'Top risks'],
      ...(report.summary.packages.length > 1 ? [['packages', 'Packages'] as [string, string]] : []),
      ['findings', 'All findings'],
      ['not-assessed', 'Not assessed'],
      ['suppressions', 'Suppressions'],
    ];
    const body = [
      card('summary', 'Executive summary', `${executiveSummary(report, project)}\n${stats(report)}`),
      card(
        'sections',
        'Readiness by checklist section',
        `<p class="muted">Each section is scored 0–100 from the findings on its checklist items (A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below). A section whose items could not be checked is marked “not assessed”: it is neither a pass nor a fail.</p>\n${sectionChart(entries)}\n${sectionTable(entries)}`,
      ),
      card('risks', 'Top risks', renderTopRisks(report.findings, findings.anchors)),
      report.summary.packages.length > 1 ? packagesSection(report) : '',
      card('findings', 'All findings', findings.html),
      notAssessedSection(report),
      suppressionsSection(report),
    ];
    const toolLink = /^https:\/\//.test(report.tool.uri) ? `<a href="${esc(report.tool.uri)}">${esc(report.tool.name)}</a>` : esc(report.tool.name);
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="${esc(`${report.tool.name} ${report.tool.version}`)}">
<title>${esc(title)}</title>
<style>${styles}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header class="top"><div class="wrap"><div><p class="eyebrow">Production-readiness audit</p><h1>${esc(project)}</h1><dl class="meta"><div><dt>Date</dt><dd>${esc(formatDate(report.generatedAt))}</dd></div><div><dt>Tool</dt><dd>${esc(report.tool.name)} ${esc(report.tool.version)}</dd></div><div><dt>Files</dt><dd>${report.stats.files.toLocaleString('en-US')}</dd></div><div><dt>Configuration</dt><dd>${esc(report.config.source ?? 'defaults')}</dd></div></dl></div>${badge(report)}</div></header>
<nav class="toc" aria-label="Contents"><div class="wrap"><ul>${toc.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join('')}</ul></div></nav>
<main id="main"><div class="wrap">
${body.filter(Boolean).join('\n')}
</div></main>
<footer><div class="wrap"><p>Generated by ${toolLink} ${esc(report.tool.version)} on ${esc(formatDate(report.generatedAt))}: ${report.stats.files.toLocaleString('en-US')} files, ${formatBytes(report.stats.bytes)}, ${(report.stats.durationMs / 1000).toFixed(1)} s. Report schema ${esc(report.schemaVersion)}.</p><p>How scores work: every assessed checklist item starts at 100 and loses points per finding, weighted by severity and confidence, with diminishing weight for repeats; a section is the mean of its assessed items and the overall score the mean of the assessed sections. Items that could not be assessed are left out, never counted as passes. A static audit cannot see runtime configuration, infrastructure outside the repository or how the team works: treat this report as a starting point for review, not a certificate.</p></div></footer>
<script>${script}</script>
</body>
</html>
`;
  };
}

/** One self-contained HTML page: inline CSS and SVG, no external resources, readable on screen and on paper. */
export const htmlReporter: Reporter = createHtmlReporter();
