import { afterAll, describe, expect, it } from 'vitest';
import { defaultExcludedDirectories } from '../../src/audit/discover.js';
import { audit, removeTempDirs, tempDir, writeTree } from '../support/tree.js';

afterAll(removeTempDirs);

function tree(): string {
  return writeTree(tempDir(), {
    '.gitignore': 'ignored.ts\n/generated/\n*.log\n!keep.log\n',
    'src/a.ts': 'FLAG\n',
    'ignored.ts': 'FLAG\n',
    'generated/g.ts': 'FLAG\n',
    'debug.log': 'FLAG\n',
    'keep.log': 'FLAG\n',
    'nested/.gitignore': 'local.ts\n',
    'nested/local.ts': 'FLAG\n',
    'nested/other.ts': 'FLAG\n',
    'local.ts': 'FLAG\n',
    'tools/.prodgradeignore': 'vendor/\n',
    'tools/vendor/v.ts': 'FLAG\n',
    'tools/t.ts': 'FLAG\n',
    'legacy/old.ts': 'FLAG\n',
    'node_modules/pkg/index.js': 'FLAG\n',
    'packages/x/dist/out.js': 'FLAG\n',
    'packages/x/src/in.ts': 'FLAG\n',
    '.git/config': 'FLAG\n',
    'web/app.min.js': 'FLAG\n',
    'web/app.js.map': 'FLAG\n',
    'big.ts': `${'x'.repeat(3 * 1024)}\nFLAG\n`,
  });
}

const paths = (report: Awaited<ReturnType<typeof audit>>): string[] =>
  [...new Set(report.findings.flatMap((f) => (f.location ? [f.location.path] : [])))].sort();

describe('discovery', () => {
  it('honours nested .gitignore and .prodgradeignore files, negations and default-excluded folders', async () => {
    const report = await audit(tree());
    expect(paths(report)).toEqual(['big.ts', 'keep.log', 'legacy/old.ts', 'local.ts', 'nested/other.ts', 'packages/x/src/in.ts', 'src/a.ts', 'tools/t.ts']);
    expect(report.config.defaultExcludes).toEqual(defaultExcludedDirectories);
    expect(report.skippedFiles).toEqual([
      { path: 'web/app.js.map', reason: 'generated file (minified bundle, source map or snapshot)' },
      { path: 'web/app.min.js', reason: 'generated file (minified bundle, source map or snapshot)' },
    ]);
  });

  it('applies config excludes and includes, and maxFileSizeKb', async () => {
    const report = await audit(tree(), undefined, { exclude: ['legacy/'], include: ['**/*.ts'], maxFileSizeKb: 2 });
    expect(paths(report)).toEqual(['local.ts', 'nested/other.ts', 'packages/x/src/in.ts', 'src/a.ts', 'tools/t.ts']);
    expect(report.skippedFiles).toContainEqual({ path: 'big.ts', reason: 'larger than 2 KiB' });
  });
});
