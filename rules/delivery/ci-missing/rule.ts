import { defineRule } from '../../../src/core/define-rule.js';
import { isMap, isNode, isScalar } from 'yaml';
import type { RepoModel } from '../../../src/audit/model.js';

/** CI systems recognised by their configuration file. */
const ciFiles: Array<{ system: string; test: RegExp }> = [
  { system: 'GitHub Actions', test: /^\.github\/workflows\/[^/]+\.ya?ml$/ },
  { system: 'GitLab CI', test: /^\.gitlab-ci\.ya?ml$/ },
  { system: 'CircleCI', test: /^\.circleci\/config\.ya?ml$/ },
  { system: 'Bitbucket Pipelines', test: /^bitbucket-pipelines\.ya?ml$/ },
  { system: 'Azure Pipelines', test: /^(?:azure-pipelines|\.azure-pipelines\/[^/]+)\.ya?ml$/ },
  { system: 'Jenkins', test: /^Jenkinsfile$/ },
  { system: 'Travis CI', test: /^\.travis\.ya?ml$/ },
  { system: 'Buildkite', test: /^\.buildkite\/pipeline\.ya?ml$/ },
  { system: 'Drone', test: /^\.drone\.ya?ml$/ },
  { system: 'Woodpecker', test: /^\.woodpecker(?:\.ya?ml|\/[^/]+\.ya?ml)$/ },
  { system: 'Google Cloud Build', test: /^cloudbuild\.ya?ml$/ },
  { system: 'AWS CodeBuild', test: /^buildspec\.ya?ml$/ },
];

/** Events that run a GitHub workflow for proposed or landed changes. */
const changeEvents = ['push', 'pull_request', 'pull_request_target', 'merge_group'];

interface Triggers {
  events: string[];
  /** Offset of the `on:` key, where a finding points. */
  offset: number | undefined;
}

function githubTriggers(model: RepoModel, path: string): Triggers {
  const doc = model.yaml(path)?.documents[0];
  const contents = doc?.contents;
  if (!isMap(contents)) return { events: [], offset: undefined };
  const pair = contents.items.find((p) => isScalar(p.key) && (p.key.value === 'on' || p.key.value === true));
  const offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  const on: unknown = isNode(pair?.value) ? pair.value.toJSON() : undefined;
  const events =
    typeof on === 'string' ? [on] : Array.isArray(on) ? on.filter((e): e is string => typeof e === 'string') : on && typeof on === 'object' ? Object.keys(on) : [];
  return { events, offset };
}

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
    const found = ctx.model.files.filter((f) => ciFiles.some((c) => c.test.test(f.path)));
    if (found.length === 0) {
      ctx.report({ messageId: 'missing' });
      return;
    }
    const workflows = found.filter((f) => f.path.startsWith('.github/workflows/'));
    if (workflows.length !== found.length) return; // another CI system is configured
    const triggers = workflows.map((f) => ({ path: f.path, ...githubTriggers(ctx.model, f.path) }));
    const events = triggers.flatMap((t) => t.events);
    if (!events.some((t) => changeEvents.includes(t))) {
      const first = triggers[0]!;
      ctx.report({
        messageId: 'notOnChanges',
        data: { triggers: [...new Set(events)].join(', ') || 'none' },
        path: first.path,
        ...(first.offset !== undefined ? { range: { start: first.offset, end: first.offset + 2 } } : { line: 1 }),
      });
    }
  },
});
