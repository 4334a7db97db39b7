import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeTree } from './tree.js';

const depth = 5000;

/** Files nesting 5,000 levels deep; the TypeScript ones end with `console.log(TODO)` on line 2 so rules select them. */
export const deep = {
  'deep/array.ts': `export const a = ${'['.repeat(depth)}${']'.repeat(depth)};\nconsole.log(TODO);\n`,
  'deep/parens.ts': `export const p = ${'('.repeat(depth)}1${')'.repeat(depth)};\nconsole.log(TODO);\n`,
  'deep/object.ts': `export const o = ${'{ a: '.repeat(depth)}1${' }'.repeat(depth)};\nconsole.log(TODO);\n`,
  'deep/calls.js': `${'f('.repeat(depth)}${')'.repeat(depth)};\nconsole.log(TODO);\n`,
  'src/server/deep-array.ts': `export const a = ${'['.repeat(depth)}${']'.repeat(depth)};\nconsole.log(TODO);\n`,
  'src/server/deep-object.ts': `export const o = ${'{ a: '.repeat(depth)}1${' }'.repeat(depth)};\nconsole.log(TODO);\n`,
  'deep/nested.json': `${'['.repeat(depth)}${']'.repeat(depth)}\n`,
  'deep/nested.yaml': `key: ${'['.repeat(depth)}${']'.repeat(depth)}\n# FLAG\n`,
};

/** Builds the hostile tree; 50 MB of text is written at test time only, into a temp directory. */
export function buildHostileTree(): { root: string; outside: string } {
  const root = tempDir('prodgrade-hostile-');
  const outside = tempDir('prodgrade-outside-');
  writeTree(outside, { 'secret.ts': 'TODO; // FLAG outside the root\n' });
  writeTree(root, {
    'README.md': '# hostile\n',
    'nul.txt': Buffer.from('text\0with NUL bytes FLAG\n'),
    'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x46, 0x4c, 0x41, 0x47]),
    'invalid-utf8.ts': Buffer.concat([Buffer.from('const s = "'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0xfe]), Buffer.from('";\nTODO; // FLAG\n')]),
    'bom-crlf.ts': `\uFEFF// first\r\nconst x = 1;\r\n  TODO; // FLAG\r\n`,
    'syntax/broken.ts': 'const = ;; function ( {{ class\nTODO; // FLAG\nexport default }}}\n',
    'syntax/broken.yaml': 'a: [b, c\n  - : : :\n\t- FLAG\n"unterminated\n',
    'syntax/broken.tf': 'resource "aws_s3_bucket" "b" {{{\n  bucket = FLAG\n',
    'syntax/broken.sql': 'SELEC FROM ((( WHERE;\n-- FLAG\nINSERT INTO;\n',
    'syntax/Dockerfile': 'FROM\nRUN [[[ FLAG\n',
    'syntax/broken.json': '{"a": [1, 2,,, FLAG',
    ...deep,
  });
  writeFileSync(join(root, 'huge.txt'), Buffer.alloc(50 * 1024 * 1024, 'FLAG text line\n'));
  // symbolic links: a loop, a folder pointing at its parent, one leaving the root, a broken one, one to a sibling
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));
  mkdirSync(join(root, 'links'));
  symlinkSync('..', join(root, 'links', 'parent'));
  symlinkSync(join(outside, 'secret.ts'), join(root, 'links', 'outside.ts'));
  symlinkSync(outside, join(root, 'links', 'outside-dir'));
  symlinkSync('does-not-exist.ts', join(root, 'links', 'broken.ts'));
  symlinkSync('../README.md', join(root, 'links', 'readme.md'));
  // special files: a FIFO would block a reader forever, /dev/zero never ends
  execFileSync('mkfifo', [join(root, 'pipe.ts')]);
  mkdirSync(join(root, 'fifo-ignore'));
  execFileSync('mkfifo', [join(root, 'fifo-ignore', '.gitignore')]);
  writeTree(root, { 'fifo-ignore/kept.ts': 'TODO;\n' });
  mkdirSync(join(root, 'zero-ignore'));
  symlinkSync('/dev/zero', join(root, 'zero-ignore', '.prodgradeignore'));
  writeTree(root, { 'zero-ignore/kept.ts': 'TODO;\n' });
  // 100 nested folders
  const nested = Array.from({ length: 100 }, (_, i) => `d${i}`).join('/');
  writeTree(root, { [`${nested}/leaf.ts`]: 'TODO;\n' });
  return { root, outside };
}
