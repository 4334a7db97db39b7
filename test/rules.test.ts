import { describe, expect, it } from 'vitest';
import { registry } from '../src/audit/registry.js';
import { auditWith, expectedFindings, findingKeys, fixtureDirs, ruleFolders } from './support/fixtures.js';

// One generic runner for every rule's annotated fixture repositories (STYLE.md §4): no per-rule test boilerplate.
for (const folder of ruleFolders()) {
  const rule = registry.find((r) => r.meta.id === folder.id);
  describe(`rule ${folder.id}`, () => {
    for (const fixture of fixtureDirs(folder)) {
      it(fixture.name, async () => {
        expect(rule, `rule ${folder.id} is not in the registry (run npm run generate)`).toBeDefined();
        const report = await auditWith(fixture.dir, [rule!]);
        const internal = report.findings.filter((f) => f.internal).map((f) => f.message);
        expect(internal, 'the rule crashed').toEqual([]);
        const { expected } = expectedFindings(fixture.dir, folder.id);
        if (fixture.kind === 'invalid') expect(expected.length, 'an invalid-* fixture must expect at least one finding').toBeGreaterThan(0);
        else expect(expected, 'a valid-* fixture must expect no finding').toEqual([]);
        expect(findingKeys(report, folder.id)).toEqual(expected);
      });
    }
  });
}
