import { checklistItem, sections, type SectionId } from '../../core/checklist.js';
import { atLeast, type Finding } from '../../core/types.js';
import type { Report } from '../report.js';
import { registryRules, ruleDocsUrl, type RuleInfo } from './sarif.js';
import type { Reporter } from './types.js';

// XML 1.0 allows only these characters; any other (a terminal escape in a snippet, a lone surrogate, U+FFFF)
// makes the whole document ill-formed and CI parsers drop the report.
const invalidXmlChar = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Shows characters XML cannot carry as `\uXXXX`, so the reader still sees that something was there. */
function xmlChars(text: string): string {
  return text.replace(invalidXmlChar, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

export function escapeXmlText(text: string): string {
  return xmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeXmlAttribute(text: string): string {
  // Attribute-value normalization turns raw tabs and line breaks into spaces; character references survive it.
  return escapeXmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

type Outcome = { kind: 'passed' } | { kind: 'failure' | 'error' | 'skipped'; message: string; type?: string; details?: string };

interface TestCase {
  name: string;
  classname: string;
  file?: string;
  line?: number;
  outcome: Outcome;
}

type SuiteId = SectionId | 'other';

function suiteOf(checklist: string): SuiteId {
  return checklistItem(checklist)?.section ?? 'other';
}

function where(f: Finding): string {
  if (f.location) return `${f.location.path}:${f.location.startLine}:${f.location.startColumn}`;
  return f.package === '.' ? '(repository)' : `(package ${f.package})`;
}

function codeFrame(f: Finding): string[] {
  const { snippet, location } = f;
  if (!snippet || !location) return [];
  const width = String(snippet.startLine + snippet.lines.length - 1).length;
  return snippet.lines.map((line, i) => {
    const n = snippet.startLine + i;
    const marked = n >= location.startLine && n <= location.endLine;
    return `${marked ? '>' : ' '} ${String(n).padStart(width)} | ${line}`;
  });
}

function details(f: Finding, toolUri: string, known: boolean): string {
  const item = checklistItem(f.checklist);
  const docs = known ? ruleDocsUrl(toolUri, f.ruleId) : undefined;
  const lines = [
    `${f.internal ? 'internal error' : f.severity} · ${f.checklist}${item ? ` ${item.title}` : ''} · ${f.confidence} confidence · package ${f.package}`,
    where(f),
    '',
    f.message,
    '',
    `How to fix: ${f.help}`,
  ];
  if (docs) lines.push(`Documentation: ${docs}`);
  const frame = codeFrame(f);
  if (frame.length) lines.push('', ...frame);
  return lines.join('\n');
}

function findingOutcome(f: Finding, failOn: Report['summary']['failOn'], toolUri: string, known: boolean): Outcome {
  const text = details(f, toolUri, known);
  if (f.internal) return { kind: 'error', message: f.message, type: 'internal', details: text };
  if (failOn !== 'none' && atLeast(f.severity, failOn)) return { kind: 'failure', message: f.message, type: f.severity, details: text };
  const why = failOn === 'none' ? 'findings do not fail this run (--fail-on none)' : `below the --fail-on threshold (${failOn})`;
  return { kind: 'skipped', message: `${f.severity} finding, ${why}: ${f.message}`, details: text };
}

function renderCase(c: TestCase): string {
  const attrs = [`name="${escapeXmlAttribute(c.name)}"`, `classname="${escapeXmlAttribute(c.classname)}"`, 'time="0"'];
  if (c.file !== undefined) attrs.push(`file="${escapeXmlAttribute(c.file)}"`);
  if (c.line !== undefined) attrs.push(`line="${c.line}"`);
  const open = `    <testcase ${attrs.join(' ')}`;
  const o = c.outcome;
  if (o.kind === 'passed') return `${open}/>`;
  const type = o.type ? ` type="${escapeXmlAttribute(o.type)}"` : '';
  const body =
    o.kind === 'skipped'
      ? // JUnit's <skipped> carries no body; the details go to system-out, which CI UIs show beside it.
        `      <skipped message="${escapeXmlAttribute(o.message)}"/>${o.details ? `\n      <system-out>${escapeXmlText(o.details)}</system-out>` : ''}`
      : `      <${o.kind} message="${escapeXmlAttribute(o.message)}"${type}>${escapeXmlText(o.details ?? o.message)}</${o.kind}>`;
  return `${open}>\n${body}\n    </testcase>`;
}

/**
 * Builds the JUnit reporter. One suite per checklist section (what CI test views group by); in it one failing,
 * erroring or skipped case per finding, one passing case per rule that ran clean, one skipped case per
 * checklist item that could not be assessed, and one failing case per failed section gate. Failures are
 * exactly what makes the audit exit non-zero.
 */
export function createJunitReporter(rules: readonly RuleInfo[] = registryRules): Reporter {
  const known = new Set(rules.map((r) => r.id));
  return (report) => {
    const { summary } = report;
    const cases = new Map<SuiteId, TestCase[]>();
    const add = (suite: SuiteId, c: TestCase): void => {
      let list = cases.get(suite);
      if (!list) cases.set(suite, (list = []));
      list.push(c);
    };

    // Test views key cases by name; identical findings on one spot get a counter so none is folded away.
    const names = new Map<string, number>();
    const uniqueName = (name: string): string => {
      const n = (names.get(name) ?? 0) + 1;
      names.set(name, n);
      return n === 1 ? name : `${name} #${n}`;
    };

    for (const f of report.findings) {
      add(suiteOf(f.checklist), {
        name: uniqueName(`${f.ruleId} ${where(f)}`),
        classname: `prodgrade.${f.checklist}.${f.ruleId}`,
        ...(f.location ? { file: f.location.path, line: f.location.startLine } : {}),
        outcome: findingOutcome(f, summary.failOn, report.tool.uri, known.has(f.ruleId)),
      });
    }

    // A rule counts as passed when its checklist item was assessed and it reported nothing. The report does not
    // list which rules were enabled, so a disabled rule whose item another rule assessed also shows as passed.
    const assessed = new Set(Object.values(summary.sections).flatMap((s) => s.assessedItems));
    const reported = new Set(report.findings.map((f) => f.ruleId));
    for (const rule of rules) {
      if (reported.has(rule.id) || !assessed.has(rule.checklist)) continue;
      add(suiteOf(rule.checklist), { name: uniqueName(rule.id), classname: `prodgrade.${rule.checklist}.${rule.id}`, outcome: { kind: 'passed' } });
    }

    for (const n of report.notAssessed) {
      add(suiteOf(n.checklist), {
        name: uniqueName(`${n.checklist} not assessed`),
        classname: `prodgrade.${n.checklist}`,
        outcome: { kind: 'skipped', message: `Not assessed: ${n.reason}`, details: `${n.checklist}: ${n.title}` },
      });
    }

    for (const gate of summary.failedGates) {
      const message = `Section ${gate.section} (${sections[gate.section]}) scored ${gate.score}, below the configured minimum of ${gate.minimum}.`;
      add(gate.section, {
        name: uniqueName(`${gate.section} section gate (minimum ${gate.minimum})`),
        classname: `prodgrade.${gate.section}`,
        outcome: { kind: 'failure', message, type: 'gate', details: message },
      });
    }

    const timestamp = report.generatedAt.slice(0, 19);
    const suiteIds: SuiteId[] = [...(Object.keys(sections) as SectionId[]), 'other'];
    const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    const suites: string[] = [];
    suiteIds.forEach((id) => {
      const list = cases.get(id);
      if (!list?.length) return;
      const count = (kind: Outcome['kind']): number => list.filter((c) => c.outcome.kind === kind).length;
      const counts = { tests: list.length, failures: count('failure'), errors: count('error'), skipped: count('skipped') };
      totals.tests += counts.tests;
      totals.failures += counts.failures;
      totals.errors += counts.errors;
      totals.skipped += counts.skipped;
      const section = id === 'other' ? undefined : summary.sections[id];
      const title = id === 'other' ? 'Other' : `${id} ${sections[id]}`;
      const properties = section
        ? [
            '    <properties>',
            `      <property name="score" value="${section.score ?? 'not assessed'}"/>`,
            `      <property name="grade" value="${section.grade ?? 'not assessed'}"/>`,
            `      <property name="findings" value="${section.findings}"/>`,
            '    </properties>',
          ]
        : [];
      suites.push(
        [
          `  <testsuite name="${escapeXmlAttribute(title)}" id="${suites.length}" package="prodgrade.${id}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="0" timestamp="${escapeXmlAttribute(timestamp)}">`,
          ...properties,
          ...list.map(renderCase),
          '  </testsuite>',
        ].join('\n'),
      );
    });

    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      // A stable name: test-history views match runs by it.
      `<testsuites name="${escapeXmlAttribute(`${report.tool.name} audit`)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${(report.stats.durationMs / 1000).toFixed(3)}" timestamp="${escapeXmlAttribute(timestamp)}">`,
      ...suites,
      '</testsuites>',
      '',
    ].join('\n');
  };
}

/** JUnit XML for CI test views (GitLab, Jenkins, Azure DevOps, GitHub test-report actions). */
export const junitReporter: Reporter = createJunitReporter();
