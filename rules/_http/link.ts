/**
 * Joins the per-file {@link HttpFacts} in `summarize`: resolves imports between files, follows mounts from routers to
 * apps (prefixes and middleware applied on the way), Fastify autoload folders and autohooks, Nest global prefix and
 * global guards, and Next.js middleware matchers.
 */
import type { RepoModel } from '../../src/audit/model.js';
import { joinPaths, matcherRegExp, segments } from './paths.js';
import type { Framework, HandlerFacts, HttpFacts, NestFacts, Ref, RouteFact, UnitFact, UseFact } from './routes.js';

export interface LinkedRoute {
  /** File that registers the route. */
  path: string;
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
  root: boolean;
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

/** Resolves a relative or aliased (`@/`, `~/`, `src/`) module specifier to an audited file. */
export function resolveModule(model: RepoModel, from: string, specifier: string, packageDir: string): string | undefined {
  const bases: string[] = [];
  const pkg = packageDir === '.' ? '' : packageDir;
  if (specifier.startsWith('.')) bases.push(normalize([...dirOf(from).split('/'), ...specifier.split('/')]));
  else if (/^[@~#]\//.test(specifier)) {
    const rest = specifier.slice(2);
    bases.push(normalize([...pkg.split('/'), 'src', ...rest.split('/')]), normalize([...pkg.split('/'), ...rest.split('/')]), normalize(['src', ...rest.split('/')]));
  } else if (specifier.startsWith('src/')) bases.push(normalize([...pkg.split('/'), ...specifier.split('/')]), specifier);
  else return undefined;
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
    if (!entry || depth > 12) return [{ prefix: null, auth: false, validation: false, root: false }];
    memo.set(id, [{ prefix: null, auth: false, validation: false, root: false }]);
    const { unit, path } = entry;
    const facts = files.get(path)!;
    const out: Ctx[] = [];
    const edges = parents.get(id) ?? [];
    if (unit.kind === 'app' || unit.kind === 'file') out.push({ prefix: unit.prefix, auth: false, validation: false, root: true });
    else if (unit.kind === 'controller') out.push({ prefix: joinPaths(pkg(packageOf(path)).nest.globalPrefix, unit.prefix), auth: false, validation: false, root: true });
    else if (edges.length === 0) {
      const auto = autoloadOf(path);
      const isDefault = facts.exports.default === unit.key || Object.values(facts.exports).includes(unit.key);
      if (auto && isDefault) {
        const rel = dirOf(path.slice(auto.dir.length + 1));
        const dirPrefix = rel.split('/').filter(Boolean).map((s) => (s.startsWith('_') ? `:${s.slice(1)}` : s));
        out.push({ prefix: joinPaths(auto.prefix, ...dirPrefix, unit.prefix), auth: false, validation: false, root: true });
      } else out.push({ prefix: unit.prefix, auth: false, validation: false, root: unit.framework === 'hono' });
    }
    for (const edge of edges) {
      const parent = units.get(edge.parent);
      const parentUses = effectiveUses.get(edge.parent) ?? [];
      const applies = (u: UseFact): boolean => parent !== undefined && (parent.unit.framework === 'fastify' || u.pos < edge.pos) && within(edge.path, u.path);
      const usesAuth = parentUses.some((u) => u.auth && applies(u));
      const usesValidation = parentUses.some((u) => u.validation && applies(u));
      for (const ctx of contexts(edge.parent, depth + 1)) {
        out.push({
          prefix: ctx.prefix === null || edge.path === null ? null : joinPaths(ctx.prefix, edge.path, unit.prefix),
          auth: ctx.auth || edge.auth || usesAuth,
          validation: ctx.validation || usesValidation,
          root: ctx.root,
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
      routes.push({
        path,
        packageDir,
        route,
        fullPath,
        mounted: ctxs.some((c) => c.root),
        auth,
        validated: route.validated || unitValidation || ctxs.some((c) => c.validation) || (handler?.facts.validated ?? false),
        rateLimit: route.rateLimit || uses.some((u) => u.rateLimit),
        versioned: route.versioned === true || entry.unit.versioned === true || (route.framework === 'nest' && p.nest.versioning),
        ...(handler ? { handler } : {}),
      });
    }
  }
  return { routes, packages };
}
