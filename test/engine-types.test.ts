import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ts } from '../src/audit/parsers/ts.cjs';
import { afterAll, describe, expect, it } from 'vitest';
import { defineRule, type AnyRule } from '../src/core/define-rule.js';
import { resolveConfig } from '../src/audit/config.js';
import { runAudit } from '../src/audit/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'prodgrade-types-'));
mkdirSync(join(dir, 'src'));
writeFileSync(join(dir, 'src', 'db.ts'), 'export class Pool { query(sql: string) { return sql; } }\nexport const pool = new Pool();\n');
writeFileSync(join(dir, 'src', 'use.ts'), "import { pool } from './db.js';\nconst other = { query: (s: string) => s };\npool.query('x');\nother.query('y');\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Flags `.query()` calls whose receiver is a Pool when types are available; with syntax only, every `.query()`.
const rule = defineRule({
  meta: {
    id: 'test-typed',
    category: 'database',
    checklist: 'DB-3',
    severity: 'low',
    confidence: 'low',
    stability: 'experimental',
    messages: { hit: 'Query call on {{receiver}}; this is only a test message of sufficient length.' },
    docs: { summary: 'Test rule using types.', why: 'It proves the checker reaches typed rules.', howToFix: 'Nothing to fix: test only.', examples: { invalid: [], valid: [] } },
  },
  scope: 'file',
  files: { languages: ['ts'], types: true },
  check(ctx) {
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        if (!ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== 'query') return;
        const checker = ctx.checker();
        const receiver = checker ? checker.typeToString(checker.getTypeAtLocation(call.expression.expression)) : 'unknown';
        if (checker && receiver !== 'Pool') return;
        ctx.report({ messageId: 'hit', data: { receiver }, node });
      },
    };
  },
}) as AnyRule;

async function run(typeCheck: boolean): Promise<Array<[string | undefined, string]>> {
  const report = await runAudit({ root: dir, config: resolveConfig(undefined, 'test', [rule]), cache: false, workers: 0, typeCheck });
  return report.findings.map((f) => [f.location?.path, f.message.split(';')[0]!]);
}

describe('--type-check', () => {
  it('gives rules that ask for it a type checker', async () => {
    expect(await run(true)).toEqual([['src/use.ts', 'Query call on Pool']]);
  });

  it('leaves the checker undefined by default', async () => {
    expect(await run(false)).toEqual([
      ['src/use.ts', 'Query call on unknown'],
      ['src/use.ts', 'Query call on unknown'],
    ]);
  });
});
