import { checklist, type SectionId } from '../../src/core/checklist.js';
import { atLeast, confidences, severities, type Finding, type Severity } from '../../src/core/types.js';
import { reportSchemaVersion, type PackageSummary, type Report } from '../../src/audit/report.js';
import { score } from '../../src/audit/scoring.js';
import type { RuleInfo } from '../../src/audit/reporters/sarif.js';

function rule(id: string, category: RuleInfo['category'], item: string, severity: Severity, summary: string): RuleInfo {
  return {
    id,
    category,
    checklist: item,
    severity,
    confidence: 'high',
    stability: id === 'rate-limit-missing' ? 'experimental' : 'stable',
    docs: {
      summary,
      why: `Why ${id} matters in production: it is the kind of gap that turns into an incident.`,
      howToFix: `Fix ${id} by doing the production-grade thing.`,
      examples: {
        invalid: [{ file: 'src/server.ts', code: 'const key = "```";\napp.listen(3000);\n' }],
        valid: [{ file: 'Dockerfile', code: 'FROM node:20-slim\nUSER node\n' }],
      },
      limitations: ['Only sees what is in the repository.'],
    },
  };
}

/**
 * The rule metadata the reporters are built over in tests, independent of what the registry holds today.
 * `env-example-missing` is deliberately absent: its finding exercises the fallback for rules the registry lacks.
 */
export const testRules: readonly RuleInfo[] = [
  rule('hardcoded-secret', 'security', 'SEC-1', 'critical', 'A provider key, token or password is written into the source.'),
  rule('tls-verification-disabled', 'security', 'SEC-11', 'high', 'TLS certificate verification is turned off.'),
  rule('console-in-server', 'observability', 'OBS-1', 'medium', 'Server code logs with console.* instead of a structured logger.'),
  rule('ci-missing', 'delivery', 'CI-1', 'high', 'The repository has no CI pipeline that runs on pull requests and pushes.'),
  rule('lockfile-missing', 'security', 'SEC-13', 'low', 'A package has no lockfile.'),
  rule('rate-limit-missing', 'api', 'API-5', 'medium', 'A server exposes routes without rate limiting.'),
  rule('health-endpoint-missing', 'observability', 'OBS-4', 'low', 'No liveness or readiness endpoint.'),
];

let counter = 0;

/** A finding with plausible defaults; tests override what they look at. */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  counter++;
  return {
    ruleId: 'console-in-server',
    checklist: 'OBS-1',
    severity: 'medium',
    confidence: 'high',
    message: 'console.log in server code writes unstructured text that log search cannot filter. Use the structured logger.',
    help: 'Replace console.* with the structured logger.',
    location: { path: 'src/server.ts', startLine: 3, startColumn: 1, endLine: 3, endColumn: 20 },
    package: '.',
    fingerprint: `fp-${counter.toString(16).padStart(8, '0')}`,
    ...overrides,
  };
}

/** Control characters, a lone surrogate and a non-character: each one alone makes an XML document ill-formed. */
export const invalidXmlChars = '\u0007\u001b[31m\ud800\uffff';

/** A realistic mix: every severity, file- and repository-level findings, two packages, odd paths, two crashes. */
export function realisticFindings(): Finding[] {
  return [
    makeFinding({
      ruleId: 'hardcoded-secret',
      checklist: 'SEC-1',
      severity: 'critical',
      message: 'A live Stripe secret key (sk_l********) is hardcoded: anyone who can read the repository can charge customers. Move it to the secret manager and rotate it.',
      help: 'Move the secret to the secret manager and rotate it.',
      location: { path: 'apps/api/src/config.ts', startLine: 12, startColumn: 18, endLine: 12, endColumn: 58 },
      package: 'apps/api',
      fingerprint: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      snippet: { startLine: 10, lines: ['', 'export const config = {', "  stripeKey: 'sk_l********',", '};'] },
    }),
    makeFinding({
      ruleId: 'tls-verification-disabled',
      checklist: 'SEC-11',
      severity: 'high',
      confidence: 'medium',
      message: '`rejectUnauthorized: false` turns off certificate checks, so a man in the middle can read and change this traffic. Remove it and trust the right CA instead.',
      location: { path: 'apps/api/src/http.ts', startLine: 30, startColumn: 5, endLine: 32, endColumn: 7 },
      package: 'apps/api',
      snippet: { startLine: 29, lines: ['const agent = new https.Agent({', '    rejectUnauthorized: false,', '  ', '});'] },
    }),
    makeFinding({
      message: '`console.log` | writes unstructured text; ask @octocat, see #12 and [docs](https://evil.example) <img src=x> $x$.',
      location: { path: 'apps/web/src/server.ts', startLine: 8, startColumn: 3, endLine: 8, endColumn: 14 },
      package: 'apps/web',
      snippet: { startLine: 7, lines: ['app.get("/", (req, res) => {', '  console.log(req.url);', '});'] },
    }),
    makeFinding({
      ruleId: 'console-in-server',
      severity: 'low',
      confidence: 'low',
      message: `Odd text <b>&amp;</b> ]]> "quoted" 'single' ${invalidXmlChars} end.`,
      location: { path: 'apps/web/src/pages/über page%.tsx', startLine: 3, startColumn: 1, endLine: 3, endColumn: 20 },
      package: 'apps/web',
      snippet: { startLine: 3, lines: [`console.info("${invalidXmlChars}");`] },
    }),
    makeFinding({
      ruleId: 'ci-missing',
      checklist: 'CI-1',
      severity: 'high',
      message: 'No CI configuration was found, so changes reach main without automated tests or checks. Add a pipeline that runs on every pull request and on main.',
      location: null,
      package: '.',
    }),
    makeFinding({
      ruleId: 'lockfile-missing',
      checklist: 'SEC-13',
      severity: 'low',
      message: 'apps/web has no lockfile, so every install may resolve different dependency versions. Commit the lockfile.',
      location: null,
      package: 'apps/web',
    }),
    makeFinding({
      ruleId: 'env-example-missing',
      checklist: 'SEC-2',
      severity: 'info',
      confidence: 'medium',
      message: 'There is no .env.example, so new developers guess which variables to set. Add one without values.',
      help: 'Add a .env.example listing every variable without its value.',
      location: { path: '.gitignore', startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
      package: '.',
    }),
    makeFinding({
      ruleId: 'console-in-server',
      severity: 'info',
      confidence: 'low',
      internal: true,
      message: 'Internal error: rule console-in-server crashed on apps/web/src/legacy.js: Maximum call stack size exceeded. The rest of the audit ran; please report this with the file\'s shape.',
      help: 'Report the crash with the rule id and a minimal file that reproduces it.',
      location: { path: 'apps/web/src/legacy.js', startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
      package: 'apps/web',
    }),
    makeFinding({
      ruleId: 'lockfile-missing',
      checklist: 'SEC-13',
      severity: 'info',
      confidence: 'low',
      internal: true,
      message: 'Internal error: rule lockfile-missing crashed on (repository): unexpected end of JSON input. The rest of the audit ran.',
      help: 'Report the crash with the rule id.',
      location: null,
      package: '.',
    }),
  ];
}

export interface ReportOptions {
  findings?: Finding[];
  /** Checklist IDs the run assessed; every other item is reported as not assessed. */
  assessed?: string[];
  packages?: Array<{ dir: string; name: string }>;
  failOn?: Report['summary']['failOn'];
  gates?: Partial<Record<SectionId, number>>;
}

export const defaultAssessed = ['SEC-1', 'SEC-2', 'SEC-11', 'SEC-13', 'OBS-1', 'CI-1', 'API-5'];

/**
 * A report whose summary the real scoring computes from the findings, the way the engine does: section and
 * package scores, counts without internal findings, gates and the failed flag all agree with each other.
 */
export function buildReport(options: ReportOptions = {}): Report {
  const findings = options.findings ?? realisticFindings();
  const assessed = new Set(options.assessed ?? defaultAssessed);
  const failOn = options.failOn ?? 'high';
  const scored = score(findings, assessed);
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
  const packageList = options.packages ?? [
    { dir: '.', name: 'acme-saas' },
    { dir: 'apps/api', name: '@acme/api' },
    { dir: 'apps/web', name: '@acme/web' },
  ];
  const packages: PackageSummary[] = packageList.map((p) => {
    const own = findings.filter((f) => f.package === p.dir);
    const s = score(own, assessed);
    return { ...p, score: s.score, grade: s.grade, findings: own.filter((f) => !f.internal).length };
  });
  const failedGates = Object.entries(options.gates ?? { SEC: 90 }).flatMap(([section, minimum]) => {
    const s = scored.sections[section as SectionId].score;
    return s !== null && minimum !== undefined && s < minimum ? [{ section: section as SectionId, minimum, score: s }] : [];
  });
  const failed = failedGates.length > 0 || (failOn !== 'none' && findings.some((f) => !f.internal && atLeast(f.severity, failOn)));
  return {
    schemaVersion: reportSchemaVersion,
    tool: { name: 'prodgrade', version: '0.1.0', uri: 'https://github.com/prodgrade/prodgrade' },
    root: '/home/dev/acme saas',
    generatedAt: '2025-03-14T09:30:00.000Z',
    summary: {
      score: scored.score,
      grade: scored.grade,
      sections: scored.sections,
      counts: { total: findings.length - internal, bySeverity, byConfidence, internal },
      packages,
      failOn,
      failed,
      failedGates,
    },
    findings,
    notAssessed: checklist
      .filter((item) => !assessed.has(item.id))
      .map((item) => ({ checklist: item.id, title: item.title, reason: `No enabled rule observes this item yet (the checklist looks for: ${item.audit})` })),
    skippedFiles: [{ path: 'vendor/big.min.js', reason: 'larger than maxFileBytes' }],
    suppressions: [],
    config: { source: '.prodgrade.json', defaultExcludes: ['node_modules', 'dist'], monorepoTools: ['npm-workspaces'] },
    stats: { files: 128, bytes: 512_000, durationMs: 1_234, cache: 'off', workers: 0 },
  };
}

/** n findings over several rules, severities and files, for the caps and the size limit. */
export function manyFindings(n: number, messageLength = 120): Finding[] {
  const rules = testRules.slice(0, 4);
  return Array.from({ length: n }, (_, i) => {
    const r = rules[i % rules.length]!;
    const line = 1 + (i % 400);
    return makeFinding({
      ruleId: r.id,
      checklist: r.checklist,
      severity: severities[i % severities.length],
      confidence: confidences[i % confidences.length],
      fingerprint: `many-${i}`,
      location: { path: `packages/module-${i % 97}/src/${'deeply/nested/'.repeat(i % 3)}file-${i}.ts`, startLine: line, startColumn: 3, endLine: line, endColumn: 30 },
      message: `Finding ${i}: ${'something is not production-ready here | `code` '.repeat(Math.ceil(messageLength / 48)).slice(0, messageLength)}`,
    });
  });
}
