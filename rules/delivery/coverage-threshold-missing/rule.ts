import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { kindSites, type KindSite } from '../_pipelines/kinds.js';
import { allSteps, pipelinesOf, runsOnChanges } from '../_pipelines/pipelines.js';

type Runner = 'vitest' | 'jest' | 'mocha' | 'node' | 'bun' | 'pytest' | 'go';

function runnerOf(argv: readonly string[]): Runner | undefined {
  const bin = (argv[0] ?? '').replace(/^.*\//, '');
  const rest = argv.slice(1);
  if (bin === 'vitest') return 'vitest';
  if (bin === 'jest' || ((bin === 'react-scripts' || bin === 'craco') && rest[0] === 'test')) return 'jest';
  if (bin === 'mocha' || bin === 'ava' || bin === 'tap' || bin === 'c8' || bin === 'nyc') return 'mocha';
  if ((bin === 'node' || bin === 'tsx') && rest.includes('--test')) return 'node';
  if (bin === 'bun' && rest[0] === 'test') return 'bun';
  if (bin === 'pytest' || bin === 'py.test') return 'pytest';
  if (bin === 'go' && rest[0] === 'test') return 'go';
  return undefined;
}

/** Threshold flags given on the command line of the test run itself. */
function thresholdFlag(argv: readonly string[]): boolean {
  return argv.some((a) =>
    /^--(?:coverage\.thresholds?\.|coverage\.(?:lines|branches|functions|statements)=|coverageThreshold|check-coverage|test-coverage-(?:lines|branches|functions)=|cov-fail-under)/.test(a),
  );
}

const thresholdInConfig: Record<Exclude<Runner, 'go'>, { files: RegExp; text: RegExp; manifestKey?: string }> = {
  vitest: { files: /(?:^|\/)(?:vitest|vite)\.(?:config|workspace)(?:\.[\w-]+)?\.[cm]?[jt]s$|(?:^|\/)vitest\.(?:workspace|projects)\.(?:json|[cm]?[jt]s)$/, text: /\bthresholds?\s*:|\bcoverage\s*:\s*\{[^}]*\b(?:lines|branches|functions|statements)\s*:\s*\d/s },
  jest: { files: /(?:^|\/)jest\.config(?:\.[\w-]+)?\.(?:[cm]?[jt]s|json)$/, text: /\bcoverageThreshold\b/, manifestKey: 'jest' },
  mocha: { files: /(?:^|\/)\.(?:nycrc|c8rc)(?:\.(?:json|ya?ml))?$|(?:^|\/)(?:nyc|c8)\.config\.[cm]?js$/, text: /check-coverage["']?\s*[:=]\s*true|checkCoverage\s*:\s*true/, manifestKey: 'nyc|c8' },
  node: { files: /^$/, text: /^$/ },
  bun: { files: /(?:^|\/)bunfig\.toml$/, text: /coverageThreshold/ },
  pytest: { files: /(?:^|\/)(?:\.coveragerc|setup\.cfg|tox\.ini|pyproject\.toml|pytest\.ini)$/, text: /\bfail_under\b|--cov-fail-under/ },
};

function configHasThreshold(model: RepoModel, runner: Runner): boolean {
  if (runner === 'go') return model.files.some((f) => /(?:^|\/)\.testcoverage\.ya?ml$/.test(f.path));
  const spec = thresholdInConfig[runner];
  if (model.files.some((f) => spec.files.test(f.path) && spec.text.test(model.text(f.path) ?? ''))) return true;
  if (spec.manifestKey) {
    const keys = spec.manifestKey.split('|');
    for (const { manifest } of model.manifests()) {
      for (const key of keys) {
        const config = manifest[key];
        if (config && typeof config === 'object' && /coverageThreshold|"check-coverage":true|checkCoverage/.test(JSON.stringify(config))) return true;
      }
    }
  }
  return false;
}

/** Coverage gates outside the runner: Codecov targets, coverage actions with a minimum, explicit check commands. */
function externalGate(model: RepoModel): boolean {
  const codecov = model.files.some((f) => /^(?:\.github\/)?\.?codecov\.ya?ml$/.test(f.path) && /\btarget\s*:/.test(model.text(f.path) ?? ''));
  if (codecov) return true;
  for (const { step } of allSteps(pipelinesOf(model))) {
    if (Object.keys(step.with).some((k) => /min(?:imum)?[-_]?coverage|fail[-_]?below|fail[-_]?under|threshold/i.test(k))) return true;
    const run = step.run?.text ?? '';
    if (/\b(?:nyc|c8)\s+check-coverage\b|--cov-fail-under|--check-coverage|go-test-coverage|coverage\s+report\s+--fail-under|diff-cover\s+.*--fail-under/.test(run)) return true;
    if (/go tool cover/.test(run) && /-lt\b|-gt\b|<|>|\bbc\b|threshold/i.test(run)) return true;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'coverage-threshold-missing',
    category: 'delivery',
    checklist: 'CI-2',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noThreshold:
        'CI runs the {{runner}} tests here but no coverage threshold is enforced ({{looked}}), so coverage can fall release after release without failing a build. Set a minimum the build must meet, e.g. {{fix}}.',
    },
    docs: {
      summary: 'CI runs tests, but nothing fails the build when coverage drops below a threshold.',
      why: 'Without a threshold, coverage is a number nobody is forced to look at: untested code merges silently and the suite slowly stops protecting the code it was written for. A gate in CI turns the number into a rule.',
      howToFix:
        'Vitest: `test.coverage.thresholds: { lines: 80, branches: 75 }`; Jest: `coverageThreshold: { global: { lines: 80 } }`; c8/nyc: `--check-coverage --lines 80`; pytest: `--cov-fail-under=80` or `fail_under` in `.coveragerc`; Go: a `go-test-coverage` config with a threshold; or a Codecov `target`. Start at the current value and raise it over time.',
      examples: {
        invalid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npx vitest run --coverage\n',
            context: { 'vitest.config.ts': "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { coverage: { provider: 'v8' } } });\n" },
          },
        ],
        valid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npx vitest run --coverage\n',
            context: { 'vitest.config.ts': "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { coverage: { provider: 'v8', thresholds: { lines: 80, branches: 75 } } } });\n" },
          },
        ],
      },
      peers: ['Codecov / Coveralls status checks (configured in their services)', 'SonarQube quality gate coverage conditions'],
      limitations: [
        'Judged for Vitest, Jest, mocha/ava/tap through nyc or c8, `node --test`, `bun test`, pytest and `go test`; other runners (JUnit/JaCoCo, RSpec/SimpleCov, cargo…) are not assessed.',
        'Gates configured only in a hosted service (Coveralls, SonarQube quality gates, Codecov settings in its UI) are not seen.',
        'Any threshold anywhere in a runner\'s configuration counts, whatever its value.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const tests = kindSites(ctx.model).filter((s) => s.kind === 'test' && runsOnChanges(s.pipeline));
    if (tests.length === 0) {
      ctx.notApplicable('CI runs no tests (see ci-tests-missing)');
      return;
    }
    const judged: Array<{ site: KindSite; runner: Runner }> = [];
    for (const site of tests) {
      const runner = site.argv ? runnerOf(site.argv) : undefined;
      if (runner) judged.push({ site, runner });
    }
    if (judged.length === 0) {
      ctx.notApplicable('no test runner whose coverage configuration prodgrade can read');
      return;
    }
    if (judged.some((j) => thresholdFlag(j.site.argv ?? [])) || externalGate(ctx.model)) return;
    const missing = judged.find((j) => !configHasThreshold(ctx.model, j.runner));
    if (!missing) return;
    const fix: Record<Runner, string> = {
      vitest: '`coverage: { thresholds: { lines: 80 } }` in vitest.config',
      jest: '`coverageThreshold: { global: { lines: 80 } }` in the Jest config',
      mocha: '`c8 --check-coverage --lines 80` (or `check-coverage: true` in .nycrc)',
      node: '`node --test --experimental-test-coverage --test-coverage-lines=80`',
      bun: '`coverageThreshold = 0.8` under `[test]` in bunfig.toml',
      pytest: '`--cov-fail-under=80` or `fail_under = 80` in the coverage config',
      go: 'a `.testcoverage.yml` with `threshold: { total: 80 }` checked by go-test-coverage',
    };
    const looked: Record<Runner, string> = {
      vitest: 'no `thresholds` in any vite/vitest config, no threshold flag',
      jest: 'no `coverageThreshold` in jest.config or package.json, no threshold flag',
      mocha: 'no `check-coverage` in .nycrc/.c8rc or package.json, no threshold flag',
      node: 'no `--test-coverage-*` threshold flag',
      bun: 'no `coverageThreshold` in bunfig.toml',
      pytest: 'no `--cov-fail-under` and no `fail_under` in the coverage config',
      go: 'no coverage check after `go test`',
    };
    ctx.report({
      messageId: 'noThreshold',
      data: { runner: missing.runner === 'mocha' ? 'JavaScript' : missing.runner === 'node' ? 'node --test' : missing.runner, looked: `${looked[missing.runner]}, no Codecov target`, fix: fix[missing.runner] },
      path: missing.site.path,
      range: { start: missing.site.offset, end: missing.site.end },
    });
  },
});
