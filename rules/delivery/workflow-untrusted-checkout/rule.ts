import { defineRule } from '../../../src/core/define-rule.js';
import { pipelinesOf } from '../_pipelines/pipelines.js';
import { commandsIn } from '../_pipelines/shell.js';

/** Triggers whose runs hold the base repository's secrets and a write-capable token while reacting to outsiders. */
const privileged = ['pull_request_target', 'workflow_run', 'issue_comment', 'pull_request_review', 'pull_request_review_comment'];

/** Expressions naming the head of an outsider's pull request (or the run it triggered). */
const untrustedRef =
  /\$\{\{[^}]*(?:github\.event\.pull_request\.head\.(?:sha|ref)|github\.event\.pull_request\.merge_commit_sha|github\.head_ref|github\.event\.workflow_run\.(?:head_sha|head_branch|head_commit\.id)|github\.event\.pull_request\.head\.repo\.full_name|github\.event\.workflow_run\.head_repository\.full_name|github\.event\.issue\.number|github\.event\.number|github\.event\.pull_request\.number)[^}]*\}\}/;

function isCheckout(uses: string): boolean {
  return /^actions\/checkout@/i.test(uses);
}

export default defineRule({
  meta: {
    id: 'workflow-untrusted-checkout',
    category: 'delivery',
    checklist: 'CI-7',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      checkout:
        'This `{{trigger}}` workflow checks out the pull request\'s own code ({{what}}) while it runs with the base repository\'s secrets and a write-capable token, so anyone who opens a pull request from a fork can run their build scripts with them (a "pwn request"). Build untrusted code in a `pull_request` workflow and pass results to the privileged one as artifacts.',
    },
    docs: {
      summary: 'Privileged GitHub workflows (`pull_request_target`, `workflow_run`, `issue_comment`) that check out and run a pull request\'s code.',
      why: 'Unlike `pull_request`, these triggers run in the context of the base repository: secrets are available and the GITHUB_TOKEN can write. Checking out the contributor\'s head and then installing, building or testing it runs the contributor\'s code (package scripts, test files, build config) with those privileges.',
      howToFix:
        'Run untrusted code only in `on: pull_request` workflows (read-only token, no secrets). If a privileged step is needed (commenting, labelling), split the work: a `pull_request` workflow uploads results as an artifact and a `workflow_run` workflow reads the artifact as data, never checking out or executing the head.',
      examples: {
        invalid: [
          {
            file: '.github/workflows/preview.yml',
            code: 'on: pull_request_target\njobs:\n  preview:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: npm ci && npm run build\n',
          },
        ],
        valid: [
          {
            file: '.github/workflows/label.yml',
            code: 'on: pull_request_target\npermissions:\n  pull-requests: write\njobs:\n  label:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n      - uses: actions/labeler@8558fd74291d67161a8a78ce36a881fa63b766a9\n',
            note: 'Without `ref:` the checkout is the base branch, whose code the maintainers control.',
          },
        ],
      },
      peers: ['zizmor `dangerous-triggers` (reports every such trigger)', 'CodeQL `actions/untrusted-checkout`', 'poutine `untrusted_checkout_exec`'],
      limitations: [
        'Only checkouts whose ref comes from the event are recognised (`actions/checkout` `ref:`/`repository:`, `gh pr checkout`, `git fetch … pull/…`); a ref passed through step outputs or inputs is not followed.',
        'Gating the job on a label or an environment approval narrows but does not remove the risk (the head can change after approval), so such jobs are still reported.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const workflows = pipelinesOf(ctx.model).filter((p) => p.provider === 'github' && p.kind === 'workflow');
    if (workflows.length === 0) {
      ctx.notApplicable('no GitHub Actions workflows');
      return;
    }
    for (const wf of workflows) {
      const trigger = wf.triggers.find((t) => privileged.includes(t));
      if (!trigger) continue;
      for (const job of wf.jobs) {
        job.steps.forEach((step, index) => {
          const runsLater = job.steps.slice(index + 1).some((s) => s.run !== undefined || (s.uses && !isCheckout(s.uses.value) && !/^actions\/(?:upload|download)-artifact@/i.test(s.uses.value)));
          const confidence = runsLater ? 'high' : 'medium';
          if (step.uses && isCheckout(step.uses.value)) {
            for (const key of ['ref', 'repository']) {
              const input = step.with[key];
              const match = input && untrustedRef.exec(input.text);
              if (!input || !match) continue;
              const start = input.offsetAt(match.index);
              ctx.report({ messageId: 'checkout', data: { trigger, what: `\`${key}: ${match[0]}\`` }, path: step.path, range: { start, end: start + match[0].length }, confidence });
              return;
            }
          }
          if (!step.run) return;
          for (const inv of commandsIn(step.run.text)) {
            const [bin, sub, third] = inv.argv;
            const raw = step.run.text.slice(inv.start, inv.end);
            const prCheckout = bin === 'gh' && sub === 'pr' && third === 'checkout';
            const fetchPull = bin === 'git' && (sub === 'fetch' || sub === 'pull') && /(?:^|\s|:)(?:refs\/)?pull\/(?:\$\{\{[^}]*\}\}|\S)*\/(?:head|merge)\b/.test(raw);
            const checkoutHead = bin === 'git' && (sub === 'checkout' || sub === 'switch' || sub === 'reset') && untrustedRef.test(raw);
            if (prCheckout || fetchPull || checkoutHead) {
              const start = step.run.offsetAt(inv.start);
              ctx.report({ messageId: 'checkout', data: { trigger, what: `\`${inv.argv.slice(0, 4).join(' ')}\`` }, path: step.path, range: { start, end: start + 1 }, confidence });
              return;
            }
          }
        });
      }
    }
  },
});
