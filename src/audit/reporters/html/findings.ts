import { checklistItem, sections, type SectionId } from '../../../core/checklist.js';
import { severityRank, type Confidence, type Finding } from '../../../core/types.js';
import { clip, esc, plural, prose, slug } from './escape.js';

/** The part of a rule's documentation the report quotes. */
export interface RuleInfo {
  summary: string;
  why: string;
  howToFix: string;
}

export type RuleLookup = (ruleId: string) => RuleInfo | undefined;

/**
 * Bounds that keep a 10,000-finding report a few megabytes and quick to open. Everything beyond them stays in the
 * JSON report; the page says so wherever it cuts.
 */
export const limits = {
  findingsPerRule: 100,
  listedFindings: 2000,
  codeFrames: 300,
  framesPerRule: 20,
  snippetLines: 15,
  lineChars: 400,
  messageChars: 4000,
  topRisks: 10,
};

const confidenceRank: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

/** Most severe first, then most certain, then by place. */
export function byRisk(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    confidenceRank[b.confidence] - confidenceRank[a.confidence] ||
    (a.location?.path ?? '').localeCompare(b.location?.path ?? '') ||
    (a.location?.startLine ?? 0) - (b.location?.startLine ?? 0)
  );
}

export function where(f: Finding): string {
  if (!f.location) return '(repository)';
  return f.location.startLine > 1 || f.location.startColumn > 1 || f.snippet ? `${f.location.path}:${f.location.startLine}` : f.location.path;
}

export function severityPill(f: Finding): string {
  return f.internal ? `<span class="pill internal">internal</span>` : `<span class="pill sev-${esc(f.severity)}">${esc(f.severity)}</span>`;
}

interface RuleGroup {
  ruleId: string;
  checklist: string[];
  findings: Finding[];
}

interface SectionGroup {
  id: string;
  title: string;
  rules: RuleGroup[];
}

function groupFindings(findings: readonly Finding[]): SectionGroup[] {
  const groups = new Map<string, Map<string, RuleGroup>>();
  for (const f of findings) {
    const key = f.internal ? 'internal' : (checklistItem(f.checklist)?.section ?? 'other');
    let rules = groups.get(key);
    if (!rules) groups.set(key, (rules = new Map()));
    let rule = rules.get(f.ruleId);
    if (!rule) rules.set(f.ruleId, (rule = { ruleId: f.ruleId, checklist: [], findings: [] }));
    rule.findings.push(f);
    if (!rule.checklist.includes(f.checklist)) rule.checklist.push(f.checklist);
  }
  const order = [...(Object.keys(sections) as SectionId[]), 'other', 'internal'];
  const title = (id: string): string => (id === 'other' ? 'Other' : id === 'internal' ? 'Internal errors' : sections[id as SectionId]);
  return order
    .filter((id) => groups.has(id))
    .map((id) => {
      const rules = [...groups.get(id)!.values()];
      for (const r of rules) r.findings.sort(byRisk);
      rules.sort((a, b) => byRisk(a.findings[0]!, b.findings[0]!) || a.ruleId.localeCompare(b.ruleId));
      return { id, title: title(id), rules };
    });
}

function codeFrame(f: Finding): string {
  const { snippet, location } = f;
  if (!snippet || !location || snippet.lines.length === 0) return '';
  // A rule may hand over a long snippet; show a window around the finding.
  let from = 0;
  if (snippet.lines.length > limits.snippetLines) {
    const focus = Math.max(0, location.startLine - snippet.startLine);
    from = Math.min(Math.max(0, focus - Math.floor(limits.snippetLines / 3)), snippet.lines.length - limits.snippetLines);
  }
  const lines = snippet.lines.slice(from, from + limits.snippetLines);
  const first = snippet.startLine + from;
  const body = lines
    .map((text, i) => {
      const n = first + i;
      const hl = n >= location.startLine && n <= location.endLine;
      return `<span class="l${hl ? ' hl' : ''}"><span class="n">${hl ? '▸ ' : ''}${n}</span>${esc(clip(text.replace(/\t/g, '  '), limits.lineChars))}</span>`;
    })
    .join('');
  const last = first + lines.length - 1;
  return `<pre class="code" tabindex="0" aria-label="${esc(`Code from ${location.path}, lines ${first} to ${last}; the finding is on line ${location.startLine}`)}"><code>${body}</code></pre>`;
}

export interface FindingsRender {
  html: string;
  /** Anchor of each finding that got a detailed entry, for links from Top risks. */
  anchors: Map<Finding, string>;
}

export interface FindingsOptions {
  lookup: RuleLookup;
  docsUrl: (ruleId: string) => string | undefined;
  showPackage: boolean;
}

interface Plan {
  listed: Set<Finding>;
  framed: Set<Finding>;
}

/**
 * Which findings get an entry and which a code frame when the caps bite: chosen in risk order across the whole
 * report, so a critical finding in the last section is never dropped for a low one in the first.
 */
function plan(findings: readonly Finding[]): Plan {
  const listed = new Set<Finding>();
  const framed = new Set<Finding>();
  const perRule = new Map<string, { listed: number; framed: number }>();
  for (const f of [...findings].sort(byRisk)) {
    if (listed.size >= limits.listedFindings) break;
    let n = perRule.get(f.ruleId);
    if (!n) perRule.set(f.ruleId, (n = { listed: 0, framed: 0 }));
    if (n.listed >= limits.findingsPerRule) continue;
    n.listed++;
    listed.add(f);
    if (f.snippet && f.location && framed.size < limits.codeFrames && n.framed < limits.framesPerRule) {
      n.framed++;
      framed.add(f);
    }
  }
  return { listed, framed };
}

/** Every finding, grouped by checklist section and then by rule, with the rule's why and how-to-fix once per rule. */
export function renderFindings(findings: readonly Finding[], options: FindingsOptions): FindingsRender {
  const anchors = new Map<Finding, string>();
  if (findings.length === 0) return { html: '<p>No findings.</p>', anchors };
  const { listed, framed } = plan(findings);
  let framesOmitted = 0;
  const out: string[] = [];
  for (const section of groupFindings(findings)) {
    const count = section.rules.reduce((n, r) => n + r.findings.length, 0);
    out.push(`<h3 id="findings-${slug(section.id)}">${esc(section.title)} <span class="muted">(${plural(count, 'finding')})</span></h3>`);
    for (const rule of section.rules) {
      const info = options.lookup(rule.ruleId);
      const docs = options.docsUrl(rule.ruleId);
      const items = rule.checklist.map((id) => {
        const item = checklistItem(id);
        return item ? `${esc(id)}: ${esc(item.title)}` : esc(id);
      });
      const ruleHowToFix = info?.howToFix ?? rule.findings[0]!.help;
      out.push(
        `<div class="rule"><h4 id="rule-${slug(section.id)}-${slug(rule.ruleId)}"><code>${esc(rule.ruleId)}</code>${info ? ` — ${prose(info.summary)}` : ''}</h4>`,
        `<p class="muted">Checklist ${items.join('; ')} · ${plural(rule.findings.length, 'finding')}${docs ? ` · <a href="${esc(docs)}">rule documentation</a>` : ''}</p>`,
        `<div class="advice">${info ? `<div><strong>Why it matters</strong>${prose(info.why)}</div>` : ''}<div><strong>How to fix</strong>${prose(ruleHowToFix)}</div></div>`,
      );
      let shown = 0;
      for (const f of rule.findings) {
        if (!listed.has(f)) continue;
        shown++;
        const anchor = `f-${anchors.size + 1}`;
        anchors.set(f, anchor);
        const frame = framed.has(f) ? codeFrame(f) : '';
        if (!frame && f.snippet && f.location) framesOmitted++;
        const meta = [esc(f.checklist), ...(options.showPackage ? [`package ${esc(f.package)}`] : [])].join(' · ');
        out.push(
          `<article class="finding" id="${anchor}" aria-label="${esc(`${f.internal ? 'internal error' : f.severity} finding at ${where(f)}`)}">`,
          `<div class="head">${severityPill(f)}<span class="conf">${esc(f.confidence)} confidence</span><span class="where mono">${esc(where(f))}</span><span class="muted">${meta}</span></div>`,
          `<p class="msg">${prose(clip(f.message, limits.messageChars))}</p>`,
          frame,
          f.help && f.help !== ruleHowToFix ? `<p class="fix"><strong>How to fix:</strong> ${prose(clip(f.help, limits.messageChars))}</p>` : '',
          `</article>`,
        );
      }
      const hidden = rule.findings.length - shown;
      if (hidden > 0) {
        out.push(
          `<p class="note">${shown ? `${plural(hidden, 'more finding')} of` : `The ${plural(hidden, 'finding')} of`} <code>${esc(rule.ruleId)}</code> ${hidden === 1 ? 'is' : 'are'} not listed here to keep the report readable; the JSON report (<code>--format json</code>) has every finding.</p>`,
        );
      }
      out.push('</div>');
    }
  }
  if (framesOmitted) {
    out.push(`<p class="note">Code context is shown for the ${limits.codeFrames} most severe findings (at most ${limits.framesPerRule} per rule); ${plural(framesOmitted, 'finding')} ${framesOmitted === 1 ? 'is' : 'are'} listed without it.</p>`);
  }
  return { html: out.join('\n'), anchors };
}

/** The most severe findings (critical and high), most certain first. */
export function renderTopRisks(findings: readonly Finding[], anchors: ReadonlyMap<Finding, string>): string {
  const risks = findings.filter((f) => !f.internal && (f.severity === 'critical' || f.severity === 'high')).sort(byRisk);
  if (risks.length === 0) return '<p>No critical or high-severity findings. The remaining findings are listed below, grouped by section.</p>';
  const items = risks.slice(0, limits.topRisks).map((f) => {
    const anchor = anchors.get(f);
    const message = prose(clip(f.message, 400));
    return `<li>${severityPill(f)} <span class="conf">${esc(f.confidence)} confidence</span> ${anchor ? `<a href="#${anchor}">${message}</a>` : message}<span class="loc mono">${esc(where(f))} · ${esc(f.ruleId)} · ${esc(f.checklist)}</span></li>`;
  });
  const more = risks.length - items.length;
  return `<ol class="risks">${items.join('')}</ol>${more > 0 ? `<p class="muted">…and ${plural(more, 'more critical or high finding')} in the full list below.</p>` : ''}`;
}
