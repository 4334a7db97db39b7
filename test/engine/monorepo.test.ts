import { afterAll, describe, expect, it } from 'vitest';
import { detectPackages, packageFor, type WorkspacePackage } from '../../src/audit/packages.js';
import { audit, flagRule, removeTempDirs, tempDir, writeTree } from '../support/tree.js';

afterAll(removeTempDirs);

function detect(files: Record<string, string>) {
  return detectPackages(Object.keys(files), (p) => files[p]);
}

const dirs = (packages: readonly WorkspacePackage[]) => packages.map((p) => `${p.dir}=${p.name}(${p.source})`);

describe('detectPackages', () => {
  it('reads npm/yarn workspaces in both shapes, with negations', () => {
    const files = {
      'package.json': JSON.stringify({ name: 'root', workspaces: ['packages/*', 'apps/**', '!packages/skip'] }),
      'packages/a/package.json': '{"name":"@x/a"}',
      'packages/skip/package.json': '{"name":"skip"}',
      'apps/web/site/package.json': '{}',
      'other/package.json': '{"name":"not-a-workspace"}',
    };
    const info = detect(files);
    expect(info.tools).toEqual(['workspaces']);
    expect(dirs(info.packages)).toEqual(['.=root(root)', 'apps/web/site=apps/web/site(workspaces)', 'packages/a=@x/a(workspaces)']);
    const yarn = detect({ ...files, 'package.json': JSON.stringify({ workspaces: { packages: ['packages/*'] } }) });
    expect(dirs(yarn.packages)).toEqual(['.=.(root)', 'packages/a=@x/a(workspaces)', 'packages/skip=skip(workspaces)']);
  });

  it('reads pnpm-workspace.yaml and tolerates a broken one', () => {
    const info = detect({ 'pnpm-workspace.yaml': "packages:\n  - 'libs/*'\n", 'libs/core/package.json': '{"name":"core"}', 'package.json': '{"name":"r"}' });
    expect(info.tools).toEqual(['pnpm']);
    expect(dirs(info.packages)).toEqual(['.=r(root)', 'libs/core=core(pnpm)']);
    expect(dirs(detect({ 'pnpm-workspace.yaml': 'packages: [\n', 'libs/core/package.json': '{}' }).packages)).toEqual(['.=.(root)']);
  });

  it('reads Nx project.json files only when nx.json exists, and lerna', () => {
    const nx = detect({ 'nx.json': '{}', 'apps/api/project.json': '{"name":"api"}', 'libs/ui/project.json': '{}', 'turbo.json': '{}' });
    expect(nx.tools).toEqual(['turborepo', 'nx']);
    expect(dirs(nx.packages)).toEqual(['.=.(root)', 'apps/api=api(nx)', 'libs/ui=libs/ui(nx)']);
    expect(dirs(detect({ 'apps/api/project.json': '{"name":"api"}' }).packages)).toEqual(['.=.(root)']);
    const lerna = detect({ 'lerna.json': '{"packages":["modules/*"]}', 'modules/m/package.json': '{"name":"m"}' });
    expect(dirs(lerna.packages)).toEqual(['.=.(root)', 'modules/m=m(lerna)']);
  });

  it('keeps the root first even when a package folder sorts before "." in locale order', () => {
    const info = detect({ 'nx.json': '{}', '_internal/project.json': '{}', '-legacy/project.json': '{}', 'apps/a/project.json': '{}' });
    expect(info.packages[0]!.dir).toBe('.');
  });
});

describe('packageFor', () => {
  const pkg = (dir: string): WorkspacePackage => ({ dir, name: dir, source: dir === '.' ? 'root' : 'workspaces' });

  it('returns the deepest package containing the path, else the root, whatever the order of the list', () => {
    const packages = [pkg('_internal'), pkg('apps/web'), pkg('apps/web/sub'), pkg('.'), pkg('apps/webby')];
    expect(packageFor(packages, 'apps/web/sub/x.ts').dir).toBe('apps/web/sub');
    expect(packageFor(packages, 'apps/web/x.ts').dir).toBe('apps/web');
    expect(packageFor(packages, 'apps/webby/x.ts').dir).toBe('apps/webby');
    expect(packageFor(packages, 'apps/web').dir).toBe('apps/web');
    expect(packageFor(packages, 'src/index.ts').dir).toBe('.');
    expect(packageFor(packages, '_internal/a.ts').dir).toBe('_internal');
    expect(packageFor([pkg('_internal')], 'README.md').dir).toBe('.');
  });
});

describe('findings in monorepos', () => {
  const scored = (dir: string, name: string, findings: number) => ({ dir, name, findings, score: 'number' });
  it.each([
    [
      'npm workspaces',
      { 'package.json': '{"name":"root","workspaces":["packages/*"]}', 'packages/a/package.json': '{"name":"a"}', 'packages/b/package.json': '{"name":"b"}' },
      [],
    ],
    [
      'pnpm',
      { 'package.json': '{"name":"root"}', 'pnpm-workspace.yaml': 'packages:\n  - packages/*\n', 'packages/a/package.json': '{"name":"a"}', 'packages/b/package.json': '{"name":"b"}' },
      [],
    ],
    [
      'Nx (with a project folder that sorts before ".")',
      { 'package.json': '{"name":"root"}', 'nx.json': '{}', 'packages/a/project.json': '{"name":"a"}', 'packages/b/project.json': '{"name":"b"}', '_tools/project.json': '{}' },
      [scored('_tools', '_tools', 0)],
    ],
  ])('%s: findings carry their package and each package is scored', async (_, files, extra) => {
    const root = writeTree(tempDir(), { ...files, 'packages/a/src/x.ts': 'FLAG\nFLAG\n', 'packages/b/src/y.ts': 'ok\n', 'scripts/z.ts': 'FLAG\n' });
    const report = await audit(root, [flagRule]);
    expect(report.findings.map((f) => `${f.location?.path} ${f.package}`)).toEqual(['packages/a/src/x.ts packages/a', 'packages/a/src/x.ts packages/a', 'scripts/z.ts .']);
    expect(report.summary.packages.map(({ dir, name, findings, score }) => ({ dir, name, findings, score: typeof score }))).toEqual([
      scored('.', 'root', 1),
      ...extra,
      scored('packages/a', 'a', 2),
      scored('packages/b', 'b', 0),
    ]);
    const byDir = new Map(report.summary.packages.map((p) => [p.dir, p.score!]));
    expect(byDir.get('packages/b')).toBe(100);
    expect(byDir.get('packages/a')!).toBeLessThan(100);
    expect(byDir.get('.')!).toBeLessThan(100);
  });
});
