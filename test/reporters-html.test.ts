import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { createHtmlReporter, htmlReporter } from '../src/audit/reporters/html.js';
import { limits } from '../src/audit/reporters/html/findings.js';
import type { Report } from '../src/audit/report.js';
import { ruleById } from '../src/audit/registry.js';
import { hostile, hostileFinding, makeFinding, makeReport, manyFindings } from './support/html-report-factory.js';

const options = { chalk: new Chalk({ level: 0 }), verbose: false };
const render = (report: Report): string => htmlReporter(report, options);

/** Tag names the reporter itself emits; anything else in the output came from report data. */
const ownTags = new Set(
  'html head meta title style body a header div p h1 h2 h3 h4 dl dt dd nav ul ol li main section svg g rect line text tspan defs pattern desc table caption thead tbody tr th td article span pre code strong small details summary footer script'.split(' '),
);

function tagNames(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
}

/** The text of one element by id, tags stripped: enough to check what a section says. */
function sectionText(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `element #${id}`).toBeGreaterThan(-1);
  const end = html.indexOf('</section>', start);
  return html
    .slice(start, end)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ([,.;)])/g, '$1');
}

describe('html reporter', () => {
  it('escapes hostile messages, paths, snippets and rule ids so they cannot inject markup', () => {
    const html = render(makeReport({ findings: [hostileFinding(), makeFinding()], overrides: { root: `/tmp/${hostile.script}` } }));
    for (const tag of tagNames(html)) expect(ownTags, `unexpected <${tag}>`).toContain(tag);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    // No tag carries an event handler (escaped text may mention one; only real tags start with '<').
    for (const tag of html.match(/<[a-z][^>]*>/gi)!) expect(tag.replace(/"[^"]*"/g, '""')).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toContain(hostile.script);
    expect(html).not.toContain(hostile.image);
    expect(html).not.toContain(hostile.attribute);
    expect(html).not.toContain('<b>rule</b>');
    // ...and the text is still there for the reader, escaped.
    expect(html).toContain('&lt;script&gt;window.__pwned = 1; alert(&quot;xss&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;');
    expect(html).toContain('src/&quot; onmouseover=&quot;window.__pwned=1&quot; x=&quot;.ts:2');
  });

  it('is one self-contained document: no external scripts, styles, fonts or images', () => {
    const html = render(makeReport({ findings: manyFindings(40) }));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(?:https?:)?\/\//i);
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    // The only absolute links are <a href> to the tool and its rule documentation.
    for (const m of html.matchAll(/<([a-z]+)[^>]*\shref="([^"]*)"/g)) {
      const [, tag, href] = m;
      if (href!.startsWith('#')) continue;
      expect(tag).toBe('a');
      expect(href).toMatch(/^https:\/\/github\.com\/prodgrade\/prodgrade(?:\/blob\/main\/docs\/rules\/[a-z0-9-]+\.md)?$/);
    }
  });

  it('shows the header, overall badge, executive summary and rule docs', () => {
    const report = makeReport();
    const html = render(report);
    expect(html).toContain('<h1>acme-api</h1>');
    expect(html).toContain('2025-03-14 09:30 UTC');
    expect(html).toContain('prodgrade 0.1.0');
    expect(report.summary.score).not.toBeNull();
    expect(html).toMatch(new RegExp(`id="overall-score"[^>]*aria-label="Overall score ${report.summary.score} out of 100, grade ${report.summary.grade}"`));
    const summary = sectionText(html, 'summary');
    expect(summary).toContain(`scores ${report.summary.score}/100 (grade ${report.summary.grade})`);
    expect(summary).toContain('The weakest area is Delivery');
    expect(summary).toMatch(/\d+ of the 54 checklist items were not assessed, including every item of Multi-tenancy/);
    const why = ruleById('ci-missing')!.meta.docs.why;
    expect(html).toContain(why.replace(/'/g, '&#39;'));
    expect(html).toContain('<a href="https://github.com/prodgrade/prodgrade/blob/main/docs/rules/ci-missing.md">');
  });

  it('renders sections without a score as "not assessed", never as 0 or 100', () => {
    const report = makeReport();
    expect(report.summary.sections.TEN.score).toBeNull();
    const html = render(report);
    expect(html).toContain('data-section="TEN" data-score="none"');
    const chartRow = html.match(/<g data-section="TEN"[^]*?<\/g>/)![0];
    expect(chartRow).toContain('not assessed');
    expect(chartRow).not.toMatch(/>\s*(?:0|100)\s*</);
    const tableRow = html.match(/<tr><th scope="row">Multi-tenancy[^]*?<\/tr>/)![0];
    const [scoreCell, gradeCell] = [...tableRow.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(scoreCell).toBe('<span class="pill na">not assessed</span>');
    expect(gradeCell).toBe('<span class="muted">—</span>');
    expect(tableRow).toContain('0 of 4');
    // The chart has a text alternative and a table with the same data.
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"/);
    expect(html).toMatch(/<desc id="chart-desc">[^<]*Multi-tenancy \(TEN\): not assessed/);
  });

  it('gives no overall score when nothing was assessed', () => {
    const html = render(makeReport({ findings: [], assessed: [] }));
    expect(html).toContain('aria-label="No overall score: nothing could be assessed"');
    expect(sectionText(html, 'summary')).toContain('no overall score');
    expect(html.match(/data-score="none"/g)).toHaveLength(8);
  });

  it('lists what was not assessed with reasons, and skipped files collapsed when long', () => {
    const skippedFiles = Array.from({ length: 30 }, (_, i) => ({ path: `vendor/blob-${i}.bin`, reason: 'binary file' }));
    const report = makeReport({ overrides: { skippedFiles } });
    const html = render(report);
    const text = sectionText(html, 'not-assessed');
    for (const n of report.notAssessed) {
      expect(text).toContain(n.checklist);
    }
    expect(text).toContain('No enabled rule observes this item yet');
    expect(html).toMatch(/<details><summary>Show the 30 skipped files<\/summary>/);
    expect(text).toContain('vendor/blob-29.bin');
  });

  it('orders top risks by severity then confidence and caps them', () => {
    const findings = [
      makeFinding({ severity: 'high', confidence: 'low', message: 'high-low' }),
      makeFinding({ severity: 'critical', confidence: 'medium', message: 'critical-medium' }),
      makeFinding({ severity: 'high', confidence: 'high', message: 'high-high' }),
      makeFinding({ severity: 'medium', confidence: 'high', message: 'medium-high' }),
      ...Array.from({ length: 15 }, (_, i) => makeFinding({ severity: 'high', confidence: 'low', message: `filler ${i}` })),
    ];
    const risks = sectionText(render(makeReport({ findings })), 'risks');
    expect(risks.indexOf('critical-medium')).toBeLessThan(risks.indexOf('high-high'));
    expect(risks.indexOf('high-high')).toBeLessThan(risks.indexOf('high-low'));
    expect(risks).not.toContain('medium-high');
    expect(risks).toContain(`and 8 more critical or high findings`);
  });

  it('groups every finding by section then rule with a code frame marking the finding lines', () => {
    const html = render(makeReport({ findings: manyFindings(8) }));
    const all = html.slice(html.indexOf('id="findings"'));
    const order = ['sec', 'obs', 'ci'].map((id) => all.indexOf(`id="findings-${id}"`));
    expect(order[0]).toBeGreaterThan(-1);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(all).toContain('id="rule-sec-hardcoded-secret"');
    expect(html).toMatch(/<span class="l hl"><span class="n">▸ 10<\/span>/);
    expect(html).toMatch(/<span class="l"><span class="n">9<\/span>/);
    expect(html).toContain('src/module-0.ts:10');
  });

  it('shows per-package scores only for monorepos', () => {
    expect(render(makeReport())).not.toContain('id="packages"');
    const packages = [
      { dir: 'apps/web', name: '@acme/web', score: 71, grade: 'C' as const, findings: 4 },
      { dir: 'apps/api', name: '@acme/api', score: null, grade: null, findings: 0 },
    ];
    const text = sectionText(render(makeReport({ overrides: { summary: { packages } } })), 'packages');
    expect(text).toContain('@acme/web apps/web 71 C 4');
    expect(text).toContain('@acme/api apps/api not assessed');
  });

  it('summarises suppressions and the baseline', () => {
    const html = render(
      makeReport({
        overrides: {
          suppressions: [
            { path: 'src/a.ts', line: 4, kind: 'next-line', rules: ['ci-missing'], reason: 'accepted until Q3', status: 'used', matched: 2 },
            { path: 'src/b.ts', line: 9, kind: 'next-line', rules: ['nope'], reason: '', status: 'invalid', problem: 'names unknown rule nope', matched: 0 },
          ],
          baseline: { path: '.prodgrade-baseline.json', matched: 12, stale: [{ fingerprint: 'abc', ruleId: 'ci-missing', path: null }] },
        },
      }),
    );
    const text = sectionText(html, 'suppressions');
    expect(text).toContain('2 suppression comments: 1 in use (silencing 2 findings), 0 unused, 0 expired, 1 invalid');
    expect(text).toContain('accepted until Q3');
    expect(text).toContain('invalid: names unknown rule nope');
    expect(text).toContain('12 known findings are hidden from this report');
    expect(text).toContain('1 baseline entry no longer matches');
  });

  it('uses the rule lookup it is given and copes with rules it does not know', () => {
    const reporter = createHtmlReporter((id) => (id === 'x-rule' ? { summary: 'Sum', why: 'Because <reasons>', howToFix: 'Do it' } : undefined));
    const html = reporter(makeReport({ findings: [makeFinding({ ruleId: 'x-rule' }), makeFinding({ ruleId: 'unknown-rule', help: 'Per-finding help' })] }), options);
    expect(html).toContain('Because &lt;reasons&gt;');
    expect(html).toContain('Per-finding help');
    expect(html).not.toContain('docs/rules/unknown-rule.md');
  });

  it('lists internal errors apart from the scored findings', () => {
    const crash = makeFinding({ internal: true, severity: 'info', confidence: 'low', message: 'Internal error: rule ci-missing crashed on src/x.ts' });
    const html = render(makeReport({ findings: [crash, makeFinding()] }));
    expect(html).toContain('id="findings-internal"');
    expect(html).toContain('<span class="pill internal">internal</span>');
    expect(sectionText(html, 'risks')).not.toContain('Internal error');
    expect(sectionText(html, 'summary')).toContain('1 internal error: a rule crashed on a file');
  });

  it('stays bounded and fast for 10,000 findings', () => {
    const report = makeReport({ findings: manyFindings(10_000, 40), assessed: ['CI-1', 'SEC-1', 'OBS-1', 'TEN-1', 'API-1', 'DB-1'] });
    const started = performance.now();
    const html = render(report);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3000);
    expect(html.length).toBeLessThan(6_000_000);
    expect(html.match(/<pre class="code"/g)!.length).toBeLessThanOrEqual(limits.codeFrames);
    expect(html.match(/<article class="finding"/g)!.length).toBe(limits.listedFindings);
    expect(html).toContain('the JSON report (<code>--format json</code>) has every finding');
    expect(html).toContain(`Code context is shown for the ${limits.codeFrames} most severe findings`);
    // The caps drop the least severe findings: every critical one of the report is still listed.
    const criticals = report.findings.filter((f) => f.severity === 'critical').length;
    expect(criticals / 40).toBeLessThanOrEqual(limits.findingsPerRule);
    expect(html.match(/<article class="finding"[^>]*aria-label="critical finding/g)).toHaveLength(Math.min(criticals, limits.listedFindings));
    expect(html).not.toMatch(/aria-label="info finding/);
  });
});
