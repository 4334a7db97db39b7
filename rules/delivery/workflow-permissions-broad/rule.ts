import { defineRule } from '../../../src/core/define-rule.js';
import { pipelinesOf } from '../_pipelines/pipelines.js';

export default defineRule({
  meta: {
    id: 'workflow-permissions-broad',
    category: 'delivery',
    checklist: 'CI-7',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      writeAll:
        '`permissions: write-all` gives {{scope}} a GITHUB_TOKEN that can push commits, publish packages and rewrite releases, so any compromised step or action can do all of that. Grant only the scopes the job uses, e.g. `contents: read` plus `packages: write` on the publishing job.',
      undeclared:
        'This workflow sets no `permissions:`, neither at the top nor on {{jobs}}, so those jobs get the repository default GITHUB_TOKEN, which is read-write on repositories created before February 2023 or set that way. Add `permissions: contents: read` at the top and grant write scopes per job.',
    },
    docs: {
      summary: 'GitHub workflows that grant `write-all`, or that leave the GITHUB_TOKEN at the repository default scopes.',
      why: 'Every step of a job, third-party actions included, can use the job\'s GITHUB_TOKEN. With write scopes a single compromised or injected step can push to branches, create releases or poison caches and packages; least privilege limits what such a step can do.',
      howToFix:
        'Put `permissions: contents: read` (or `permissions: {}`) at the top of each workflow and add the write scopes a job really needs on that job only (`packages: write`, `id-token: write`, `pull-requests: write`…).',
      examples: {
        invalid: [
          {
            file: '.github/workflows/release.yml',
            code: 'on:\n  push:\n    tags: ["v*"]\npermissions: write-all\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n',
          },
        ],
        valid: [
          {
            file: '.github/workflows/release.yml',
            code: 'on:\n  push:\n    tags: ["v*"]\npermissions:\n  contents: read\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n      id-token: write\n    steps:\n      - run: npm publish --provenance\n',
          },
        ],
      },
      peers: ['zizmor `excessive-permissions`', 'Checkov CKV2_GHA_1 (top-level permissions not write-all)', 'OpenSSF Scorecard `Token-Permissions`'],
      limitations: [
        'The repository or organization default token permission is a setting outside the code: a workflow without `permissions:` is reported at low severity and low confidence, since on repositories with the read-only default it is harmless.',
        'Workflows that only run as reusable workflows (`on: workflow_call`) take their caller\'s permissions and are not reported for leaving them undeclared.',
        'Whether a declared write scope is really needed is not judged; only `write-all` is reported.',
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
      if (wf.permissions?.writeAll) {
        ctx.report({ messageId: 'writeAll', data: { scope: 'every job of this workflow' }, path: wf.path, range: { start: wf.permissions.offset, end: wf.permissions.offset + 'permissions'.length } });
      }
      for (const job of wf.jobs) {
        if (job.permissions?.writeAll) {
          ctx.report({ messageId: 'writeAll', data: { scope: `job \`${job.id}\`` }, path: job.path, range: { start: job.permissions.offset, end: job.permissions.offset + 'permissions'.length } });
        }
      }
      if (wf.permissions || wf.jobs.length === 0) continue;
      if (wf.triggers.length > 0 && wf.triggers.every((t) => t === 'workflow_call')) continue;
      const bare = wf.jobs.filter((j) => !j.permissions);
      if (bare.length === 0) continue;
      const names = bare.map((j) => `\`${j.id}\``);
      ctx.report({
        messageId: 'undeclared',
        data: { jobs: `${bare.length === 1 ? 'job' : 'jobs'} ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}` },
        path: wf.path,
        range: { start: wf.anchor, end: wf.anchor + 2 },
        severity: 'low',
        confidence: 'low',
      });
    }
  },
});
