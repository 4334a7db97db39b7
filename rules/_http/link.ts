/**
 * Joins the per-file {@link HttpFacts} in `summarize`: resolves imports between files, follows mounts from routers to
 * apps (prefixes and middleware applied on the way), Fastify autoload folders and autohooks, Nest global prefix and
 * global guards, and Next.js middleware matchers.
 */
import type { PackageManifest, RepoModel } from '../../src/audit/model.js';
import { joinPaths, matcherRegExp, segments } from './paths.js';
import type { Framework, HandlerFacts, HttpFacts, NestFacts, Ref, RouteFact, UnitFact, UseFact } from './routes.js';

export interface LinkedRoute {
  /** File that registers the route. */
  path: string;
  /** The service: the package of the app that serves the route (the file's own package unless another package mounts it). */
  packageDir: string;
  route: RouteFact;
  /** Path with every known prefix applied; null when part of it is computed at run time or the mount is unknown. */
  fullPath: string | null;
  /** Its chain of mounts reaches an app, a Nest controller, a Next.js route file or an autoload folder. */
  mounted: boolean;
  auth: boolean;
  validated: boolean;
  rateLimit: boolean;
  /** Version negotiation applies (Nest versioning, a versioned controller or route). */
  versioned: boolean;
  /** The handler's own facts and the file they are in (inline, or the controller module it is imported from), with its name when it has one. */
  handler?: { path: string; facts: HandlerFacts; name?: string };
}

export interface PackageHttp {
  dir: string;
  frameworks: Set<Framework>;
  errorHandlers: Set<Framework>;
  versioning: boolean;
  nest: NestFacts;
  /** Files that create an app (`express()`, `fastify()`, `new Koa()`, `NestFactory.create`, `new Hono()`). */
  appFiles: Array<{ path: string; framework: Framework; start: number; end: number }>;
}

export interface HttpModel {
  routes: LinkedRoute[];
  packages: Map<string, PackageHttp>;
}

interface Edge {
  parent: string;
  pos: number;
  path: string | null;
  auth: boolean;
}

interface Ctx {
  prefix: string | null;
  auth: boolean;
  validation: boolean;
  rateLimit: boolean;
  root: boolean;
  /** Package of the app the chain of mounts ends at: the service that serves the route. */
  rootPackage?: string;
}

const extensions = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function normalize(parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    if (!p || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out.join('/');
}

const workspaceCache = new WeakMap<RepoModel, Map<string, { dir: string; manifest: PackageManifest }>>();

/** Packages of the repository by name (`@acme/api` → `packages/api`), so imports between workspaces resolve. */
function workspacePackages(model: RepoModel): Map<string, { dir: string; manifest: PackageManifest }> {
  let map = workspaceCache.get(model);
  if (map) return map;
  map = new Map();
  for (const { path, manifest } of model.manifests()) {
    if (typeof manifest.name !== 'string' || /(?:^|\/)node_modules\//.test(path)) continue;
    if (!map.has(manifest.name)) map.set(manifest.name, { dir: dirOf(path), manifest });
  }
  workspaceCache.set(model, map);
  return map;
}

/** The file an `exports` entry points at: a string, or the first string under `import`/`default`/`types`/`require`/`node`. */
function exportTarget(entry: unknown, depth = 0): string | undefined {
  if (typeof entry === 'string') return entry;
  if (!entry || typeof entry !== 'object' || Array.isArray(entry) || depth > 3) return undefined;
  const conditions = entry as Record<string, unknown>;
  for (const key of ['import', 'default', 'types', 'require', 'node']) {
    const found = exportTarget(conditions[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** `@acme/api/hono` → candidate paths inside the workspace package `@acme/api` (its `exports`, `main`, the folder itself). */
function workspaceBases(model: RepoModel, specifier: string): string[] {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const pkg = workspacePackages(model).get(parts.slice(0, nameLength).join('/'));
  if (!pkg) return [];
  const sub = parts.slice(nameLength).join('/');
  const root = pkg.dir.split('/');
  const bases: string[] = [];
  const exportsField = pkg.manifest.exports;
  const entry = exportsField && typeof exportsField === 'object' && !Array.isArray(exportsField) && Object.keys(exportsField).some((k) => k.startsWith('.'))
    ? (exportsField as Record<string, unknown>)[sub ? `./${sub}` : '.']
    : sub ? undefined : exportsField;
  const target = exportTarget(entry);
  if (target) {
    bases.push(normalize([...root, ...target.split('/')]));
    // Built output (`./dist/x.js`) maps back to the source it was compiled from.
    bases.push(normalize([...root, ...target.replace(/^\.?\/?(?:dist|build|lib|out)\//, 'src/').split('/')]).replace(/\.d\.ts$/, '.ts'));
  }
  if (sub) bases.push(normalize([...root, ...sub.split('/')]), normalize([...root, 'src', ...sub.split('/')]));
  else {
    for (const field of ['source', 'module', 'main', 'types']) {
      const value = pkg.manifest[field];
      if (typeof value === 'string') bases.push(normalize([...root, ...value.split('/')]).replace(/\.d\.ts$/, '.ts'));
    }
    bases.push(normalize([...root, 'src']), normalize(root));
  }
  return bases;
}

/** Resolves a relative, aliased (`@/`, `~/`, `src/`) or workspace-package (`@acme/api/routes`) specifier to an audited file. */
export function resolveModule(model: RepoModel, from: string, specifier: string, packageDir: string): string | undefined {
  const bases: string[] = [];
  const pkg = packageDir === '.' ? '' : packageDir;
  if (specifier.startsWith('.')) bases.push(normalize([...dirOf(from).split('/'), ...specifier.split('/')]));
  else if (/^[@~#]\//.test(specifier)) {
    const rest = specifier.slice(2);
    bases.push(normalize([...pkg.split('/'), 'src', ...rest.split('/')]), normalize([...pkg.split('/'), ...rest.split('/')]), normalize(['src', ...rest.split('/')]));
  } else if (specifier.startsWith('src/')) bases.push(normalize([...pkg.split('/'), ...specifier.split('/')]), specifier);
  else bases.push(...workspaceBases(model, specifier));
  if (bases.length === 0) return undefined;
  for (const base of bases) {
    const stripped = base.replace(/\.(?:js|jsx|mjs|cjs)$/, '');
    const candidates = [base, ...extensions.map((e) => stripped + e), ...extensions.map((e) => `${base}/index${e}`)];
    for (const c of candidates) if (model.has(c)) return c;
  }
  return undefined;
}

/**
 * The folder of the nearest package.json above a file: the service it belongs to, whether or not the repository
 * declares it as a workspace.
 */
export function manifestDir(model: RepoModel, path: string, cache: Map<string, string>): string {
  let dir = dirOf(path) || '.';
  const visited: string[] = [];
  let found = '.';
  for (;;) {
    const cached = cache.get(dir);
    if (cached !== undefined) {
      found = cached;
      break;
    }
    visited.push(dir);
    if (model.has(dir === '.' ? 'package.json' : `${dir}/package.json`)) {
      found = dir;
      break;
    }
    if (dir === '.') break;
    dir = dirOf(dir) || '.';
  }
  for (const d of visited) cache.set(d, found);
  return found;
}

function uid(path: string, key: string): string {
  return `${path}#${key}`;
}

/** Path `p` is inside the scope of a middleware mounted at `scope` (`/admin` covers `/admin/users`; Hono `/api/*`). */
function within(p: string | null, scope: string | null): boolean {
  if (scope === null) return true;
  const s = scope.replace(/\/?\*$/, '').replace(/\(\.\*\)$/, '');
  if (s === '' || s === '/') return true;
  if (p === null) return false;
  const a = segments(p);
  const b = segments(s);
  return b.every((x, i) => x === a[i] || x.startsWith(':'));
}

export function buildHttpModel(model: RepoModel, input: ReadonlyArray<{ path: string; facts: HttpFacts }>): HttpModel {
  const files = new Map<string, HttpFacts>();
  for (const { path, facts } of input) files.set(path, facts);
  const dirs = new Map<string, string>();
  const packageOf = (path: string): string => manifestDir(model, path, dirs);
  const units = new Map<string, { unit: UnitFact; path: string }>();
  for (const [path, facts] of files) for (const unit of facts.units) units.set(uid(path, unit.key), { unit, path });

  const refFile = (from: string, ref: Ref): string | undefined => resolveModule(model, from, ref.specifier, packageOf(from));
  const refUnit = (from: string, ref: Ref): string | undefined => {
    const file = refFile(from, ref);
    const facts = file ? files.get(file) : undefined;
    if (!file || !facts) return undefined;
    const exportPath = ref.member ? `${ref.name}.${ref.member}` : ref.name;
    const key = facts.exports[exportPath] ?? (ref.member ? facts.exports[ref.member] : undefined) ?? (ref.name === 'default' && !ref.member && facts.units.length === 1 ? facts.units[0]!.key : undefined);
    return key ? uid(file, key) : undefined;
  };

  // Mounts, and `use`/`register` of imported bindings that turn out to be routers or plugin scopes.
  const parents = new Map<string, Edge[]>();
  const addEdge = (child: string, edge: Edge): void => {
    if (child === edge.parent) return;
    let list = parents.get(child);
    if (!list) parents.set(child, (list = []));
    list.push(edge);
  };
  const effectiveUses = new Map<string, UseFact[]>();
  for (const [path, facts] of files) {
    for (const m of facts.mounts) {
      const child = 'unit' in m.target ? uid(path, m.target.unit) : refUnit(path, m.target.ref);
      if (child) addEdge(child, { parent: uid(path, m.parent), pos: m.pos, path: m.path, auth: m.auth });
    }
    for (const unit of facts.units) {
      const uses: UseFact[] = [];
      for (const use of unit.uses) {
        const target = use.ref ? refUnit(path, use.ref) : undefined;
        const resolved = target ? units.get(target) : undefined;
        if (!resolved) {
          uses.push(use);
          continue;
        }
        // A fastify-plugin scope shares its hooks with the parent; any other unit is a child scope, not middleware.
        if (resolved.unit.fp) uses.push({ ...use, path: null, auth: resolved.unit.uses.some((u) => u.auth) || use.auth });
        else addEdge(target!, { parent: uid(path, unit.key), pos: use.pos, path: use.path ?? '', auth: use.guarded === true });
      }
      effectiveUses.set(uid(path, unit.key), uses);
    }
  }

  // Package-level facts.
  const packages = new Map<string, PackageHttp>();
  const pkg = (dir: string): PackageHttp => {
    let p = packages.get(dir);
    if (!p) {
      p = { dir, frameworks: new Set(), errorHandlers: new Set(), versioning: false, nest: { versioning: false, globalGuard: false, globalPipe: false, throttlerGuard: false }, appFiles: [] };
      packages.set(dir, p);
    }
    return p;
  };
  const autoloads: Array<{ dir: string; prefix: string }> = [];
  const middlewares: Array<{ packageDir: string; auth: boolean; matchers: RegExp[] | null }> = [];
  for (const [path, facts] of files) {
    const p = pkg(packageOf(path));
    for (const u of facts.units) {
      p.frameworks.add(u.framework);
      if (u.kind === 'app' || (u.framework === 'hono' && !parents.has(uid(path, u.key)))) p.appFiles.push({ path, framework: u.framework, start: u.start, end: u.end });
    }
    for (const f of facts.errorHandlers) p.errorHandlers.add(f);
    if (facts.versioning) p.versioning = true;
    if (facts.nest) {
      p.nest.globalPrefix ??= facts.nest.globalPrefix;
      p.nest.versioning ||= facts.nest.versioning;
      p.nest.globalGuard ||= facts.nest.globalGuard;
      p.nest.globalPipe ||= facts.nest.globalPipe;
      p.nest.throttlerGuard ||= facts.nest.throttlerGuard;
      p.frameworks.add('nest');
    }
    autoloads.push(...facts.autoload);
    if (facts.nextMiddleware) {
      const m = facts.nextMiddleware;
      middlewares.push({
        packageDir: packageOf(path),
        auth: m.auth,
        matchers: m.matchers === null ? null : m.matchers.map((x) => matcherRegExp(x) ?? /.*/),
      });
    }
  }

  const autoloadOf = (path: string): { dir: string; prefix: string } | undefined =>
    autoloads.filter((d) => path.startsWith(`${d.dir}/`)).sort((x, y) => y.dir.length - x.dir.length)[0];
  /** Fastify autohooks: hooks of `autohooks.ts` apply to the routes of its folder and below. */
  const autohookAuth = new Map<string, boolean>();
  for (const [path, facts] of files) {
    if (!/(?:^|\/)autohooks\.[cm]?[jt]s$/.test(path)) continue;
    autohookAuth.set(dirOf(path), facts.units.some((u) => u.uses.some((x) => x.auth)));
  }
  const autohooked = (path: string): boolean => {
    for (const [dir, auth] of autohookAuth) if (auth && path.startsWith(`${dir}/`)) return true;
    return false;
  };

  const memo = new Map<string, Ctx[]>();
  const contexts = (id: string, depth: number): Ctx[] => {
    const cached = memo.get(id);
    if (cached) return cached;
    const entry = units.get(id);
    if (!entry || depth > 12) return [{ prefix: null, auth: false, validation: false, rateLimit: false, root: false }];
    memo.set(id, [{ prefix: null, auth: false, validation: false, rateLimit: false, root: false }]);
    const { unit, path } = entry;
    const facts = files.get(path)!;
    const out: Ctx[] = [];
    const edges = parents.get(id) ?? [];
    const own = packageOf(path);
    if (unit.kind === 'app' || unit.kind === 'file') out.push({ prefix: unit.prefix, auth: false, validation: false, rateLimit: false, root: true, rootPackage: own });
    else if (unit.kind === 'controller') out.push({ prefix: joinPaths(pkg(own).nest.globalPrefix, unit.prefix), auth: false, validation: false, rateLimit: false, root: true, rootPackage: own });
    else if (edges.length === 0) {
      const auto = autoloadOf(path);
      const isDefault = facts.exports.default === unit.key || Object.values(facts.exports).includes(unit.key);
      if (auto && isDefault) {
        const rel = dirOf(path.slice(auto.dir.length + 1));
        const dirPrefix = rel.split('/').filter(Boolean).map((s) => (s.startsWith('_') ? `:${s.slice(1)}` : s));
        out.push({ prefix: joinPaths(auto.prefix, ...dirPrefix, unit.prefix), auth: false, validation: false, rateLimit: false, root: true, rootPackage: own });
      } else out.push({ prefix: unit.prefix, auth: false, validation: false, rateLimit: false, root: unit.framework === 'hono', ...(unit.framework === 'hono' ? { rootPackage: own } : {}) });
    }
    for (const edge of edges) {
      const parent = units.get(edge.parent);
      const parentUses = effectiveUses.get(edge.parent) ?? [];
      const applies = (u: UseFact): boolean => parent !== undefined && (parent.unit.framework === 'fastify' || u.pos < edge.pos) && within(edge.path, u.path);
      const usesAuth = parentUses.some((u) => u.auth && applies(u));
      const usesValidation = parentUses.some((u) => u.validation && applies(u));
      const usesRateLimit = parentUses.some((u) => u.rateLimit && applies(u));
      for (const ctx of contexts(edge.parent, depth + 1)) {
        out.push({
          prefix: ctx.prefix === null || edge.path === null ? null : joinPaths(ctx.prefix, edge.path, unit.prefix),
          auth: ctx.auth || edge.auth || usesAuth,
          validation: ctx.validation || usesValidation,
          rateLimit: ctx.rateLimit || usesRateLimit,
          root: ctx.root,
          ...(ctx.rootPackage !== undefined ? { rootPackage: ctx.rootPackage } : {}),
        });
      }
    }
    memo.set(id, out);
    return out;
  };

  const handlerOf = (path: string, route: RouteFact): { path: string; facts: HandlerFacts; name?: string } | undefined => {
    if (route.handler) return { path, facts: route.handler };
    const ref = route.handlerRef;
    if (!ref) return undefined;
    if ('local' in ref) {
      const f = files.get(path)?.functions[ref.local];
      return f ? { path, facts: f, name: ref.local } : undefined;
    }
    const file = refFile(path, ref.ref);
    const facts = file ? files.get(file) : undefined;
    if (!file || !facts) return undefined;
    const exportPath = ref.ref.member ? `${ref.ref.name}.${ref.ref.member}` : ref.ref.name;
    const key = facts.functionExports[exportPath] ?? (ref.ref.member ? facts.functionExports[ref.ref.member] : undefined);
    const fn = key ? facts.functions[key] : undefined;
    return fn ? { path: file, facts: fn, name: key } : undefined;
  };

  const routes: LinkedRoute[] = [];
  for (const [path, facts] of files) {
    const packageDir = packageOf(path);
    const p = pkg(packageDir);
    for (const route of facts.routes) {
      const id = uid(path, route.unit);
      const entry = units.get(id);
      if (!entry) continue;
      const ctxs = contexts(id, 0);
      const chosen = ctxs.find((c) => c.root && c.prefix !== null) ?? ctxs.find((c) => c.root) ?? ctxs[0]!;
      const fullPath = route.path === null || chosen.prefix === null ? null : joinPaths(chosen.prefix, route.path);
      const uses = effectiveUses.get(id) ?? [];
      const applies = (u: UseFact): boolean => (entry.unit.framework === 'fastify' || u.pos < route.start) && within(route.path, u.path);
      const unitAuth = uses.some((u) => u.auth && applies(u));
      const unitValidation = uses.some((u) => u.validation && applies(u));
      const handler = handlerOf(path, route);
      let auth = route.auth || unitAuth || ctxs.some((c) => c.auth) || (handler?.facts.auth ?? false) || autohooked(path);
      if (route.framework === 'nest' && p.nest.globalGuard && !route.public) auth = true;
      if (route.framework === 'next' && fullPath !== null) {
        for (const m of middlewares) {
          if (m.packageDir !== packageDir || !m.auth) continue;
          if (m.matchers === null || m.matchers.some((re) => re.test(fullPath))) auth = true;
        }
      }
      // A router of one workspace package mounted by the app of another is served by that app's service.
      const service = chosen.root && chosen.rootPackage !== undefined ? chosen.rootPackage : packageDir;
      routes.push({
        path,
        packageDir: service,
        route,
        fullPath,
        mounted: ctxs.some((c) => c.root),
        auth,
        validated: route.validated || unitValidation || ctxs.some((c) => c.validation) || (handler?.facts.validated ?? false),
        rateLimit: route.rateLimit || uses.some((u) => u.rateLimit) || ctxs.some((c) => c.rateLimit),
        versioned: route.versioned === true || entry.unit.versioned === true || (route.framework === 'nest' && p.nest.versioning),
        ...(handler ? { handler } : {}),
      });
    }
  }
  return { routes, packages };
}
