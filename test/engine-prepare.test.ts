import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineRule, type AnyRule } from '../src/core/define-rule.js';
import { auditWith } from './support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'prodgrade-prepare-'));
mkdirSync(join(dir, 'src'));
writeFileSync(join(dir, 'schema.txt'), 'tenant-owned: projects\n');
writeFileSync(join(dir, 'src', 'a.ts'), 'query("projects");\nquery("users");\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const docs = {
  summary: 'Test rule reading a prepared value from the repository.',
  why: 'It proves the prepare step reaches every file check.',
  howToFix: 'Nothing to fix: this rule exists only in a test.',
  examples: { invalid: [], valid: [] },
};

function ruleWith(prepare: () => string[]): AnyRule {
  return defineRule({
    meta: {
      id: 'test-prepared',
      category: 'tenancy',
      checklist: 'TEN-1',
      severity: 'high',
      confidence: 'high',
      stability: 'experimental',
      messages: { hit: 'Query on the tenant-owned table {{table}}; this is a test message that is long enough.' },
      docs,
    },
    scope: 'file',
    files: { languages: ['ts'] },
    prepare: prepare,
    check(ctx) {
      return {
        CallExpression(node) {
          const text = node.getText();
          for (const table of ctx.prepared) if (text.includes(`"${table}"`)) ctx.report({ messageId: 'hit', data: { table }, node });
        },
      };
    },
  }) as AnyRule;
}

describe('file rules with a prepare step', () => {
  it('hands the prepared value to every check', async () => {
    const report = await auditWith(dir, [ruleWith(() => ['projects'])]);
    expect(report.findings.map((f) => [f.location?.startLine, f.message])).toEqual([
      [1, 'Query on the tenant-owned table projects; this is a test message that is long enough.'],
    ]);
  });

  it('turns a crashing prepare step into one internal finding and skips the rule', async () => {
    const report = await auditWith(dir, [
      ruleWith(() => {
        throw new Error('schema unreadable');
      }),
    ]);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ internal: true, location: null });
    expect(report.findings[0]!.message).toContain('schema unreadable');
  });
});
