import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import semver from 'semver';
import { checklistItem, type SectionId } from '../../core/checklist.js';
import type { AnyRule } from '../../core/define-rule.js';
import { severityRank, type Confidence, type Finding, type Location, type Severity } from '../../core/types.js';
import { registry } from '../registry.js';
import type { Reporter } from './types.js';

/** What the reporters read from a rule's metadata; tests pass their own, the CLI passes the registry's. */
export type RuleInfo = Pick<AnyRule['meta'], 'id' | 'category' | 'checklist' | 'severity' | 'confidence' | 'stability' | 'docs'>;

export const registryRules: readonly RuleInfo[] = registry.map((r) => r.meta);

/** GitHub rejects the whole file when a run holds more results than this. */
export const githubMaxResults = 25_000;

/** The key under which results carry the engine's own line-independent fingerprint. */
export const fingerprintKey = 'prodgradeFingerprint/v1';

const levelOf: Record<Severity, Sarif.Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

// GitHub reads these as CVSS-like scores: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low, 0.0 none.
const securitySeverityOf: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

// `problem.severity` is GitHub's ranking for rules without a security severity.
const problemSeverityOf: Record<Severity, 'error' | 'warning' | 'recommendation'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'recommendation',
  info: 'recommendation',
};

const precisionOf: Record<Confidence, 'high' | 'medium' | 'low'> = { high: 'high', medium: 'medium', low: 'low' };

/**
 * Checklist sections whose every item is a security control, and single items elsewhere that are one: a failure
 * there is exploitable (missing auth or validation, leaked internals, a poisoned pipeline, a root container).
 */
const securitySections: ReadonlySet<SectionId> = new Set(['SEC', 'TEN']);
const securityItems: ReadonlySet<string> = new Set(['API-3', 'API-4', 'API-5', 'API-6', 'CI-7', 'CI-8']);

export function isSecurityRule(rule: Pick<RuleInfo, 'category' | 'checklist'>): boolean {
  const section = checklistItem(rule.checklist)?.section;
  return rule.category === 'security' || rule.category === 'tenancy' || (section !== undefined && securitySections.has(section)) || securityItems.has(rule.checklist);
}

/** The rule's documentation page in the tool's repository; undefined unless the repository URL is a plain https URL. */
export function ruleDocsUrl(toolUri: string, ruleId: string): string | undefined {
  if (!/^https:\/\/[\w.-]+(?:\/[\w.~-]+)*$/.test(toolUri) || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(ruleId)) return undefined;
  return `${toolUri}/blob/main/docs/rules/${ruleId}.md`;
}

// GitHub caps descriptions at 1024 characters and rule names at 255; longer ones are rejected or cut mid-word.
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

const fenceLanguages: Record<string, string> = {
  ts: 'ts', tsx: 'tsx', mts: 'ts', cts: 'ts', js: 'js', jsx: 'jsx', mjs: 'js', cjs: 'js', json: 'json', yml: 'yaml', yaml: 'yaml',
  sql: 'sql', prisma: 'prisma', tf: 'hcl', toml: 'toml', sh: 'sh', py: 'python', go: 'go', env: 'dotenv',
};

function fenceLanguage(file: string): string {
  const name = file.split('/').pop() ?? file;
  if (/^Dockerfile/.test(name)) return 'dockerfile';
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  return fenceLanguages[ext] ?? '';
}

function codeBlock(code: string, file: string): string {
  // A fence longer than any backtick run in the example keeps the example from closing it.
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${fenceLanguage(file)}\n${code.replace(/\n$/, '')}\n${fence}`;
}

function helpMarkdown(rule: RuleInfo, docsUrl: string | undefined): string {
  const { docs } = rule;
  const item = checklistItem(rule.checklist);
  const parts = [docs.summary, '## Why it matters', docs.why, '## How to fix', docs.howToFix];
  const invalid = docs.examples.invalid[0];
  const valid = docs.examples.valid[0];
  if (invalid || valid) {
    parts.push('## Example');
    if (invalid) parts.push(`Flagged (\`${invalid.file}\`):`, codeBlock(invalid.code, invalid.file));
    if (valid) parts.push(`Passes (\`${valid.file}\`):`, codeBlock(valid.code, valid.file));
  }
  if (docs.limitations?.length) parts.push('## Limitations', docs.limitations.map((l) => `- ${l}`).join('\n'));
  const footer = [`Checklist item **${rule.checklist}**${item ? `: ${item.title}` : ''}`];
  if (docsUrl) footer.push(`[Rule documentation](${docsUrl})`);
  parts.push(footer.join(' · '));
  return parts.join('\n\n');
}

function helpText(rule: RuleInfo, docsUrl: string | undefined): string {
  const item = checklistItem(rule.checklist);
  const lines = [rule.docs.summary, '', `Why it matters: ${rule.docs.why}`, '', `How to fix: ${rule.docs.howToFix}`, '', `Checklist item ${rule.checklist}${item ? `: ${item.title}` : ''}`];
  if (docsUrl) lines.push(`Documentation: ${docsUrl}`);
  return lines.join('\n');
}

// Rule categories mirror the checklist sections; used to tag a rule the registry does not know.
const categoryOf: Record<SectionId, RuleInfo['category']> = {
  TEN: 'tenancy', API: 'api', DB: 'database', SEC: 'security', OBS: 'observability', CI: 'delivery', SCL: 'scalability', OPS: 'operations',
};

/** A rule the registry does not know (a plugin, or a report from another version): described from its findings. */
function ruleFromFinding(finding: Finding): RuleInfo {
  const item = checklistItem(finding.checklist);
  const summary = `Findings of ${finding.ruleId} on checklist item ${finding.checklist}${item ? ` (${item.title})` : ''}.`;
  return {
    id: finding.ruleId,
    category: item ? categoryOf[item.section] : 'operations',
    checklist: finding.checklist,
    severity: finding.severity,
    confidence: finding.confidence,
    stability: 'stable',
    docs: { summary, why: item?.title ?? summary, howToFix: finding.help, examples: { invalid: [], valid: [] } },
  };
}

function descriptor(rule: RuleInfo, severity: Severity, known: boolean, toolUri: string): Sarif.ReportingDescriptor {
  const docsUrl = known ? ruleDocsUrl(toolUri, rule.id) : undefined;
  const security = isSecurityRule(rule);
  const tags = [...new Set([rule.checklist, rule.category, ...(security ? ['security'] : []), ...(rule.stability === 'experimental' ? ['experimental'] : [])])];
  return {
    id: rule.id,
    name: clip(pascalCase(rule.id), 255),
    shortDescription: { text: clip(rule.docs.summary, 1024) },
    fullDescription: { text: clip(`${rule.docs.summary} ${rule.docs.why}`, 1024) },
    help: { text: helpText(rule, docsUrl), markdown: helpMarkdown(rule, docsUrl) },
    ...(docsUrl ? { helpUri: docsUrl } : {}),
    defaultConfiguration: { level: levelOf[rule.severity] },
    properties: {
      tags,
      precision: precisionOf[rule.confidence],
      'problem.severity': problemSeverityOf[severity],
      // GitHub files every rule with a security-severity under security alerts, whatever its tags; a missing README is not one.
      ...(security ? { 'security-severity': securitySeverityOf[severity] } : {}),
      checklist: rule.checklist,
    },
  };
}

function artifactUri(path: string): string {
  // Relative references must be percent-encoded (a space or `%` in a path otherwise makes the URI invalid); GitHub decodes them.
  return path.split('/').map(encodeURIComponent).join('/');
}

function region(location: Location): Sarif.Region {
  const startLine = Math.max(1, location.startLine);
  const startColumn = Math.max(1, location.startColumn);
  const endLine = Math.max(startLine, location.endLine);
  // A whole-file finding is the empty region 1:1-1:1; widened to one character so every consumer highlights something.
  const endColumn = endLine === startLine && location.endColumn <= startColumn ? startColumn + 1 : location.endColumn;
  return { startLine, startColumn, endLine, endColumn };
}

/**
 * GitHub rejects the whole upload when a result has no location, an empty URI or one that is not a file reference
 * ("." included), so a finding about the repository as a whole ("no CI", "no lockfile") needs a stand-in file.
 * The package manifest of the finding's package is the most sensible one: it exists in nearly every repository
 * prodgrade audits, it is where a monorepo package starts, and its first line is stable across commits. If the
 * file is absent GitHub still accepts the result and shows it without a code preview.
 */
export function repositoryLevelPath(packageDir: string): string {
  const dir = packageDir.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return dir ? `${dir}/package.json` : 'package.json';
}

function locationOf(finding: Finding): Sarif.Location {
  if (finding.location) {
    return { physicalLocation: { artifactLocation: { uri: artifactUri(finding.location.path), uriBaseId: '%SRCROOT%' }, region: region(finding.location) } };
  }
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(repositoryLevelPath(finding.package)), uriBaseId: '%SRCROOT%' },
      region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 },
    },
    message: { text: `Repository-level finding${finding.package === '.' ? '' : ` for package ${finding.package}`}: it is about the project as a whole, not a line; the package manifest stands in as its location.` },
  };
}

function rootUri(root: string): string {
  const href = pathToFileURL(root).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** The `max` worst findings, in their original order. */
function worstFirst(findings: readonly Finding[], max: number): Finding[] {
  if (findings.length <= max) return [...findings];
  const kept = new Set(
    findings
      .map((f, i) => ({ f, i }))
      .sort((a, b) => severityRank(b.f.severity) - severityRank(a.f.severity) || a.i - b.i)
      .slice(0, max)
      .map(({ f }) => f),
  );
  return findings.filter((f) => kept.has(f));
}

/** Builds the SARIF reporter over the given rule metadata (the registry by default). */
export function createSarifReporter(rules: readonly RuleInfo[] = registryRules, maxResults = githubMaxResults): Reporter {
  const byId = new Map(rules.map((r) => [r.id, r]));
  return (report) => {
    const located = report.findings.filter((f) => !f.internal);
    const results = worstFirst(located, maxResults);
    const internal = report.findings.filter((f) => f.internal);

    // The worst severity seen per rule: a configured override or an escalated finding must show in GitHub's
    // per-rule security severity, which results cannot override.
    const worst = new Map<string, Severity>();
    const firstFinding = new Map<string, Finding>();
    for (const f of results) {
      const seen = worst.get(f.ruleId);
      if (!seen || severityRank(f.severity) > severityRank(seen)) worst.set(f.ruleId, f.severity);
      if (!firstFinding.has(f.ruleId)) firstFinding.set(f.ruleId, f);
    }
    const ids = [...firstFinding.keys()].sort((a, b) => a.localeCompare(b));
    const index = new Map(ids.map((id, i) => [id, i]));
    const descriptors = ids.map((id) => {
      const known = byId.get(id);
      const rule = known ?? ruleFromFinding(firstFinding.get(id)!);
      return descriptor(rule, worst.get(id) ?? rule.severity, known !== undefined, report.tool.uri);
    });

    const sarifResults: Sarif.Result[] = results.map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId)!,
      level: levelOf[f.severity],
      message: { text: f.message },
      locations: [locationOf(f)],
      partialFingerprints: { [fingerprintKey]: f.fingerprint },
      properties: {
        severity: f.severity,
        checklist: f.checklist,
        confidence: f.confidence,
        package: f.package,
        ...(f.location ? {} : { repositoryLevel: true }),
      },
    }));

    const notifications: Sarif.Notification[] = internal.map((f) => ({
      level: 'error',
      message: { text: f.message },
      descriptor: { id: 'rule-crashed', index: 0 },
      associatedRule: index.has(f.ruleId) ? { id: f.ruleId, index: index.get(f.ruleId)! } : { id: f.ruleId },
      // A crash outside any file has no location (the engine names it "(repository)").
      ...(f.location && f.location.path !== '(repository)'
        ? { locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(f.location.path), uriBaseId: '%SRCROOT%' } } }] }
        : {}),
    }));

    if (results.length < located.length) {
      notifications.push({
        level: 'warning',
        message: {
          text: `${located.length - results.length} findings of the lowest severities are left out: GitHub code scanning rejects a run with more than ${maxResults} results. The JSON report lists all ${located.length}.`,
        },
        descriptor: { id: 'results-capped', index: 1 },
      });
    }

    const started = new Date(Date.parse(report.generatedAt) - report.stats.durationMs);
    const invocation: Sarif.Invocation = {
      // The audit ran to the end and its results are complete apart from the crashes listed as error
      // notifications; a run that failed outright produces no report at all.
      executionSuccessful: true,
      ...(Number.isNaN(started.getTime()) ? {} : { startTimeUtc: started.toISOString(), endTimeUtc: report.generatedAt }),
      ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
    };

    const driver: Sarif.ToolComponent = {
      name: report.tool.name,
      version: report.tool.version,
      ...(semver.valid(report.tool.version) ? { semanticVersion: report.tool.version } : {}),
      ...(/^https?:\/\//.test(report.tool.uri) ? { informationUri: report.tool.uri } : {}),
      rules: descriptors,
      notifications: [
        {
          id: 'rule-crashed',
          name: 'RuleCrashed',
          shortDescription: { text: 'A rule crashed on a file; the rest of the audit ran.' },
          defaultConfiguration: { level: 'error' },
        },
        {
          id: 'results-capped',
          name: 'ResultsCapped',
          shortDescription: { text: 'More findings than a SARIF consumer accepts; the least severe were left out.' },
          defaultConfiguration: { level: 'warning' },
        },
      ],
    };

    const log: Sarif.Log = {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: { driver },
          invocations: [invocation],
          // "category/run-id": GitHub keys alerts by the category, so every prodgrade upload replaces the last one.
          automationDetails: { id: `${report.tool.name}/${report.generatedAt}` },
          originalUriBaseIds: { '%SRCROOT%': { uri: rootUri(report.root), description: { text: 'The audited root directory.' } } },
          columnKind: 'utf16CodeUnits',
          results: sarifResults,
          properties: {
            score: report.summary.score,
            grade: report.summary.grade,
            failOn: report.summary.failOn,
            failed: report.summary.failed,
            reportSchemaVersion: report.schemaVersion,
          },
        },
      ],
    };
    return `${JSON.stringify(log, null, 2)}\n`;
  };
}

/** SARIF 2.1.0 for GitHub code scanning and other SARIF consumers. */
export const sarifReporter: Reporter = createSarifReporter();
