import { parse as parseYaml } from 'yaml';
import { globToRegExp } from './glob.js';

export interface WorkspacePackage {
  /** Directory relative to the root; "." for the root package. */
  dir: string;
  name: string;
  /** How it was found: the root, npm/yarn workspaces, pnpm-workspace.yaml, lerna, Nx project.json. */
  source: 'root' | 'workspaces' | 'pnpm' | 'lerna' | 'nx';
}

export interface MonorepoInfo {
  tools: string[];
  packages: WorkspacePackage[];
}

type ReadText = (path: string) => string | undefined;

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

/**
 * Detects workspace packages: npm/yarn `workspaces`, pnpm-workspace.yaml, lerna.json, Nx `project.json` files and
 * Turborepo (which builds on the package manager's workspaces). Every file belongs to its deepest package.
 */
export function detectPackages(paths: readonly string[], read: ReadText): MonorepoInfo {
  const tools: string[] = [];
  const rootManifest = parseJson(read('package.json')) as { name?: unknown; workspaces?: unknown } | undefined;
  const globs: Array<{ glob: string; source: WorkspacePackage['source'] }> = [];
  const ws = rootManifest?.workspaces;
  const wsGlobs = Array.isArray(ws) ? stringArray(ws) : stringArray((ws as { packages?: unknown } | undefined)?.packages);
  if (wsGlobs.length) {
    tools.push('workspaces');
    globs.push(...wsGlobs.map((glob) => ({ glob, source: 'workspaces' as const })));
  }
  const pnpm = read('pnpm-workspace.yaml');
  if (pnpm !== undefined) {
    tools.push('pnpm');
    try {
      const doc = parseYaml(pnpm) as { packages?: unknown } | null;
      globs.push(...stringArray(doc?.packages).map((glob) => ({ glob, source: 'pnpm' as const })));
    } catch {
      // a broken pnpm-workspace.yaml is reported by the YAML rules; packages fall back to the root
    }
  }
  const lerna = parseJson(read('lerna.json')) as { packages?: unknown } | undefined;
  if (lerna) {
    tools.push('lerna');
    globs.push(...stringArray(lerna.packages).map((glob) => ({ glob, source: 'lerna' as const })));
  }
  if (read('turbo.json') !== undefined) tools.push('turborepo');
  if (read('nx.json') !== undefined) tools.push('nx');

  const include = globs.filter((g) => !g.glob.startsWith('!')).map((g) => ({ re: globToRegExp(g.glob), source: g.source }));
  const exclude = globs.filter((g) => g.glob.startsWith('!')).map((g) => globToRegExp(g.glob.slice(1)));
  const packages = new Map<string, WorkspacePackage>();
  packages.set('.', { dir: '.', name: typeof rootManifest?.name === 'string' ? rootManifest.name : '.', source: 'root' });

  for (const path of paths) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base !== 'package.json' && base !== 'project.json') continue;
    const dir = dirOf(path);
    if (dir === '.' || packages.has(dir)) continue;
    if (base === 'package.json') {
      const match = include.find((g) => g.re.test(dir));
      if (!match || exclude.some((re) => re.test(dir))) continue;
      const manifest = parseJson(read(path)) as { name?: unknown } | undefined;
      packages.set(dir, { dir, name: typeof manifest?.name === 'string' ? manifest.name : dir, source: match.source });
    } else if (tools.includes('nx')) {
      const project = parseJson(read(path)) as { name?: unknown } | undefined;
      packages.set(dir, { dir, name: typeof project?.name === 'string' ? project.name : dir, source: 'nx' });
    }
  }
  // The root first, then by path; plain code-unit order (localeCompare would put "_lib" before ".").
  const sorted = [...packages.values()].sort((a, b) => (a.dir === '.' ? -1 : b.dir === '.' ? 1 : a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return { tools, packages: sorted };
}

const rootPackage: WorkspacePackage = { dir: '.', name: '.', source: 'root' };

/** Each package list's packages by directory, built on first use. */
const packagesByDir = new WeakMap<readonly WorkspacePackage[], Map<string, WorkspacePackage>>();

/** Returns the deepest package containing `path`, else the root package (whatever the list's order). */
export function packageFor(packages: readonly WorkspacePackage[], path: string): WorkspacePackage {
  // The innermost package: the path itself, then each enclosing directory, looked up (every file of a tree asks).
  let byDir = packagesByDir.get(packages);
  if (!byDir) {
    packagesByDir.set(packages, (byDir = new Map()));
    for (const p of packages) if (p.dir !== '.' && !byDir.has(p.dir)) byDir.set(p.dir, p);
  }
  for (let dir = path; dir.length > 0; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/')))) {
    const pkg = byDir.get(dir);
    if (pkg) return pkg;
  }
  return packages.find((p) => p.dir === '.') ?? rootPackage;
}
