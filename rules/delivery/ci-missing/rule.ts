import { defineRule } from '../../../src/core/define-rule.js';
import { pipelinesOf } from '../_pipelines/pipelines.js';

/** CI systems the shared pipeline reader does not parse, recognised by their configuration file. */
const otherCiFiles: Array<{ system: string; test: RegExp }> = [
  { system: 'Jenkins', test: /^Jenkinsfile$/ },
  { system: 'Buildkite', test: /^\.buildkite\/pipeline\.ya?ml$/ },
  { system: 'Drone', test: /^\.drone\.ya?ml$/ },
  { system: 'Woodpecker', test: /^\.woodpecker(?:\.ya?ml|\/[^/]+\.ya?ml)$/ },
  { system: 'Google Cloud Build', test: /^cloudbuild\.ya?ml$/ },
  { system: 'AWS CodeBuild', test: /^buildspec\.ya?ml$/ },
];

/** Events that run a GitHub workflow for proposed or landed changes. */
const changeEvents = ['push', 'pull_request', 'pull_request_target', 'merge_group'];

export default defineRule({
  meta: {
    id: 'ci-missing',
    category: 'delivery',
    checklist: 'CI-1',
    severity: 'high',
    confidence: 'high',
    stability: 'stable',
    messages: {
      missing:
        'No CI configuration was found, so changes reach main without automated tests or checks. Add a pipeline that runs on every pull request and on main.',
      notOnChanges:
        'No GitHub Actions workflow runs on pull requests or pushes (triggers seen: {{triggers}}), so changes are merged unchecked. Add `on: [pull_request, push]` to the CI workflow.',
    },
    docs: {
      summary: 'The repository has no CI pipeline that runs on pull requests and pushes.',
      why: 'Without CI, nothing proves a change builds, passes its tests or keeps the security checks green before it ships; every other delivery item depends on a pipeline existing.',
      howToFix:
        'Add a pipeline (e.g. `.github/workflows/ci.yml` or `.gitlab-ci.yml`) that runs on every pull request and on pushes to the main branch.',
      examples: {
        invalid: [{ file: '.github/workflows/release.yml', code: 'on:\n  workflow_dispatch: {}\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n' }],
        valid: [{ file: '.github/workflows/ci.yml', code: 'on:\n  pull_request:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci && npm test\n' }],
      },
      peers: [],
      limitations: ['CI configured outside the repository (e.g. a Jenkins job defined in its UI) cannot be seen.'],
    },
  },
  scope: 'repository',
  check(ctx) {
    // GitHub Actions, GitLab CI, CircleCI, Bitbucket, Azure Pipelines and Travis CI come from the shared reader (composite
    // actions are not pipelines of their own).
    const pipelines = pipelinesOf(ctx.model).filter((p) => p.kind === 'workflow');
    const others = ctx.model.files.filter((f) => otherCiFiles.some((c) => c.test.test(f.path)));
    if (pipelines.length === 0 && others.length === 0) {
      ctx.report({ messageId: 'missing' });
      return;
    }
    if (others.length > 0 || pipelines.some((p) => p.provider !== 'github')) return; // another CI system is configured
    const events = pipelines.flatMap((p) => p.triggers);
    if (!events.some((t) => changeEvents.includes(t))) {
      const first = pipelines[0]!;
      ctx.report({
        messageId: 'notOnChanges',
        data: { triggers: [...new Set(events)].join(', ') || 'none' },
        path: first.path,
        range: { start: first.anchor, end: first.anchor + 2 },
      });
    }
  },
});
