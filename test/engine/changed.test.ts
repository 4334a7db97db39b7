import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownError } from '../../src/core/errors.js';
import { changedFiles } from '../../src/audit/changed.js';
import { audit, commitAll, git, keys, removeTempDirs, snapshotTree, tempDir, writeTree } from '../support/tree.js';

afterAll(removeTempDirs);

describe('--changed-since', () => {
  let root: string;

  beforeAll(() => {
    root = writeTree(tempDir('prodgrade-git-'), {
      'a.ts': 'FLAG a;\n',
      'b.ts': 'FLAG b;\n',
      'touched.ts': 'FLAG touched;\n',
      'staged.ts': 'FLAG staged;\n',
      'sub/c.ts': 'FLAG c;\n',
      '.gitignore': 'ignored.ts\n',
    });
    commitAll(root);
    writeTree(root, { 'a.ts': 'FLAG a;\nFLAG a2;\n', 'new.ts': 'FLAG new;\n', 'sub/new.ts': 'FLAG subnew;\n', 'ignored.ts': 'FLAG\n', 'staged.ts': 'FLAG staged;\nFLAG more;\n' });
    git(root, 'add', 'staged.ts');
    // Same content, new mtime: porcelain `git diff` would refresh (rewrite) .git/index here.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'touched.ts'), later, later);
    utimesSync(join(root, 'b.ts'), later, later);
  });

  it('lists modified, staged and untracked files, but not files whose content is unchanged', async () => {
    expect([...(await changedFiles(root, 'HEAD'))].sort()).toEqual(['a.ts', 'new.ts', 'staged.ts', 'sub/new.ts']);
  });

  it('keeps file findings only in changed files, keeps repository findings, and writes nothing (not even .git/index)', async () => {
    const before = snapshotTree(root);
    const report = await audit(root, undefined, undefined, { changedSince: 'HEAD' });
    expect(snapshotTree(root)).toEqual(before);
    expect(keys(report)).toEqual([
      '(repository) test-readme',
      'a.ts:1 test-flag',
      'a.ts:2 test-flag',
      'new.ts:1 test-flag',
      'staged.ts:1 test-flag',
      'staged.ts:2 test-flag',
      'sub/new.ts:1 test-flag',
    ]);
  });

  it('works from a sub-folder of the repository, with paths relative to the audited root', async () => {
    const report = await audit(join(root, 'sub'), undefined, undefined, { changedSince: 'HEAD' });
    expect(keys(report)).toEqual(['(repository) test-readme', 'new.ts:1 test-flag']);
  });

  it('rejects a bad ref, an option-like ref and a folder outside git with one-line known errors', async () => {
    await expect(audit(root, undefined, undefined, { changedSince: 'no-such-branch' })).rejects.toThrow(/^--changed-since: "no-such-branch" is not a commit/);
    await expect(audit(root, undefined, undefined, { changedSince: '--output=/tmp/x' })).rejects.toThrow(KnownError);
    const plain = writeTree(tempDir(), { 'a.ts': 'FLAG\n' });
    await expect(audit(plain, undefined, undefined, { changedSince: 'HEAD' })).rejects.toThrow(/needs a git work tree/);
  });
});
