import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { defineRule, type AnyRule } from '../../src/core/define-rule.js';
import { option } from '../../src/core/options.js';
import { resolveConfig } from '../../src/audit/config.js';
import { runAudit, type AuditRequest } from '../../src/audit/engine.js';
import type { Report } from '../../src/audit/report.js';

const created: string[] = [];

/** A fresh temporary directory (real path, so reported roots compare equal); removed by `removeTempDirs`. */
export function tempDir(prefix = 'prodgrade-test-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes files (path → content) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The text of every file under `root`, by path relative to it: the inverse of `writeTree`, e.g. to copy a fixture. */
export function readTree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else files[relative(root, path)] = readFileSync(path, 'utf8');
    }
  };
  visit(root);
  return files;
}

/** Every entry under `root` (dot folders such as .git included, links not followed): type, size, mtime and mode. */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const s = lstatSync(abs);
      const type = s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : s.isFile() ? 'file' : 'other';
      out.set(path, `${type} size=${type === 'dir' ? '-' : s.size} mtime=${s.mtimeMs} mode=${s.mode.toString(8)}`);
      if (s.isDirectory()) visit(abs, path);
    }
  };
  visit(root, '');
  return out;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `git init` + one commit of everything in `dir`. */
export function commitAll(dir: string, message = 'initial'): void {
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}

const docs = {
  summary: 'Test-only rule.',
  why: 'Exercises the engine without depending on the shipped rules.',
  howToFix: 'Nothing to fix: this rule exists only in tests.',
  examples: { invalid: [], valid: [] },
};

/** A line-based file rule for every language: one finding per line containing the word (default `FLAG`). */
export const flagRule = defineRule({
  meta: {
    id: 'test-flag',
    category: 'operations',
    checklist: 'OPS-1',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: { flag: 'The line contains the marker {{word}}; a test rule reports it so the engine has findings to work on.' },
    options: { word: option.string('The word to flag.', 'FLAG') },
    docs,
  },
  scope: 'file',
  files: {},
  check(ctx) {
    const word = ctx.options.word;
    const text = ctx.file.text;
    for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + word.length)) {
      ctx.report({ messageId: 'flag', data: { word }, line: ctx.position(at).line });
    }
  },
});

/** An AST rule: every `TODO` identifier in TypeScript/JavaScript. */
export const todoRule = defineRule({
  meta: {
    id: 'test-todo',
    category: 'observability',
    checklist: 'OBS-6',
    severity: 'low',
    confidence: 'high',
    stability: 'experimental',
    messages: { todo: 'A TODO identifier is used here; a test rule reports it so the AST walk has something to find.' },
    docs,
  },
  scope: 'file',
  files: { languages: ['ts'] },
  check(ctx) {
    return {
      Identifier(node) {
        if (node.getText() === 'TODO') ctx.report({ messageId: 'todo', node });
      },
    };
  },
});

/** A repository rule: a finding without location when there is no README.md at the root. */
export const readmeRule = defineRule({
  meta: {
    id: 'test-readme',
    category: 'operations',
    checklist: 'OPS-2',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: { missing: 'There is no README.md at the root; a test rule reports it as a repository-level finding.' },
    docs,
  },
  scope: 'repository',
  check(ctx) {
    if (!ctx.model.has('README.md')) ctx.report({ messageId: 'missing' });
  },
});

/** A repository rule that asks git: a finding on `secret.env` while git tracks it. */
export const trackedRule = defineRule({
  ...readmeRule,
  meta: { ...readmeRule.meta, id: 'test-tracked' },
  scope: 'repository',
  async check(ctx) {
    if ((await ctx.model.tracked())?.has('secret.env')) ctx.report({ messageId: 'missing', path: 'secret.env' });
  },
});

export const testRules: readonly AnyRule[] = [flagRule, todoRule, readmeRule];

/** runAudit in-process with the given rules and raw configuration; no cache and no workers unless asked. */
export async function audit(root: string, rules: readonly AnyRule[] = testRules, raw?: unknown, request: Partial<AuditRequest> = {}): Promise<Report> {
  return runAudit({ root, config: resolveConfig(raw, 'test', rules), cache: false, workers: 0, today: '2026-01-01', ...request });
}

/** "path:line ruleId" of each non-internal finding, sorted. */
export function keys(report: Report): string[] {
  return report.findings
    .filter((f) => !f.internal)
    .map((f) => `${f.location ? `${f.location.path}:${f.location.startLine}` : '(repository)'} ${f.ruleId}`)
    .sort();
}
