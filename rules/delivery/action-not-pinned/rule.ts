import { defineRule } from '../../../src/core/define-rule.js';
import { option } from '../../../src/core/options.js';
import { pipelinesOf, type Located } from '../_pipelines/pipelines.js';

const fullSha = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const githubOwned = /^(?:actions|github)\//i;

/** `owner/*` covers the owner's repositories; `owner/repo` covers the repository and actions in its sub-folders. */
function allowed(name: string, patterns: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return patterns.some((raw) => {
    const p = raw.toLowerCase().replace(/\/$/, '');
    if (p === '*') return true;
    if (p.endsWith('/*')) return lower.startsWith(p.slice(0, -1));
    return lower === p || lower.startsWith(`${p}/`);
  });
}

export default defineRule({
  meta: {
    id: 'action-not-pinned',
    category: 'delivery',
    checklist: 'CI-7',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      thirdParty:
        'Action `{{uses}}` is pinned to `{{ref}}`, a tag or branch that its owner can move, so the code this job runs with its token and secrets can change without a change here (as in the tj-actions/changed-files compromise). Pin the full 40-character commit SHA and keep the version in a comment: `@<sha> # {{ref}}`.',
      githubOwned:
        'GitHub-owned action `{{uses}}` is pinned to the movable ref `{{ref}}` rather than a commit SHA, so what runs can change without a change in this repository. Pin the commit SHA (`@<sha> # {{ref}}`), or list `actions/*` in the `allowRefPinned` option if you accept GitHub tags.',
      dockerImage:
        '`uses: {{uses}}` runs a container image by a movable tag, so the step can run different code on the next run without any change here. Pin the image by digest: `docker://image@sha256:<digest>`.',
    },
    options: {
      allowRefPinned: option.stringList(
        'Action owners or repositories (`actions/*`, `my-org/*`, `owner/repo`) whose tag or branch refs are accepted without a commit SHA.',
        [],
      ),
    },
    docs: {
      summary: 'GitHub Actions `uses:` references that are not pinned to a full commit SHA (or a container digest).',
      why: 'Tags and branches of an action repository can be moved by whoever controls it. A compromised or hijacked action then runs inside your workflow with its GITHUB_TOKEN and every secret the job can read; pinning to a commit SHA makes what runs a reviewed, immutable choice.',
      howToFix:
        'Replace `owner/repo@v4` with `owner/repo@<40-hex commit SHA> # v4.x.y` (tools such as pinact, zizmor --fix or Renovate\'s `helpers:pinGitHubActionDigests` do it for every workflow) and let Dependabot or Renovate bump the SHAs. Pin `docker://` steps by `@sha256:` digest.',
      examples: {
        invalid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - uses: pnpm/action-setup@v4\n',
          },
        ],
        valid: [
          {
            file: '.github/workflows/ci.yml',
            code: 'on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - uses: ./.github/actions/setup\n      - uses: docker://node@sha256:0c3e1e5dba3e1c3b4f0f1e1d0d8c6fbd8b0b5f8f8e1c2d3a4b5c6d7e8f9a0b1c\n',
          },
        ],
      },
      peers: ['zizmor `unpinned-uses` (its default since v1.20 is hash-pinning for every action)', 'OpenSSF Scorecard `Pinned-Dependencies`', 'pinact (fixes the pins)'],
      limitations: [
        'By default every non-local action must be SHA-pinned, GitHub-owned `actions/*` and `github/*` included (reported at low severity); allow owners you trust with `allowRefPinned`.',
        'Whether the SHA belongs to the named repository (zizmor `impostor-commit`) needs the network and is not checked.',
        'Only GitHub Actions: GitLab `include: project/ref`, CircleCI orbs and Bitbucket pipes are versioned by their own registries and are not checked.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const pipelines = pipelinesOf(ctx.model).filter((p) => p.provider === 'github');
    if (pipelines.length === 0) {
      ctx.notApplicable('no GitHub Actions workflows or composite actions');
      return;
    }
    const seen = new Set<string>();
    const check = (path: string, uses: Located): void => {
      const key = `${path}:${uses.offset}`;
      if (seen.has(key)) return;
      seen.add(key);
      const value = uses.value.trim();
      if (value.startsWith('./') || value.includes('${{')) return;
      const range = { start: uses.offset, end: uses.end };
      if (value.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/.test(value)) ctx.report({ messageId: 'dockerImage', data: { uses: value }, path, range });
        return;
      }
      const at = value.lastIndexOf('@');
      const name = at === -1 ? value : value.slice(0, at);
      const ref = at === -1 ? '(no ref)' : value.slice(at + 1);
      if (fullSha.test(ref) || allowed(name, ctx.options.allowRefPinned)) return;
      if (githubOwned.test(name)) ctx.report({ messageId: 'githubOwned', data: { uses: name, ref }, path, range, severity: 'low' });
      else ctx.report({ messageId: 'thirdParty', data: { uses: name, ref }, path, range });
    };
    for (const pipeline of pipelines) {
      for (const job of pipeline.jobs) {
        if (job.uses) check(job.path, job.uses);
        for (const step of job.steps) if (step.uses) check(step.path, step.uses);
      }
    }
  },
});
