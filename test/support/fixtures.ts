import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AnyRule } from '../../src/core/define-rule.js';
import { resolveConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/engine.js';
import type { Report } from '../../src/audit/report.js';

export const rulesRoot = join(import.meta.dirname, '..', '..', 'rules');

export interface RuleFolder {
  id: string;
  category: string;
  dir: string;
}

/** Every `rules/<category>/<id>/` folder that holds a rule.ts. */
export function ruleFolders(): RuleFolder[] {
  const out: RuleFolder[] = [];
  for (const category of readdirSync(rulesRoot)) {
    const catDir = join(rulesRoot, category);
    if (!statSync(catDir).isDirectory()) continue;
    for (const id of readdirSync(catDir)) {
      const dir = join(catDir, id);
      if (existsSync(join(dir, 'rule.ts'))) out.push({ id, category, dir });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export function fixtureDirs(rule: RuleFolder): Array<{ name: string; dir: string; kind: 'invalid' | 'valid' }> {
  const base = join(rule.dir, 'fixtures');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((name) => /^(invalid|valid)-/.test(name) && statSync(join(base, name)).isDirectory())
    .map((name) => ({ name, dir: join(base, name), kind: name.startsWith('invalid-') ? ('invalid' as const) : ('valid' as const) }));
}

function walkFiles(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(p, root));
    else if (entry.isFile()) out.push(relative(root, p).split('\\').join('/'));
  }
  return out;
}

const annotation = /(?:\/\/|#|--|\/\*|<!--|\{\/\*)\s*(ruleid|ok):\s*([a-z0-9-]+)/;

/**
 * Expected findings of one fixture repository, as "path:line" keys (a multiset, sorted): a `ruleid: <id>` comment
 * expects a finding on the next line that is not itself an annotation; `expect.json` lists findings about a
 * missing file or the repository (`{ "path": null }`) or a whole file (`{ "path": "x", "line": 1 }`).
 */
export function expectedFindings(dir: string, ruleId: string): { expected: string[]; okMarkers: number } {
  const expected: string[] = [];
  let okMarkers = 0;
  for (const path of walkFiles(dir)) {
    if (path === 'expect.json') continue;
    const lines = readFileSync(join(dir, path), 'utf8').split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) {
      const m = annotation.exec(lines[i]!);
      if (!m || m[2] !== ruleId) continue;
      if (m[1] === 'ok') {
        okMarkers++;
        continue;
      }
      let target = i + 1;
      while (target < lines.length && annotation.test(lines[target]!)) target++;
      expected.push(`${path}:${target + 1}`);
    }
  }
  const expectFile = join(dir, 'expect.json');
  if (existsSync(expectFile)) {
    const extra = JSON.parse(readFileSync(expectFile, 'utf8')) as Array<{ path: string | null; line?: number }>;
    for (const e of extra) expected.push(e.path === null ? '(repository)' : `${e.path}:${e.line ?? 1}`);
  }
  return { expected: expected.sort(), okMarkers };
}

export function findingKeys(report: Report, ruleId: string): string[] {
  return report.findings
    .filter((f) => f.ruleId === ruleId)
    .map((f) => (f.location ? `${f.location.path}:${f.location.startLine}` : '(repository)'))
    .sort();
}

/** Audits a directory in-process with only the given rules enabled, no cache, no worker threads. */
export async function auditWith(dir: string, rules: readonly AnyRule[], rawConfig: unknown = undefined): Promise<Report> {
  const config = resolveConfig(rawConfig, 'test', rules);
  return runAudit({ root: dir, config, cache: false, workers: 0, today: '2026-01-01' });
}
