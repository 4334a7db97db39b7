import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checklist } from '../src/core/checklist.js';
import type { RuleExample } from '../src/core/define-rule.js';
import { registry } from '../src/audit/registry.js';
import { auditWith, fixtureDirs, ruleFolders } from './support/fixtures.js';

const folders = ruleFolders();

describe('rule registry', () => {
  it('holds exactly the rule folders, without duplicates', () => {
    const ids = registry.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(folders.map((f) => f.id).sort());
  });

  it('generated files are up to date', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate.ts', '--check'], { cwd: join(import.meta.dirname, '..'), stdio: 'pipe' });
  });

  for (const folder of folders) {
    const rule = registry.find((r) => r.meta.id === folder.id);
    describe(folder.id, () => {
      it('has a kebab-case id equal to its folder, under its category', () => {
        expect(rule).toBeDefined();
        expect(rule!.meta.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
        expect(rule!.meta.category).toBe(folder.category);
      });

      it('names a checklist item that exists', () => {
        expect(checklist.map((c) => c.id)).toContain(rule!.meta.checklist);
      });

      it('uses every message id it declares', () => {
        const source = readFileSync(join(folder.dir, 'rule.ts'), 'utf8');
        for (const id of Object.keys(rule!.meta.messages)) {
          const uses = source.split(`'${id}'`).length - 1 + (source.split(`messageId: "${id}"`).length - 1);
          expect(uses, `message id "${id}" is never reported`).toBeGreaterThan(0);
        }
      });

      it('writes messages that say what is wrong, why, and what to do', () => {
        for (const [id, text] of Object.entries(rule!.meta.messages)) {
          expect(text.length, `message ${id} is too short to explain itself`).toBeGreaterThanOrEqual(60);
          expect(text.trimEnd(), `message ${id} must end with a full stop`).toMatch(/[.)]$/);
          expect(text.split(/[.;:](?:\s|$)/).filter((s) => s.trim()).length, `message ${id} needs what, why and what to do`).toBeGreaterThanOrEqual(2);
        }
        const { docs } = rule!.meta;
        for (const field of [docs.summary, docs.why, docs.howToFix]) expect(field.length).toBeGreaterThan(20);
      });

      it('has fixtures of both kinds', () => {
        const kinds = new Set(fixtureDirs(folder).map((f) => f.kind));
        expect([...kinds].sort()).toEqual(['invalid', 'valid']);
      });

      const runExample = async (example: RuleExample): Promise<number> => {
        const dir = mkdtempSync(join(tmpdir(), 'prodgrade-example-'));
        try {
          for (const [path, code] of Object.entries({ ...example.context, [example.file]: example.code })) {
            mkdirSync(dirname(join(dir, path)), { recursive: true });
            writeFileSync(join(dir, path), code);
          }
          const report = await auditWith(dir, [rule!]);
          expect(report.findings.filter((f) => f.internal)).toEqual([]);
          return report.findings.filter((f) => f.ruleId === rule!.meta.id).length;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      };

      it('documents examples that behave as documented', async () => {
        expect(rule!.meta.docs.examples.invalid.length).toBeGreaterThan(0);
        expect(rule!.meta.docs.examples.valid.length).toBeGreaterThan(0);
        for (const example of rule!.meta.docs.examples.invalid) expect(await runExample(example), `invalid example ${example.file}`).toBe(1);
        for (const example of rule!.meta.docs.examples.valid) expect(await runExample(example), `valid example ${example.file}`).toBe(0);
      });
    });
  }
});
