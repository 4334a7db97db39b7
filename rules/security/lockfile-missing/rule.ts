import { ignore } from '../../../src/audit/ignore.js';
import { defineRule } from '../../../src/core/define-rule.js';
import type { PackageManifest, RepoModel } from '../../../src/audit/model.js';

const lockfileNames = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb', 'deno.lock'];

/**
 * Manifests that are not installed to build or run the product: examples, fixtures, templates and docs sites are
 * scaffolding around it, and by convention commit no lockfile of their own.
 */
const scaffolding =
  /(?:^|\/)(?:examples?|samples?|fixtures?|__fixtures__|test-?fixtures|testdata|templates?|boilerplates?|starters?|playgrounds?|sandbox(?:es)?|demos?|benchmarks?|bench|e2e|__tests__|tests?|\.github|vendor|third[-_]party)\//;

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

function join2(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  let current = dir;
  while (current !== '.') {
    current = dirOf(current);
    out.push(current);
  }
  return out;
}

function hasDependencies(manifest: PackageManifest): boolean {
  return [manifest.dependencies, manifest.devDependencies, manifest.optionalDependencies].some(
    (deps) => deps !== null && typeof deps === 'object' && Object.keys(deps).length > 0,
  );
}

/** A directory that hosts a workspace: its lockfile covers every package below it. */
function isWorkspaceRoot(model: RepoModel, dir: string): boolean {
  const manifest = model.json<PackageManifest>(join2(dir, 'package.json'));
  return (
    (manifest !== undefined && manifest !== null && typeof manifest === 'object' && manifest.workspaces !== undefined) ||
    model.has(join2(dir, 'pnpm-workspace.yaml')) ||
    model.has(join2(dir, 'lerna.json')) ||
    model.has(join2(dir, 'nx.json')) ||
    model.has(join2(dir, 'rush.json'))
  );
}

async function existsOnDisk(model: RepoModel, path: string): Promise<boolean> {
  // Lockfiles are routinely larger than the size limit, and bun.lockb is binary: discovery skips both, but they exist.
  if (model.exists(path)) return true;
  return (await model.tracked())?.has(path) ?? false;
}

/** The first .gitignore line that ignores `path`, so the finding points at the line to delete. */
function ignoringLine(model: RepoModel, path: string): { path: string; line: number } | undefined {
  const ignoreFiles = model.find((f) => f.path === '.gitignore' || f.path.endsWith('/.gitignore'));
  for (const file of ignoreFiles.reverse()) {
    const base = file.path === '.gitignore' ? '.' : dirOf(file.path);
    if (base !== '.' && !path.startsWith(`${base}/`)) continue;
    const relative = base === '.' ? path : path.slice(base.length + 1);
    const lines = (model.text(file.path) ?? '').split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line || line.startsWith('#') || line.startsWith('!')) continue;
      if (ignore().add(line).ignores(relative)) return { path: file.path, line: i + 1 };
    }
  }
  return undefined;
}

function packageManagerOf(manifest: PackageManifest | undefined): string | undefined {
  const field = manifest?.packageManager;
  return typeof field === 'string' ? /^(npm|yarn|pnpm|bun)@/.exec(field)?.[1] : undefined;
}

function lockfileManager(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.startsWith('yarn') ? 'yarn' : name.startsWith('pnpm') ? 'pnpm' : name.startsWith('bun') ? 'bun' : name.startsWith('deno') ? 'deno' : 'npm';
}

/** `.npmrc` settings that stop npm or pnpm from writing a lockfile at all. */
function lockfileDisabled(model: RepoModel, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const path = join2(dir, '.npmrc');
    const text = model.text(path);
    if (text && /^\s*(?:package-lock|lockfile)\s*=\s*false\s*$/m.test(text)) return path;
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'lockfile-missing',
    category: 'security',
    checklist: 'SEC-13',
    severity: 'medium',
    confidence: 'high',
    stability: 'stable',
    messages: {
      missing:
        'This package declares dependencies but no lockfile (package-lock.json, yarn.lock, pnpm-lock.yaml, bun.lock) is committed for it, so every install resolves versions anew and builds are neither reproducible nor auditable. Run the package manager once and commit the lockfile it writes.',
      workspaceMissing:
        'This workspace root has no lockfile, although {{count}} of its packages declare dependencies, so every install resolves versions anew and builds are neither reproducible nor auditable. Run the package manager at the workspace root and commit the single lockfile it writes.',
      ignored:
        '{{lockfile}} is listed in .gitignore, so the lockfile never reaches the repository and CI and production installs resolve versions anew. Remove this ignore entry and commit the lockfile.',
      disabled:
        '{{npmrc}} turns lockfile generation off, so this package declares dependencies without a lockfile and every install resolves versions anew. Remove the setting, install once and commit the lockfile.',
    },
    docs: {
      summary: 'A package.json declares dependencies, but no lockfile is committed for it or for its workspace.',
      why: 'Without a lockfile every `npm install` picks the newest versions that match the ranges: two builds of the same commit can ship different code, a compromised patch release is pulled in silently, and dependency scanners have no exact versions to check.',
      howToFix:
        'Install once with the package manager the project uses and commit the lockfile it writes (package-lock.json, yarn.lock, pnpm-lock.yaml or bun.lock); in CI install with `npm ci`, `yarn install --immutable`, `pnpm install --frozen-lockfile` or `bun install --frozen-lockfile`.',
      examples: {
        invalid: [
          {
            file: 'package.json',
            code: '{\n  "name": "api",\n  "dependencies": { "express": "^4.19.2" }\n}\n',
            note: 'No lockfile next to it.',
          },
          {
            file: '.gitignore',
            code: 'node_modules/\npackage-lock.json\n',
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
            note: 'The lockfile is ignored, so it is never committed.',
          },
        ],
        valid: [
          {
            file: 'package.json',
            code: '{\n  "name": "api",\n  "dependencies": { "express": "^4.19.2" }\n}\n',
            context: { 'package-lock.json': '{ "name": "api", "lockfileVersion": 3, "packages": {} }\n' },
          },
          {
            file: 'packages/api/package.json',
            code: '{\n  "name": "@acme/api",\n  "dependencies": { "fastify": "^5.0.0" }\n}\n',
            context: {
              'package.json': '{ "private": true, "workspaces": ["packages/*"] }\n',
              'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
            },
            note: 'A workspace package shares the lockfile at the workspace root.',
          },
        ],
      },
      peers: [
        'OpenSSF Scorecard Pinned-Dependencies (partly: flags `npm install` instead of `npm ci`)',
        'npm audit, osv-scanner and Trivy need a lockfile to scan exact versions at all',
      ],
      limitations: [
        'Manifests under examples/, fixtures/, templates/, test/ and similar scaffolding folders are not checked: by convention they commit no lockfile.',
        'A package with only peerDependencies is treated as having no dependencies.',
        'Without git (an exported tree) a lockfile that is present counts as committed even when .gitignore lists it; with git, only tracked lockfiles count.',
        'Whether the committed lockfile is in sync with package.json is not checked; `npm ci` in CI fails when it is not.',
      ],
    },
  },
  scope: 'repository',
  async check(ctx) {
    const { model } = ctx;
    // Which directory must hold the lockfile for each manifest with dependencies: its own, or its workspace root's.
    const owners = new Map<string, string[]>();
    for (const { path, manifest } of model.manifests()) {
      if (scaffolding.test(path) || !hasDependencies(manifest)) continue;
      const dir = dirOf(path);
      const workspaceRoot = model.packages.some((p) => p.dir === dir && p.source !== 'root')
        ? '.'
        : ancestors(dir).find((a) => isWorkspaceRoot(model, a));
      const owner = workspaceRoot ?? dir;
      owners.set(owner, [...(owners.get(owner) ?? []), path]);
    }

    const tracked = await model.tracked();
    for (const [owner, manifests] of owners) {
      const candidates = lockfileNames.map((name) => join2(owner, name));
      const present = new Set<string>();
      for (const path of candidates) if (await existsOnDisk(model, path)) present.add(path);
      // Committed: tracked by git when git can tell; otherwise present (an exported tree holds only what was
      // committed, whatever .gitignore says), or present and not ignored in a work tree.
      if (candidates.some((p) => (tracked ? tracked.has(p) || (present.has(p) && !model.isGitIgnored(p)) : present.has(p)))) continue;
      const ownManifest = join2(owner, 'package.json');
      const at = model.has(ownManifest) ? ownManifest : manifests[0]!;
      const manager = packageManagerOf(model.json<PackageManifest>(ownManifest));
      // Ignoring the other package managers' lockfiles is deliberate hygiene: an ignore entry is the cause only
      // when it hides a lockfile that exists, or the lockfile of the package manager the project uses.
      const ignored = candidates.filter(
        (p) => model.isGitIgnored(p) && (present.has(p) || lockfileManager(p) === (manager ?? 'npm')),
      );
      if (ignored.length > 0) {
        const line = ignoringLine(model, ignored[0]!);
        const lockfile = ignored.map((p) => p.slice(p.lastIndexOf('/') + 1)).join(', ');
        ctx.report({ messageId: 'ignored', data: { lockfile }, ...(line ?? { path: at }), packageDir: owner });
        continue;
      }
      const npmrc = lockfileDisabled(model, [owner, ...ancestors(owner)]);
      const packages = manifests.filter((m) => m !== ownManifest).length;
      if (npmrc) ctx.report({ messageId: 'disabled', data: { npmrc }, path: at, packageDir: owner });
      else if (packages === 0) ctx.report({ messageId: 'missing', path: at, packageDir: owner });
      else ctx.report({ messageId: 'workspaceMissing', data: { count: packages }, path: at, packageDir: owner });
    }
  },
});
