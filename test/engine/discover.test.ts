import { afterAll, describe, expect, it } from 'vitest';
import { defaultExcludedDirectories, discover, fromPortable, portableDiscovery, type Discovery } from '../../src/audit/discover.js';
import { realFs } from '../../src/core/fs.js';
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

describe('a discovery sent between threads', () => {
  it('arrives with the same files, bytes, hashes and skipped entries, its buffers transferred', async () => {
    const root = writeTree(tempDir(), {
      '.gitignore': 'skip.ts\n',
      'a.ts': 'export const a = 1;\n',
      'unicode.ts': "export const s = 'é – 漢字';\r\n",
      'empty.txt': '',
      'bin.dat': 'x',
      'raw.bin': Buffer.from([0, 1, 2, 0]),
      'nested/deep/b.sql': 'select 1;\n',
      'skip.ts': 'ignored\n',
    });
    const options = { root, fs: realFs, exclude: [], include: [], maxFileBytes: 1024 * 1024 };
    const here = await discover(options);
    const packed = portableDiscovery(await discover(options))!;
    expect(packed.transfer.length).toBeGreaterThan(0);
    const arrived = fromPortable(structuredClone(packed.portable, { transfer: packed.transfer }));
    expect(packed.transfer.every((buffer) => buffer.byteLength === 0)).toBe(true); // detached: moved, not copied
    const shape = (d: Discovery) => ({ files: d.files.map((f) => [f.path, f.size, f.hash, f.text]), skipped: d.skipped });
    expect(shape(arrived)).toEqual(shape(here));
    expect(arrived.files.map((f) => f.path)).toEqual(['a.ts', 'empty.txt', 'nested/deep/b.sql', 'unicode.ts', '.gitignore'].sort());
  });

  it('keeps a file\'s bytes after its text is decoded, for the byte pre-filters', async () => {
    const root = writeTree(tempDir(), { 'a.ts': "export const s = 'é';\n" });
    const [file] = (await discover({ root, fs: realFs, exclude: [], include: [], maxFileBytes: 1024 })).files;
    const before = Buffer.from(file!.content());
    expect(file!.decoded).toBe(false);
    expect(file!.text).toBe("export const s = 'é';\n");
    expect(file!.decoded).toBe(true);
    expect(Buffer.from(file!.content()).equals(before)).toBe(true);
  });

  it('is not packed once a file was decoded or left unread: only bytes travel', async () => {
    const root = writeTree(tempDir(), { 'a.ts': 'x\n' });
    const discovery = await discover({ root, fs: realFs, exclude: [], include: [], maxFileBytes: 1024 });
    void discovery.files[0]!.text;
    expect(portableDiscovery(discovery)).toBeUndefined();
  });
});
