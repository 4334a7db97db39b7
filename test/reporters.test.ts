import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { Chalk } from 'chalk';
import type * as Sarif from 'sarif';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { describe, expect, it } from 'vitest';
import { checklist, sections } from '../src/core/checklist.js';
import { atLeast, type Finding } from '../src/core/types.js';
import type { Report } from '../src/audit/report.js';
import { registry } from '../src/audit/registry.js';
import { createJunitReporter, escapeXmlAttribute, escapeXmlText, junitReporter } from '../src/audit/reporters/junit.js';
import {
  codeCell,
  createMarkdownReporter,
  escapeCell,
  githubCommentLimit,
  markdownBudget,
  markdownReporter,
  topFindingsCap,
} from '../src/audit/reporters/markdown.js';
import { createSarifReporter, fingerprintKey, isSecurityRule, repositoryLevelPath, sarifReporter } from '../src/audit/reporters/sarif.js';
import { buildReport, invalidXmlChars, makeFinding, manyFindings, realisticFindings, testRules } from './support/report-factory.js';

const options = { chalk: new Chalk({ level: 0 }), verbose: false };

// ---------------------------------------------------------------------------------------------------------------
// SARIF

/**
 * The SARIF 2.1.0 schema as Microsoft's SARIF SDK ships it (the schemastore "2.1.0-rtm.5" text, the only npm
 * package found that carries the schema as a plain file). It is a draft-04 schema, hence Ajv's draft-04 class.
 */
function sarifValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  // unicodeRegExp off: the rtm.5 text has a stray `]` in the `language` pattern that only the `u` flag rejects.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

const validateSarif = sarifValidator();

function expectValidSarif(log: unknown): void {
  const valid = validateSarif(log);
  expect(validateSarif.errors ?? [], JSON.stringify(validateSarif.errors, null, 2)).toEqual([]);
  expect(valid).toBe(true);
}

function sarifOf(report: Report, rules = testRules): Sarif.Log {
  return JSON.parse(createSarifReporter(rules)(report, options)) as Sarif.Log;
}

function onlyRun(log: Sarif.Log): Sarif.Run {
  expect(log.runs).toHaveLength(1);
  return log.runs[0]!;
}

describe('sarif reporter', () => {
  const report = buildReport();
  const log = sarifOf(report);
  const run = onlyRun(log);
  const rules = run.tool.driver.rules ?? [];
  const results = run.results ?? [];
  const reported = report.findings.filter((f) => !f.internal);

  it('validates against the SARIF 2.1.0 JSON schema', () => {
    expectValidSarif(log);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
  });

  it('the validator is not vacuous: it rejects a region without a valid start line and an unencoded URI', () => {
    const broken = structuredClone(log);
    const location = broken.runs[0]!.results![0]!.locations![0]!.physicalLocation!;
    location.region!.startLine = 0;
    location.artifactLocation!.uri = 'a path with spaces';
    expect(validateSarif(broken)).toBe(false);
  });

  it('validates with the real registry and an empty report too', () => {
    const real = JSON.parse(sarifReporter(buildReport(), options)) as Sarif.Log;
    expectValidSarif(real);
    const empty = JSON.parse(sarifReporter(buildReport({ findings: [] }), options)) as Sarif.Log;
    expectValidSarif(empty);
    expect(onlyRun(empty).results).toEqual([]);
    // A rule the registry knows gets its real documentation.
    const ciRule = registry.find((r) => r.meta.id === 'ci-missing')!;
    const ci = onlyRun(real).tool.driver.rules!.find((r) => r.id === 'ci-missing')!;
    expect(ci.shortDescription?.text).toBe(ciRule.meta.docs.summary);
    expect(ci.help?.markdown).toContain(ciRule.meta.docs.howToFix);
  });

  it('emits one result per non-internal finding, in order, with the GitHub-required fields', () => {
    expect(results).toHaveLength(reported.length);
    results.forEach((result, i) => {
      const finding = reported[i]!;
      expect(result.ruleId).toBe(finding.ruleId);
      expect(result.message.text).toBe(finding.message);
      expect(result.message.text?.length).toBeGreaterThan(0);
      expect(result.partialFingerprints).toEqual({ [fingerprintKey]: finding.fingerprint });
      expect(result.properties).toMatchObject({ checklist: finding.checklist, confidence: finding.confidence, package: finding.package, severity: finding.severity });
    });
  });

  it('describes each referenced rule exactly once, and every ruleIndex points at its rule', () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...new Set(reported.map((f) => f.ruleId))].sort());
    for (const result of results) {
      expect(result.ruleIndex).toBeTypeOf('number');
      expect(rules[result.ruleIndex!]!.id).toBe(result.ruleId);
    }
  });

  it('gives every rule the descriptions, help, docs link, level, tags and precision GitHub displays', () => {
    for (const rule of rules) {
      expect(rule.name).toMatch(/^[A-Za-z0-9]+$/);
      for (const text of [rule.shortDescription?.text, rule.fullDescription?.text, rule.help?.text, rule.help?.markdown]) {
        expect(text?.trim().length).toBeGreaterThan(0);
      }
      expect(rule.shortDescription!.text.length).toBeLessThanOrEqual(1024);
      expect(rule.fullDescription!.text.length).toBeLessThanOrEqual(1024);
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration?.level);
      const tags = rule.properties?.tags ?? [];
      const finding = reported.find((f) => f.ruleId === rule.id)!;
      expect(tags).toContain(finding.checklist);
      expect(['high', 'medium', 'low']).toContain(rule.properties?.precision);
      expect(['error', 'warning', 'recommendation']).toContain(rule.properties?.['problem.severity']);
    }
    const secret = rules.find((r) => r.id === 'hardcoded-secret')!;
    expect(secret.helpUri).toBe('https://github.com/prodgrade/prodgrade/blob/main/docs/rules/hardcoded-secret.md');
    expect(secret.properties?.tags).toEqual(['SEC-1', 'security']);
    expect(secret.help?.text).toContain('Why it matters: Why hardcoded-secret matters');
    expect(secret.help?.markdown).toContain('## How to fix\n\nFix hardcoded-secret by doing the production-grade thing.');
    // The example holds a triple backtick, so its fence must be longer.
    expect(secret.help?.markdown).toContain('````ts\nconst key = "```";\napp.listen(3000);\n````');
    expect(secret.help?.markdown).toContain('```dockerfile\nFROM node:20-slim');
    expect(rules.find((r) => r.id === 'console-in-server')!.properties?.tags).toEqual(['OBS-1', 'observability']);
  });

  it('sets security-severity, as a number string, on security rules only, from the worst finding seen', () => {
    for (const rule of rules) {
      const info = testRules.find((r) => r.id === rule.id);
      const security = info ? isSecurityRule(info) : rule.properties?.tags?.includes('security');
      const value: unknown = rule.properties?.['security-severity'];
      if (!security) {
        expect(value, rule.id).toBeUndefined();
        continue;
      }
      expect(value, rule.id).toBeTypeOf('string');
      expect(value).toMatch(/^\d+\.\d$/);
      const score = Number.parseFloat(value as string);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(10);
    }
    const bySeverity = (id: string): string | undefined => rules.find((r) => r.id === id)?.properties?.['security-severity'] as string | undefined;
    expect(bySeverity('hardcoded-secret')).toBe('9.5');
    expect(bySeverity('tls-verification-disabled')).toBe('8.0');
    expect(bySeverity('lockfile-missing')).toBe('3.0');
    // A configured override raises what GitHub shows for the rule.
    const escalated = sarifOf(buildReport({ findings: [makeFinding({ ruleId: 'lockfile-missing', checklist: 'SEC-13', severity: 'critical' })] }));
    expect(onlyRun(escalated).tool.driver.rules![0]!.properties?.['security-severity']).toBe('9.5');
    expect(onlyRun(escalated).tool.driver.rules![0]!.defaultConfiguration?.level).toBe('note');
  });

  it('maps severities to levels', () => {
    const level = (severity: Finding['severity']): string | undefined =>
      onlyRun(sarifOf(buildReport({ findings: [makeFinding({ severity })] }))).results![0]!.level;
    expect([level('critical'), level('high'), level('medium'), level('low'), level('info')]).toEqual(['error', 'error', 'warning', 'note', 'note']);
  });

  it('gives every result one location: a relative, encoded %SRCROOT% URI and a non-empty region', () => {
    for (const [i, result] of results.entries()) {
      expect(result.locations).toHaveLength(1);
      const physical = result.locations![0]!.physicalLocation!;
      const uri = physical.artifactLocation!.uri!;
      expect(uri.length).toBeGreaterThan(0);
      expect(uri).not.toBe('.');
      expect(uri).not.toMatch(/^[a-z][a-z0-9+.-]*:|^\//i);
      expect(physical.artifactLocation!.uriBaseId).toBe('%SRCROOT%');
      const region = physical.region!;
      for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn'] as const) expect(region[key], key).toBeGreaterThanOrEqual(1);
      expect(region.endLine! > region.startLine! || region.endColumn! > region.startColumn!).toBe(true);
      const finding = reported[i]!;
      if (finding.location) {
        expect(decodeURIComponent(uri)).toBe(finding.location.path);
        expect(region.startLine).toBe(finding.location.startLine);
        expect(region.startColumn).toBe(finding.location.startColumn);
        expect(region.endLine).toBe(finding.location.endLine);
      }
    }
    const odd = results.find((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri!.includes('pages'))!;
    expect(odd.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('apps/web/src/pages/%C3%BCber%20page%25.tsx');
    // The whole-file finding (1:1-1:1) is widened to one character.
    const wholeFile = results.find((r) => r.ruleId === 'env-example-missing')!;
    expect(wholeFile.locations![0]!.physicalLocation!.region).toEqual({ startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 });
  });

  it("points repository-level findings at their package's manifest", () => {
    expect(repositoryLevelPath('.')).toBe('package.json');
    expect(repositoryLevelPath('apps/web')).toBe('apps/web/package.json');
    expect(repositoryLevelPath('./apps/web/')).toBe('apps/web/package.json');
    const ci = results.find((r) => r.ruleId === 'ci-missing')!;
    expect(ci.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('package.json');
    expect(ci.locations![0]!.message?.text).toMatch(/Repository-level finding/);
    expect(ci.properties?.['repositoryLevel']).toBe(true);
    const lockfile = results.find((r) => r.ruleId === 'lockfile-missing')!;
    expect(lockfile.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('apps/web/package.json');
  });

  it('reports internal findings as tool execution notifications, not results', () => {
    const internal = report.findings.filter((f) => f.internal);
    expect(internal.length).toBe(2);
    expect(results.some((r) => r.message.text?.startsWith('Internal error'))).toBe(false);
    const invocation = run.invocations![0]!;
    expect(invocation.executionSuccessful).toBe(true);
    const notes = invocation.toolExecutionNotifications ?? [];
    expect(notes.map((n) => n.message.text)).toEqual(internal.map((f) => f.message));
    for (const note of notes) {
      expect(note.level).toBe('error');
      expect(run.tool.driver.notifications![note.descriptor!.index!]!.id).toBe(note.descriptor!.id);
      if (note.associatedRule?.index !== undefined) expect(rules[note.associatedRule.index]!.id).toBe(note.associatedRule.id);
    }
    expect(notes[0]!.associatedRule).toEqual({ id: 'console-in-server', index: rules.findIndex((r) => r.id === 'console-in-server') });
    expect(notes[0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('apps/web/src/legacy.js');
    expect(notes[1]!.locations).toBeUndefined();
  });

  it('describes the run: tool, timing, category, source root and column kind', () => {
    expect(run.tool.driver).toMatchObject({ name: 'prodgrade', version: '0.1.0', semanticVersion: '0.1.0', informationUri: 'https://github.com/prodgrade/prodgrade' });
    expect(run.columnKind).toBe('utf16CodeUnits');
    expect(run.automationDetails?.id).toBe('prodgrade/2025-03-14T09:30:00.000Z');
    const root = run.originalUriBaseIds!['%SRCROOT%']!.uri!;
    expect(root).toBe('file:///home/dev/acme%20saas/');
    expect(fileURLToPath(root)).toBe('/home/dev/acme saas/');
    const invocation = run.invocations![0]!;
    expect(invocation.endTimeUtc).toBe(report.generatedAt);
    expect(Date.parse(invocation.endTimeUtc!) - Date.parse(invocation.startTimeUtc!)).toBe(report.stats.durationMs);
  });

  it('describes rules the registry lacks from their findings, without a docs link', () => {
    const fallback = rules.find((r) => r.id === 'env-example-missing')!;
    expect(fallback.helpUri).toBeUndefined();
    expect(fallback.shortDescription?.text).toContain('SEC-2');
    expect(fallback.help?.text).toContain('Add a .env.example listing every variable without its value.');
    expect(fallback.properties?.tags).toEqual(['SEC-2', 'security']);
  });

  it("keeps the worst findings when there are more than GitHub's per-run limit, and says so", () => {
    const findings = manyFindings(12);
    const capped = onlyRun(JSON.parse(createSarifReporter(testRules, 5)(buildReport({ findings }), options)) as Sarif.Log);
    expectValidSarif({ version: '2.1.0', runs: [capped] });
    const kept = capped.results!.map((r) => r.partialFingerprints![fingerprintKey]);
    // Severities cycle critical..info: the three criticals and the first two highs, in report order.
    expect(kept).toEqual(['many-0', 'many-1', 'many-5', 'many-6', 'many-10']);
    const note = capped.invocations![0]!.toolExecutionNotifications!.find((n) => n.descriptor?.id === 'results-capped')!;
    expect(note.level).toBe('warning');
    expect(note.message.text).toContain('7 findings of the lowest severities are left out');
    expect(capped.tool.driver.notifications![note.descriptor!.index!]!.id).toBe('results-capped');
  });

  it('prints no snippet text', () => {
    const text = createSarifReporter(testRules)(report, options);
    expect(text).not.toContain('export const config');
    expect(text).not.toContain('rejectUnauthorized: false,');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// JUnit

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Parses with saxes, a conformant XML 1.0 parser: it throws on any well-formedness error, disallowed characters included. */
function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser();
  const document: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [document];
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const element: XmlElement = { name: tag.name, attributes: { ...tag.attributes }, children: [], text: '' };
    stack.at(-1)!.children.push(element);
    stack.push(element);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (text) => {
    stack.at(-1)!.text += text;
  });
  parser.write(xml).close();
  expect(document.children).toHaveLength(1);
  return document.children[0]!;
}

function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

function junitOf(report: Report, rules = testRules): XmlElement {
  return parseXml(createJunitReporter(rules)(report, options));
}

describe('junit reporter', () => {
  const report = buildReport();
  const xml = createJunitReporter(testRules)(report, options);
  const root = parseXml(xml);
  const suites = root.children.filter((c) => c.name === 'testsuite');
  const cases = suites.flatMap((s) => s.children.filter((c) => c.name === 'testcase'));
  const outcome = (c: XmlElement): string => c.children.find((x) => ['failure', 'error', 'skipped'].includes(x.name))?.name ?? 'passed';

  it('is well-formed XML even with control characters and lone surrogates in messages and snippets', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(root.name).toBe('testsuites');
    expect(() => parseXml(`<a>${invalidXmlChars}</a>`)).toThrow();
    const odd = cases.find((c) => c.attributes['file']?.includes('pages'))!;
    const skipped = child(odd, 'skipped')!;
    expect(skipped.attributes['message']).toContain(`Odd text <b>&amp;</b> ]]> "quoted" 'single' \\u0007\\u001b[31m\\ud800\\uffff end.`);
    expect(child(odd, 'system-out')!.text).toContain('console.info("\\u0007\\u001b[31m\\ud800\\uffff");');
  });

  it('escapes text and attributes', () => {
    expect(escapeXmlText('a < b && c > d ]]>')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt;');
    expect(escapeXmlAttribute(`"x"\t'y'\n\rz`)).toBe('&quot;x&quot;&#9;&apos;y&apos;&#10;&#13;z');
    expect(escapeXmlText('ok 😀 \u0000')).toBe('ok 😀 \\u0000');
    const multiline = parseXml(`<a b="${escapeXmlAttribute('one\ntwo\tthree')}"/>`);
    expect(multiline.attributes['b']).toBe('one\ntwo\tthree');
  });

  it('has one suite per checklist section with something to report, with counts that add up', () => {
    // Every section has findings, clean rules or unassessed items here, so every section has its suite, in checklist order.
    expect(suites.map((s) => s.attributes['name'])).toEqual(Object.entries(sections).map(([id, title]) => `${id} ${title}`));
    const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const suite of suites) {
      const own = suite.children.filter((c) => c.name === 'testcase');
      const count = (kind: string): number => own.filter((c) => outcome(c) === kind).length;
      expect(Number(suite.attributes['tests'])).toBe(own.length);
      expect(Number(suite.attributes['failures'])).toBe(count('failure'));
      expect(Number(suite.attributes['errors'])).toBe(count('error'));
      expect(Number(suite.attributes['skipped'])).toBe(count('skipped'));
      totals.tests += own.length;
      totals.failures += count('failure');
      totals.errors += count('error');
      totals.skipped += count('skipped');
    }
    expect(root.attributes).toMatchObject({ name: 'prodgrade audit', tests: String(totals.tests), failures: String(totals.failures), errors: String(totals.errors), skipped: String(totals.skipped), time: '1.234' });
  });

  it('fails exactly the findings at or above --fail-on plus the failed gates; internal findings are errors', () => {
    const failing = report.findings.filter((f) => !f.internal && atLeast(f.severity, 'high'));
    expect(Number(root.attributes['failures'])).toBe(failing.length + report.summary.failedGates.length);
    expect(report.summary.failedGates).toHaveLength(1);
    expect(Number(root.attributes['errors'])).toBe(report.findings.filter((f) => f.internal).length);
    const secret = cases.find((c) => c.attributes['name'] === 'hardcoded-secret apps/api/src/config.ts:12:18')!;
    expect(secret.attributes).toMatchObject({ classname: 'prodgrade.SEC-1.hardcoded-secret', file: 'apps/api/src/config.ts', line: '12' });
    const failure = child(secret, 'failure')!;
    expect(failure.attributes['type']).toBe('critical');
    expect(failure.text).toContain('How to fix: Move the secret to the secret manager and rotate it.');
    expect(failure.text).toContain("> 12 |   stripeKey: 'sk_l********',");
    const gate = cases.find((c) => c.attributes['name'] === 'SEC section gate (minimum 90)')!;
    expect(child(gate, 'failure')!.attributes['type']).toBe('gate');
    const crash = cases.find((c) => outcome(c) === 'error' && c.attributes['file'] === 'apps/web/src/legacy.js')!;
    expect(child(crash, 'error')!.attributes['type']).toBe('internal');
  });

  it('skips findings below the threshold with their details in system-out', () => {
    const below = report.findings.filter((f) => !f.internal && !atLeast(f.severity, 'high'));
    const skippedFindings = cases.filter((c) => outcome(c) === 'skipped' && !c.attributes['name']!.endsWith('not assessed'));
    expect(skippedFindings).toHaveLength(below.length);
    for (const c of skippedFindings) {
      expect(child(c, 'skipped')!.attributes['message']).toMatch(/finding, below the --fail-on threshold \(high\)/);
      expect(child(c, 'system-out')!.text.length).toBeGreaterThan(0);
    }
    const none = junitOf(buildReport({ failOn: 'none', gates: {} }));
    expect(none.attributes['failures']).toBe('0');
  });

  it('passes rules that ran clean and skips checklist items that were not assessed', () => {
    const passed = cases.filter((c) => outcome(c) === 'passed');
    // API-5 was assessed and rate-limit-missing found nothing; OBS-4 was not assessed, so its rule is not "passed".
    expect(passed.map((c) => c.attributes['name'])).toEqual(['rate-limit-missing']);
    const notAssessed = cases.filter((c) => c.attributes['name']!.endsWith(' not assessed'));
    expect(notAssessed).toHaveLength(report.notAssessed.length);
    expect(notAssessed.every((c) => outcome(c) === 'skipped')).toBe(true);
    expect(report.notAssessed.length).toBe(checklist.length - 7);
  });

  it('keeps test case names unique when findings share a spot', () => {
    const twin = makeFinding({ fingerprint: 'twin' });
    const parsed = junitOf(buildReport({ findings: [twin, { ...twin, fingerprint: 'twin-2' }] }));
    const names = parsed.children.flatMap((s) => s.children.filter((c) => c.name === 'testcase').map((c) => c.attributes['name']));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('console-in-server src/server.ts:3:1 #2');
  });

  it('works with the real registry', () => {
    const parsed = parseXml(junitReporter(buildReport(), options));
    expect(Number(parsed.attributes['tests'])).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Markdown

/** Cells of a GFM table row, split the way GFM splits them: a backslash escapes the next character. */
function cells(line: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      current += c + (line[i + 1] ?? '');
      i++;
    } else if (c === '|') {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.slice(1, -1).map((s) => s.trim());
}

/** Every table in the document: runs of lines starting with `|`. */
function tables(markdown: string): string[][][] {
  const out: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) {
      if (!current) out.push((current = []));
      current.push(cells(line));
    } else current = undefined;
  }
  return out;
}

function expectWellFormedTables(markdown: string): void {
  for (const table of tables(markdown)) {
    const width = table[0]!.length;
    expect(table[1]!.every((c) => /^:?-{3,}:?$/.test(c)), `delimiter row ${table[1]!.join('|')}`).toBe(true);
    for (const row of table) expect(row, row.join(' | ')).toHaveLength(width);
  }
}

function findingsTable(markdown: string): string[][] {
  const table = tables(markdown).find((t) => t[0]![0] === 'Severity');
  expect(table).toBeDefined();
  return table!.slice(2);
}

describe('markdown reporter', () => {
  const report = buildReport();
  const render = createMarkdownReporter(testRules);
  const md = render(report, options);

  it('leads with the score, the grade and whether the run fails', () => {
    const [first, , second] = md.split('\n');
    expect(first).toMatch(new RegExp(`^## (🟢|🟡|🟠|🔴) prodgrade: ${report.summary.score}/100 · grade ${report.summary.grade}$`, 'u'));
    expect(second).toMatch(/^❌ \*\*Failing:\*\* 3 findings at or above \*\*high\*\*; section SEC scored \d+, below its minimum of 90\.$/);
    const passing = createMarkdownReporter(testRules)(buildReport({ findings: [makeFinding({ severity: 'low' })], gates: {} }), options);
    expect(passing).toContain('✅ **Passing:** no finding at or above **high**.');
    const unassessed = createMarkdownReporter(testRules)(buildReport({ findings: [], assessed: [] }), options);
    expect(unassessed.split('\n')[0]).toBe('## ⚪ prodgrade: not assessed');
  });

  it('renders well-formed tables: counts by severity, sections, packages, findings', () => {
    expectWellFormedTables(md);
    const all = tables(md);
    const counts = all.find((t) => t[0]![0] === '🔴 Critical')!;
    const c = report.summary.counts.bySeverity;
    expect(counts[2]).toEqual([c.critical, c.high, c.medium, c.low, c.info, report.summary.counts.total].map(String));
    const sectionsTable = all.find((t) => t[0]![0] === 'Section')!;
    expect(sectionsTable.slice(2).map((r) => r[0])).toEqual(Object.entries(report.summary.sections).map(([id, s]) => `${id} · ${s.title}`));
    expect(sectionsTable.slice(2).find((r) => r[0]!.startsWith('TEN'))!.slice(1, 3)).toEqual(['—', '_not assessed_']);
    const packages = all.find((t) => t[0]![0] === 'Package')!;
    expect(packages.slice(2).map((r) => r[1])).toHaveLength(3);
    const worst = [...report.summary.packages].sort((a, b) => (a.score ?? 101) - (b.score ?? 101))[0]!;
    expect(packages[2]![1]).toBe(codeCell(worst.dir));
  });

  it('lists findings worst first with location, rule, checklist and message', () => {
    const rows = findingsTable(md);
    const expected = report.findings.filter((f) => !f.internal);
    expect(rows).toHaveLength(expected.length);
    expect(rows.map((r) => r[0])).toEqual(['🔴 critical', '🟠 high', '🟠 high', '🟡 medium', '🔵 low', '🔵 low', '⚪ info']);
    expect(rows[0]).toEqual([
      '🔴 critical',
      '`apps/api/src/config.ts:12`',
      '[hardcoded-secret](https://github.com/prodgrade/prodgrade/blob/main/docs/rules/hardcoded-secret.md)',
      'SEC-1',
      expect.stringContaining('A live Stripe secret key (sk\\_l\\*\\*\\*\\*\\*\\*\\*\\*) is hardcoded'),
    ]);
    expect(rows.find((r) => r[2]!.includes('ci-missing'))![1]).toBe('_repository_');
    expect(rows.find((r) => r[2]!.includes('lockfile-missing'))![1]).toBe('_package_ `apps/web`');
    // A rule the registry lacks is named, not linked.
    expect(rows.find((r) => r[2]!.includes('env-example-missing'))![2]).toBe('`env-example-missing`');
  });

  it('escapes pipes, backticks and markup in cells, and defuses mentions and issue links', () => {
    expect(escapeCell('a | b `c` [x](y) <img> *b* _i_ ~s~ $m$ &amp; \\ @octocat #12 line\nbreak')).toBe(
      'a \\| b \\`c\\` \\[x\\](y) \\<img\\> \\*b\\* \\_i\\_ \\~s\\~ \\$m\\$ \\&amp; \\\\ @\u200boctocat #\u200b12 line break',
    );
    expect(codeCell('src/a|b.ts:3')).toBe('`src/a\\|b.ts:3`');
    expect(codeCell('src/`odd`.ts')).toBe('src/\\`odd\\`.ts');
    const row = findingsTable(md).find((r) => r[4]!.includes('console.log'))!;
    expect(row[4]).toBe(
      '\\`console.log\\` \\| writes unstructured text; ask @\u200boctocat, see #\u200b12 and \\[docs\\](https://evil.example) \\<img src=x\\> \\$x\\$.',
    );
    expect(md).not.toMatch(/(?<!\\)<img/);
    // Control characters and lone surrogates do not reach the page raw.
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\ud800-\udfff]/u);
    expect(md).toContain('\\\\u0007\\\\u001b\\[31m\ufffd');
    expect(md).not.toMatch(/(?<!\\)\[docs\]/);
  });

  it('prints no snippet text and no internal finding as a finding, but warns about crashes', () => {
    expect(md).not.toContain('export const config');
    expect(md).not.toContain('rejectUnauthorized: false,');
    expect(findingsTable(md).some((r) => r[4]!.includes('Internal error'))).toBe(false);
    expect(md).toContain('> [!WARNING]\n> 2 internal errors');
    expect(md).toContain('> - `console-in-server` on `apps/web/src/legacy.js`');
    expect(md).toContain('> - `lockfile-missing` on _the repository_');
  });

  it('folds the not-assessed items into a details block', () => {
    const start = md.indexOf('<details>');
    const end = md.indexOf('</details>');
    expect(start).toBeGreaterThan(-1);
    const block = md.slice(start, end);
    expect(block).toContain(`<summary>${report.notAssessed.length} checklist items not assessed</summary>`);
    // A blank line after <summary> lets GitHub render the table inside the block.
    expect(block).toMatch(/<\/summary>\n\n\| Item \| Title \| Why not \|/);
    const table = tables(block)[0]!;
    expect(table.slice(2).map((r) => r[0])).toEqual(report.notAssessed.map((n) => n.checklist));
  });

  it('caps the findings at 50 and says how many more there are', () => {
    const many = render(buildReport({ findings: manyFindings(80) }), options);
    expectWellFormedTables(many);
    const rows = findingsTable(many);
    expect(rows).toHaveLength(topFindingsCap);
    expect(rows[0]![0]).toBe('🔴 critical');
    expect(rows.findIndex((r) => !r[0]!.includes('critical'))).toBe(16); // all 16 critical ones come first
    expect(many).toContain('…and 30 more findings. The JSON, HTML and SARIF reports list every finding.');
    expect(many).not.toContain("cut to stay within GitHub's comment size limit");
  });

  it("stays under GitHub's comment limit with huge reports, and says what it cut", () => {
    expect(markdownBudget).toBeLessThan(githubCommentLimit);
    const huge = buildReport({
      findings: manyFindings(3_000, 2_000),
      packages: Array.from({ length: 400 }, (_, i) => ({ dir: `packages/module-${i}`, name: `@acme/${'very-long-name-'.repeat(4)}${i}` })),
    });
    const out = render(huge, options);
    expect(out.length).toBeLessThanOrEqual(markdownBudget);
    expectWellFormedTables(out);
    expect(out).toContain('…and 375 more packages.');
    expect(findingsTable(out).length).toBeLessThanOrEqual(topFindingsCap);
    expect(out).toMatch(/…and [\d,]+ more findings/);
    expect(out).toContain('</details>');

    const tiny = createMarkdownReporter(testRules, 6_000)(huge, options);
    expect(tiny.length).toBeLessThanOrEqual(6_000);
    expect(tiny).toContain("cut to stay within GitHub's comment size limit");
    expectWellFormedTables(tiny);
    expect((tiny.match(/<details>/g) ?? []).length).toBe((tiny.match(/<\/details>/g) ?? []).length);

    // Even when the fixed parts alone overflow, the output is cut at a line and says so.
    const cut = createMarkdownReporter(testRules, 2_000)(huge, options);
    expect(cut.length).toBeLessThanOrEqual(2_000);
    expect(cut).toMatch(/_…report cut to stay within GitHub's comment size limit \(65,536 characters\)\._\n$/);
  });

  it('works with the real registry and with no findings', () => {
    const out = markdownReporter(buildReport({ findings: [], gates: {} }), options);
    expectWellFormedTables(out);
    expect(out).toContain('No findings. 🎉');
    expect(out).toContain('✅ **Passing:**');
    const real = markdownReporter(buildReport({ findings: realisticFindings() }), options);
    expect(real).toContain('[ci-missing](https://github.com/prodgrade/prodgrade/blob/main/docs/rules/ci-missing.md)');
  });
});
