import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { kindSites, type Kind } from '../_pipelines/kinds.js';
import { pipelinesOf, primaryPipeline } from '../_pipelines/pipelines.js';

/** Tests, fixtures and examples: TypeScript there alone does not make the product a TypeScript codebase. */
const auxiliary = /(?:^|\/)(?:e2e|e2e-tests|tests?|__tests__|fixtures?|examples?|samples?|docs?|scripts?|\.github)\//i;

/** The product is written in TypeScript: a tsconfig, or .ts sources outside tests and examples (declarations do not count). */
function usesTypeScript(model: RepoModel): boolean {
  return model.files.some(
    (f) => !auxiliary.test(f.path) && (/(?:^|\/)tsconfig(?:\.[\w-]+)?\.json$/.test(f.path) || (/\.(?:ts|tsx|mts|cts)$/.test(f.path) && !f.path.endsWith('.d.ts'))),
  );
}

/** Jest with ts-jest reports type errors of the files it runs, unless isolatedModules turns that off. */
function tsJestTypeChecks(model: RepoModel): boolean {
  return model.manifests().some(({ manifest }) => {
    const deps = { ...manifest.dependencies, ...manifest.devDependencies };
    return 'ts-jest' in deps;
  }) && !model.files.some((f) => /jest\.config/.test(f.path) && /isolatedModules\s*:\s*true/.test(model.text(f.path) ?? ''));
}

const checks: Array<{ kind: Exclude<Kind, 'test'>; message: 'lint' | 'typecheck' | 'sast' | 'dependencyScan' | 'audit' }> = [
  { kind: 'lint', message: 'lint' },
  { kind: 'typecheck', message: 'typecheck' },
  { kind: 'sast', message: 'sast' },
  { kind: 'depscan', message: 'dependencyScan' },
  { kind: 'prodgrade', message: 'audit' },
];

export default defineRule({
  meta: {
    id: 'ci-checks-missing',
    category: 'delivery',
    checklist: 'CI-3',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      lint:
        'No CI job runs a linter (ESLint, Biome, oxlint, golangci-lint, ruff…, directly or through package scripts, turbo, nx or make), so bug patterns and unsafe code that a linter catches in seconds reach review and main. Add a lint step to the pull-request pipeline, e.g. `npm run lint`.',
      typecheck:
        'No CI job type-checks the TypeScript (no `tsc --noEmit`, `vue-tsc`, `svelte-check`, `next build` or a build that runs tsc), so type errors merge whenever the bundler strips types without checking them. Add `npx tsc --noEmit` (or `npm run typecheck`) to the pull-request pipeline.',
      sast:
        'No CI job runs static application security testing (CodeQL, Semgrep, Snyk Code, SonarQube, Bearer, gosec…), so injection and other vulnerable code patterns are only found by luck in review. Add a SAST job that runs on pull requests, e.g. `github/codeql-action` or `semgrep ci`.',
      dependencyScan:
        'No CI job scans dependencies for known vulnerabilities (npm audit, dependency-review-action, Snyk, Trivy, OSV-Scanner, Grype…), so a pull request can add a vulnerable package and merge unchecked; Dependabot updates do not gate a merge. Add a scan step such as `npm audit --audit-level=high` or `actions/dependency-review-action`.',
      audit:
        'CI does not run `prodgrade audit`, so the production-readiness checks in this report are not enforced on new changes and regressions come back silently. Add `npx prodgrade audit --fail-on high` (or with a baseline) to the pull-request pipeline.',
    },
    docs: {
      summary: 'CI pipelines that do not run lint, type checks, SAST, dependency scanning or this audit.',
      why: 'Each of these checks catches a class of defect cheaply and before merge: lint catches bug patterns, type checks catch broken contracts, SAST catches vulnerable code, dependency scanning catches known-vulnerable packages, and the audit keeps the production-readiness baseline from eroding.',
      howToFix:
        'Add the missing steps to the pipeline that runs on pull requests and make them required checks: `npm run lint`, `npx tsc --noEmit`, CodeQL or `semgrep ci`, `npm audit --audit-level=high` or `actions/dependency-review-action`, and `npx prodgrade audit`.',
      examples: {
        invalid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: pull_request\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npx eslint .\n      - run: npx tsc --noEmit\n      - run: npm audit --audit-level=high\n      - run: npx semgrep ci\n',
            note: 'Everything but the audit runs: one finding, `audit`.',
          },
        ],
        valid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: pull_request\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npm run verify\n      - uses: actions/dependency-review-action@3b139cfc5fae8b618d3eae3675e383bb1769c019\n      - uses: github/codeql-action/analyze@ff0a06e83cb2de871e5a09832bc6a81e7276941f\n',
            context: { 'package.json': '{ "scripts": { "verify": "biome ci . && tsc --noEmit && prodgrade audit --fail-on high" } }' },
          },
        ],
      },
      peers: ['OpenSSF Scorecard `SAST` and `Vulnerabilities` checks', 'GitLab Auto DevOps (SAST and dependency scanning templates)'],
      limitations: [
        'Checks configured outside the repository are not seen: CodeQL "default setup", Snyk or Socket GitHub apps, SonarCloud automatic analysis, required checks of another CI system.',
        'Dependabot or Renovate configuration does not count as dependency scanning: they open update pull requests but do not stop a pull request that adds a vulnerable package.',
        'Type checks are expected only when the repository contains TypeScript; other languages rely on their compilers.',
        'Each missing check is reported once, at the pipeline that runs on pull requests.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const pipelines = pipelinesOf(ctx.model);
    const primary = primaryPipeline(pipelines);
    if (!primary) {
      ctx.notApplicable('no CI configuration (reported by ci-missing)');
      return;
    }
    const present = new Set(kindSites(ctx.model).map((s) => s.kind));
    const ts = usesTypeScript(ctx.model);
    if (ts && present.has('test') && tsJestTypeChecks(ctx.model)) present.add('typecheck');
    for (const { kind, message } of checks) {
      if (present.has(kind)) continue;
      if (kind === 'typecheck' && !ts) continue;
      ctx.report({
        messageId: message,
        path: primary.path,
        range: { start: primary.anchor, end: primary.anchor + 2 },
        key: kind,
        ...(kind === 'prodgrade' ? { severity: 'low' as const } : {}),
      });
    }
  },
});
