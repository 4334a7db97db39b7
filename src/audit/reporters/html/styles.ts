import type { Grade } from '../../scoring.js';
import type { Severity } from '../../../core/types.js';

/** Fills with at least 4.5:1 contrast against white text, so labels on bars and badges stay readable. */
export const gradeColour: Record<Grade, string> = { A: '#15803d', B: '#4d7c0f', C: '#a16207', D: '#c2410c', F: '#b91c1c' };
export const notAssessedColour = '#6b7280';

export const severityColour: Record<Severity, string> = {
  critical: '#7f1d1d',
  high: '#b91c1c',
  medium: '#a16207',
  low: '#1d4ed8',
  info: '#4b5563',
};

const severityRules = Object.entries(severityColour)
  .map(([s, c]) => `.sev-${s}{background:${c}}`)
  .join('');
const gradeRules = Object.entries(gradeColour)
  .map(([g, c]) => `.grade-${g}{background:${c}}.text-grade-${g}{color:${c}}`)
  .join('');

// System fonts only: the report must render the same offline and must not fetch anything.
export const styles = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2937;background:#f3f4f6}
a{color:#1d4ed8}
a:focus-visible,summary:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
p code,li code,td code,.advice code{background:#f1f5f9;border-radius:3px;padding:0 3px;font-size:.9em}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:13px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:8px;z-index:2}
.skip:focus{left:8px}
.wrap{max-width:1080px;margin:0 auto;padding:0 24px}
header.top{background:#0f172a;color:#f8fafc;padding:28px 0 32px}
header.top .wrap{display:flex;gap:32px;align-items:center;justify-content:space-between}
.eyebrow{margin:0;text-transform:uppercase;letter-spacing:.12em;font-size:12px;color:#cbd5e1}
header.top h1{margin:4px 0 8px;font-size:32px;line-height:1.2;word-break:break-word}
.meta{margin:0;display:flex;flex-wrap:wrap;gap:4px 20px;color:#e2e8f0;font-size:14px}
.meta dt{display:inline;color:#94a3b8}
.meta dd{display:inline;margin:0 0 0 4px}
.badge{flex:none;width:148px;height:148px;border-radius:50%;display:flex;flex-direction:column;align-items:center;justify-content:center;color:#fff;border:6px solid rgba(255,255,255,.85);text-align:center}
.badge .score{font-size:46px;font-weight:700;line-height:1}
.badge .score small{font-size:16px;font-weight:600;opacity:.9}
.badge .grade{font-size:15px;font-weight:600;margin-top:6px;letter-spacing:.04em}
.badge.na{background:${notAssessedColour}}
.badge.na .score{font-size:34px}
nav.toc{background:#fff;border-bottom:1px solid #e5e7eb}
nav.toc ul{list-style:none;margin:0;padding:10px 0;display:flex;flex-wrap:wrap;gap:4px 20px;font-size:14px}
main{padding:8px 0 40px}
section.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:20px 28px 24px;margin:20px 0;box-shadow:0 1px 2px rgba(15,23,42,.05)}
h2{font-size:22px;margin:0 0 12px;color:#0f172a}
h3{font-size:18px;margin:24px 0 8px;color:#0f172a}
h4{font-size:16px;margin:18px 0 6px;color:#0f172a}
.lead{font-size:17px;margin:0 0 10px}
.muted{color:#4b5563}
.note{background:#f8fafc;border-left:4px solid #94a3b8;padding:8px 12px;margin:12px 0;color:#374151}
.warn{background:#fef2f2;border-left-color:#b91c1c}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:10px;margin:16px 0 4px;padding:0}
.stats div{border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px;background:#f9fafb}
.stats dt{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#4b5563}
.stats dd{margin:0;font-size:24px;font-weight:700;color:#0f172a}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}
caption{text-align:left;font-weight:600;padding:4px 0;color:#374151}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f9fafb;font-weight:600;color:#374151}
th[scope=row]{background:none}
table.compact{font-size:13px}
.nowrap{white-space:nowrap}
.w35{width:35%}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.chart{width:100%;height:auto;display:block;margin:4px 0 8px}
.chart text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.pill{display:inline-block;color:#fff;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:700;letter-spacing:.03em;text-transform:uppercase;white-space:nowrap}
.pill.na,.pill.internal{background:${notAssessedColour}}
.pill.internal{background:#6b21a8}
.conf{font-size:12px;color:#4b5563;white-space:nowrap}
${severityRules}${gradeRules}
.gradecell{font-weight:700}
ol.risks{margin:0;padding-left:22px}
ol.risks li{margin:8px 0}
ol.risks .loc{display:block;font-size:13px;color:#4b5563}
.rule{border-top:1px solid #e5e7eb;margin-top:18px;padding-top:4px}
.rule h4 code{font-size:15px}
.advice{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:8px 0 12px}
.advice div{background:#f8fafc;border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px;font-size:14px}
.advice strong{display:block;color:#0f172a;margin-bottom:2px}
.finding{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;margin:10px 0;break-inside:avoid}
.finding .head{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center}
.finding .where{font-weight:600;word-break:break-all}
.finding p{margin:6px 0}
.finding .fix{font-size:14px;color:#374151}
pre.code{margin:8px 0 2px;background:#0f172a;color:#e2e8f0;border-radius:6px;padding:8px 0;overflow-x:auto;line-height:1.5}
pre.code span.l{display:block;padding:0 12px 0 0;white-space:pre}
pre.code span.l.hl{background:#7f1d1d;color:#fff}
pre.code span.n{display:inline-block;min-width:4.5em;padding:0 12px 0 8px;text-align:right;color:#94a3b8;user-select:none;border-right:1px solid #334155;margin-right:12px}
pre.code span.l.hl span.n{color:#fecaca}
details{margin:8px 0}
summary{cursor:pointer;font-weight:600}
ul.plain{margin:4px 0;padding-left:20px}
footer{color:#4b5563;font-size:13px;padding:8px 0 32px}
@media (max-width:720px){header.top .wrap{flex-direction:column;align-items:flex-start}.advice{grid-template-columns:1fr}}
@page{margin:14mm}
@media print{
body{background:#fff;font-size:11pt}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
nav.toc,.skip{display:none}
section.card{box-shadow:none;border:none;padding:0;margin:0 0 18px}
section.card{break-inside:auto}
h2,h3,h4{break-after:avoid}
.finding,tr,.badge,svg{break-inside:avoid}
header.top{padding:16px 0}
pre.code{white-space:pre-wrap}
pre.code span.l{white-space:pre-wrap;word-break:break-all}
a{color:inherit;text-decoration:none}
}
`;
