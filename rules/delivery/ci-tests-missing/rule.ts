import { defineRule } from '../../../src/core/define-rule.js';
import { kindSites } from '../_pipelines/kinds.js';
import { pipelinesOf, primaryPipeline, runsOnChanges } from '../_pipelines/pipelines.js';

export default defineRule({
  meta: {
    id: 'ci-tests-missing',
    category: 'delivery',
    checklist: 'CI-2',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noTests:
        'No CI job runs the tests (read {{pipelines}}, following package scripts, turbo, nx, make and shell scripts), so a change that breaks behaviour merges as long as it builds. Add a step that runs the suite on every pull request, e.g. `npm test` or `npx vitest run`.',
      onlyOffChanges:
        'Tests run only in pipelines that do not run on pull requests or pushes ({{where}}), so changes are merged before the tests see them. Run the same test command in the pipeline that checks pull requests.',
    },
    docs: {
      summary: 'CI configurations that never run the test suite on pull requests or pushes.',
      why: 'A pipeline that installs and builds but does not test only proves that the code compiles. Regressions then reach the main branch and production, and are found by users rather than by the build.',
      howToFix:
        'Add a test step to the pipeline that runs on pull requests (`npm test`, `pnpm -r test`, `npx vitest run`, `go test ./...`, `pytest`…), make it a required status check, and run integration tests against real services (e.g. a `postgres` service container).',
      examples: {
        invalid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npm run lint\n      - run: npm run build\n',
            context: { 'package.json': '{ "scripts": { "lint": "eslint .", "build": "tsc -p .", "test": "vitest run" } }' },
          },
        ],
        valid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: npm run check\n',
            context: { 'package.json': '{ "scripts": { "check": "npm run lint && npm run test:ci", "lint": "eslint .", "test:ci": "vitest run --coverage" } }' },
            note: 'The test run is found through the `check` and `test:ci` scripts.',
          },
        ],
      },
      peers: ['OpenSSF Scorecard `CI-Tests` (looks at CI runs on merged PRs through the API)'],
      limitations: [
        'Tests that run only in a system outside the repository (a Jenkins job configured in its UI, a hosted test service) are not seen.',
        'Test commands are recognised by tool (vitest, jest, mocha, playwright, node --test, go test, pytest, cargo test, mvn verify, gradle test…) and by task names such as `test`, `test:ci`, `e2e` when their definitions are not in the repository.',
        'A `test` script that is the npm placeholder (`echo "Error: no test specified"`) does not count.',
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
    const tests = kindSites(ctx.model).filter((s) => s.kind === 'test');
    if (tests.some((s) => runsOnChanges(s.pipeline))) return;
    const range = { start: primary.anchor, end: primary.anchor + 2 };
    if (tests.length > 0) {
      const where = [...new Set(tests.map((s) => `${s.path} (${s.pipeline.triggers.join(', ') || 'no trigger'})`))].slice(0, 3).join('; ');
      ctx.report({ messageId: 'onlyOffChanges', data: { where }, path: primary.path, range, severity: 'medium' });
      return;
    }
    const files = [...new Set(pipelines.map((p) => p.path))];
    ctx.report({ messageId: 'noTests', data: { pipelines: files.length > 3 ? `${files.length} CI files` : files.join(', ') }, path: primary.path, range });
  },
});
