import { checklist } from '../../src/core/checklist.js';
import { confidences, severities, type Finding } from '../../src/core/types.js';
import { reportSchemaVersion, type Report } from '../../src/audit/report.js';
import { score } from '../../src/audit/scoring.js';

/** A finding with plausible defaults; tests override what they look at. */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'ci-missing',
    checklist: 'CI-1',
    severity: 'high',
    confidence: 'high',
    message: 'No CI configuration was found, so changes reach main without automated tests or checks.',
    help: 'Add a pipeline that runs on every pull request and on main.',
    location: { path: 'src/server.ts', startLine: 3, startColumn: 1, endLine: 3, endColumn: 20 },
    package: '.',
    fingerprint: `fp-${Math.random().toString(16).slice(2)}`,
    snippet: { startLine: 1, lines: ['import express from "express";', '', 'console.log("listening");', 'app.listen(3000);'] },
    ...overrides,
  };
}

export interface ReportInput {
  findings?: Finding[];
  /** Checklist IDs the run assessed; every other item is reported as not assessed. */
  assessed?: string[];
  overrides?: Partial<Omit<Report, 'summary'>> & { summary?: Partial<Report['summary']> };
}

/**
 * A report whose summary is computed by the real scoring from the given findings, so section scores, nulls for
 * unassessed sections and counts are consistent the way the engine makes them.
 */
export function makeReport({ findings = [makeFinding()], assessed = ['CI-1', 'OBS-1', 'SEC-11', 'SEC-1'], overrides = {} }: ReportInput = {}): Report {
  const assessedSet = new Set(assessed);
  const scored = score(findings, assessedSet);
  const bySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Report['summary']['counts']['bySeverity'];
  const byConfidence = Object.fromEntries(confidences.map((c) => [c, 0])) as Report['summary']['counts']['byConfidence'];
  let internal = 0;
  for (const f of findings) {
    if (f.internal) internal++;
    else {
      bySeverity[f.severity]++;
      byConfidence[f.confidence]++;
    }
  }
  const { summary, ...rest } = overrides;
  return {
    schemaVersion: reportSchemaVersion,
    tool: { name: 'prodgrade', version: '0.1.0', uri: 'https://github.com/prodgrade/prodgrade' },
    root: '/home/consultant/clients/acme-api',
    generatedAt: '2025-03-14T09:30:00.000Z',
    summary: {
      score: scored.score,
      grade: scored.grade,
      sections: scored.sections,
      counts: { total: findings.length - internal, bySeverity, byConfidence, internal },
      packages: [{ dir: '.', name: 'acme-api', score: scored.score, grade: scored.grade, findings: findings.length - internal }],
      failOn: 'high',
      failed: false,
      failedGates: [],
      ...summary,
    },
    findings,
    notAssessed: checklist
      .filter((item) => !assessedSet.has(item.id))
      .map((item) => ({ checklist: item.id, title: item.title, reason: `No enabled rule observes this item yet (the checklist looks for: ${item.audit})` })),
    skippedFiles: [],
    suppressions: [],
    config: { source: null, defaultExcludes: ['node_modules', 'dist'], monorepoTools: [] },
    stats: { files: 42, bytes: 123_456, durationMs: 812, cache: 'off', workers: 0 },
    ...rest,
  };
}

/** Report text that tries every way out of its HTML context. */
export const hostile = {
  script: '<script>window.__pwned = 1; alert("xss")</script>',
  style: '</style><style>body{display:none}</style>',
  attribute: '" onmouseover="window.__pwned=1" x="',
  image: "<img src=x onerror='window.__pwned=1'>",
  comment: '--><!--',
};

export function hostileFinding(): Finding {
  return makeFinding({
    ruleId: '<b>rule</b>',
    checklist: 'SEC-1',
    severity: 'critical',
    message: `Hostile ${hostile.script} ${hostile.image} message`,
    help: `Fix ${hostile.attribute} ${hostile.comment}`,
    location: { path: `src/${hostile.attribute}.ts`, startLine: 2, startColumn: 1, endLine: 2, endColumn: 5 },
    package: hostile.image,
    snippet: { startLine: 1, lines: [hostile.style, `const x = "${hostile.script}";`, hostile.image, '</pre></code></article>'] },
  });
}

/**
 * n findings spread over rules, files and severities, each with a snippet. With `syntheticRules`, the findings are
 * spread over that many made-up rules on real checklist items instead of four named ones.
 */
export function manyFindings(n: number, syntheticRules = 0): Finding[] {
  const rules = syntheticRules
    ? Array.from({ length: syntheticRules }, (_, k) => ({ ruleId: `synthetic-rule-${k}`, checklist: checklist[k % checklist.length]!.id }))
    : [
        { ruleId: 'console-in-server', checklist: 'OBS-1' },
        { ruleId: 'tls-verification-disabled', checklist: 'SEC-11' },
        { ruleId: 'hardcoded-secret', checklist: 'SEC-1' },
        { ruleId: 'ci-missing', checklist: 'CI-1' },
      ];
  return Array.from({ length: n }, (_, i) => {
    const rule = rules[i % rules.length]!;
    const line = 10 + (i % 50);
    return makeFinding({
      ...rule,
      // Shifted per round so every rule gets every severity.
      severity: severities[(i + Math.floor(i / rules.length)) % severities.length],
      confidence: confidences[i % confidences.length],
      fingerprint: `fp-${i}`,
      location: { path: `src/module-${i % 300}.ts`, startLine: line, startColumn: 3, endLine: line, endColumn: 30 },
      message: `Finding number ${i}: something in this file is not production-ready, and here is why and what to do.`,
      snippet: { startLine: line - 2, lines: Array.from({ length: 5 }, (_, k) => `  const value${k} = compute(${i}, ${k}); // ${'x'.repeat(40)}`) },
    });
  });
}
