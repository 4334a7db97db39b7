/**
 * Repository-level "does this server have X anywhere" checks (health endpoint, metrics, request IDs, signal
 * handling): each server package is searched, with the workspace packages it depends on, for a dependency or a
 * source pattern that provides X.
 */
import type { RepoModel } from '../../src/audit/model.js';
import { dirOf, httpServerPackages, runtimeDependencies, type ServerPackage } from './server-code.js';

/** Tests, fixtures, examples and docs: code there does not run in production. */
export const nonProductionPath =
  /(?:^|\/)(?:__tests__|__mocks__|tests?|specs?|e2e|cypress|playwright|fixtures?|__fixtures__|mocks?|examples?|samples?|docs?|benchmarks?|playgrounds?|demos?|node_modules|vendor)\/|\.(?:test|spec|e2e|e2e-spec|stories|cy|bench)\.[cm]?[jt]sx?$|\.d\.[cm]?ts$/;

export interface EvidenceSpec {
  /** A dependency name that provides the capability. */
  dependency: (name: string) => boolean;
  /** Source text that provides it (any of the patterns). */
  source?: RegExp | readonly RegExp[];
  /** Non-TypeScript files (Dockerfiles, YAML, package.json scripts) that may provide it, with the pattern to find. */
  other?: { path: RegExp; text: RegExp };
}

export interface ServerEvidence {
  pkg: ServerPackage;
  /** What provides the capability (a dependency name or a file path), or undefined when nothing does. */
  found: string | undefined;
}

function packageName(pkg: ServerPackage): string {
  return typeof pkg.manifest.name === 'string' && pkg.manifest.name ? pkg.manifest.name : pkg.dir === '.' ? 'the root package' : pkg.dir;
}

export { packageName };

/**
 * For every HTTP server package: the first evidence of the capability in its dependencies, the root manifest's
 * dependencies, its own source files or those of the workspace packages it depends on.
 */
export function serverEvidence(model: RepoModel, spec: EvidenceSpec): ServerEvidence[] {
  const servers = httpServerPackages(model);
  const manifests = model.manifests();
  const byName = new Map(manifests.flatMap(({ path, manifest }) => (typeof manifest.name === 'string' ? [[manifest.name, dirOf(path)] as const] : [])));
  const allDirs = manifests.map(({ path }) => dirOf(path));
  const filesOf = (dir: string): string[] => {
    const prefix = dir === '.' ? '' : `${dir}/`;
    const nested = allDirs.filter((d) => d !== dir && (dir === '.' || d.startsWith(prefix))).map((d) => `${d}/`);
    return model.find((f) => f.path.startsWith(prefix) && !nested.some((n) => f.path.startsWith(n)) && !nonProductionPath.test(f.path)).map((f) => f.path);
  };
  const rootDeps = model.dependencies('.');
  return servers.map((pkg) => {
    const own = model.dependencies(pkg.dir);
    const dep = [...own, ...rootDeps].find(spec.dependency);
    if (dep) return { pkg, found: dep };
    const dirs = [pkg.dir, ...[...runtimeDependencies(pkg.manifest)].flatMap((n) => (byName.has(n) ? [byName.get(n)!] : []))];
    for (const dir of dirs) {
      for (const path of filesOf(dir)) {
        const file = model.file(path)!;
        const patterns = file.language === 'ts' ? spec.source : spec.other?.path.test(path) ? spec.other.text : undefined;
        if (!patterns) continue;
        const text = model.text(path) ?? '';
        if ((Array.isArray(patterns) ? patterns : [patterns]).some((re: RegExp) => re.test(text))) return { pkg, found: path };
      }
    }
    return { pkg, found: undefined };
  });
}
