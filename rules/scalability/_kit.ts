/**
 * Syntax helpers shared by the scalability and pooling rules: which module a local name was imported from, the
 * properties of an options object, and whether a node runs once per request (inside a route handler, a Next.js route
 * handler, a NestJS controller method or a tRPC procedure).
 */
import { ts } from 'ts-morph';
import { handlerShaped, isFunctionLike, propertyName } from '../_http/routes.js';
import { nextRoutePath } from '../_http/paths.js';
import { httpServerFrameworks, httpServerPackages, runtimeDependencies } from '../_server/server-code.js';
import type { RepoModel } from '../../src/audit/model.js';

/** Local name → module specifier, for `import x from 'm'`, `import { a as x } from 'm'`, `const x = require('m')`. */
export interface Imports {
  /** Local name → [module, imported name] (`default` or `*` for default and namespace imports). */
  names: Map<string, [string, string]>;
  modules: Set<string>;
}

export function importsOf(source: ts.SourceFile): Imports {
  const names = new Map<string, [string, string]>();
  const modules = new Set<string>();
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) {
      const m = s.moduleSpecifier.text;
      modules.add(m);
      const clause = s.importClause;
      if (clause?.name) names.set(clause.name.text, [m, 'default']);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, [m, '*']);
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) names.set(el.name.text, [m, (el.propertyName ?? el.name).text]);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        const init = d.initializer && unwrapCall(d.initializer);
        if (!init) continue;
        const m = requireOf(init);
        if (m === undefined) continue;
        modules.add(m);
        if (ts.isIdentifier(d.name)) names.set(d.name.text, [m, ts.isPropertyAccessExpression(init) ? init.name.text : 'default']);
        else if (ts.isObjectBindingPattern(d.name)) {
          for (const el of d.name.elements) if (ts.isIdentifier(el.name)) names.set(el.name.text, [m, propertyName(el.propertyName) ?? el.name.text]);
        }
      }
    }
  }
  // require() calls anywhere (`app.use(require('express-session')(...))`) still tell which modules the file uses.
  for (const m of source.text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) modules.add((m[1] ?? m[2])!);
  return { names, modules };
}

function unwrapCall(e: ts.Expression): ts.Expression {
  let x = e;
  while (ts.isAwaitExpression(x) || ts.isParenthesizedExpression(x) || ts.isAsExpression(x)) x = x.expression;
  return x;
}

/** `require('m')`, `require('m').x`, `(await import('m')).default` → `m`. */
export function requireOf(e: ts.Expression): string | undefined {
  let x = unwrapCall(e);
  if (ts.isPropertyAccessExpression(x)) x = unwrapCall(x.expression);
  if (ts.isCallExpression(x) && x.arguments.length === 1 && ts.isStringLiteral(x.arguments[0]!)) {
    if ((ts.isIdentifier(x.expression) && x.expression.text === 'require') || x.expression.kind === ts.SyntaxKind.ImportKeyword) return x.arguments[0].text;
  }
  return undefined;
}

/** The module a callee or constructor refers to: `session` → express-session, `pg.Pool` → pg, `require('m')(...)` → m. */
export function moduleOf(callee: ts.Expression, imports: Imports): { module: string; name: string } | undefined {
  const e = unwrapCall(callee);
  const direct = requireOf(e);
  if (direct !== undefined) return { module: direct, name: ts.isPropertyAccessExpression(e) ? e.name.text : 'default' };
  if (ts.isIdentifier(e)) {
    const hit = imports.names.get(e.text);
    return hit ? { module: hit[0], name: hit[1] === '*' ? 'default' : hit[1] } : undefined;
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const hit = imports.names.get(e.expression.text);
    return hit && (hit[1] === 'default' || hit[1] === '*') ? { module: hit[0], name: e.name.text } : undefined;
  }
  return undefined;
}

export type Props = Map<string, ts.Expression> & { spread?: boolean };

/** The named properties of an object literal; `spread` when some come from `...other` (then nothing is known for sure). */
export function propsOf(object: ts.ObjectLiteralExpression): Props {
  const out: Props = new Map();
  for (const p of object.properties) {
    if (ts.isSpreadAssignment(p)) out.spread = true;
    else if (ts.isPropertyAssignment(p)) {
      const name = propertyName(p.name);
      if (name !== undefined) out.set(name, p.initializer);
    } else if (ts.isShorthandPropertyAssignment(p)) out.set(p.name.text, p.name);
    else if ((ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p)) && propertyName(p.name) !== undefined) out.set(propertyName(p.name)!, p.name as ts.Expression);
  }
  return out;
}

/**
 * An options argument as an object literal: given inline, or an identifier bound to one at module or function level
 * (`const options = { ... }; session(options)`). Undefined when it cannot be known (a call result, an import).
 */
export function objectArgument(arg: ts.Expression | undefined, source: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  if (!arg) return undefined;
  const e = unwrapCall(arg);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (!ts.isIdentifier(e)) return undefined;
  let found: ts.ObjectLiteralExpression | undefined;
  let assigned = false;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === e.text && node.initializer) {
      const init = unwrapCall(node.initializer);
      if (ts.isObjectLiteralExpression(init)) found = init;
    }
    // `options.store = new RedisStore()`: the object is completed later; treat it as unknown.
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && ts.isIdentifier(node.left.expression) && node.left.expression.text === e.text) assigned = true;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return assigned ? undefined : found;
}

const routeMethods = /^(?:get|post|put|patch|delete|del|all|head|options|use|route|on)$/;
const nestRouteDecorators = /^(?:Get|Post|Put|Patch|Delete|All|Head|Options|Sse|MessagePattern|EventPattern)$/;
const nextMethods = /^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/;

function decoratorNames(node: ts.Node): string[] {
  if (!ts.canHaveDecorators(node)) return [];
  return (ts.getDecorators(node) ?? []).map((d) => {
    const e = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
  });
}

function functionName(fn: ts.Node): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name) return propertyName(fn.name);
  const p = fn.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  return undefined;
}

/**
 * Whether a function runs once per request: a handler-shaped function (`(req, res)`, `(ctx)`, `(c)`), a callback
 * passed to a route registration (`app.post('/x', fn)`), an exported Next.js route handler (`export async function
 * POST`), a NestJS controller route method, or a tRPC procedure (`.mutation(async ({ ctx, input }) => ...)`).
 */
export function runsPerRequest(fn: ts.Node, path: string): boolean {
  if (!isFunctionLike(fn)) return false;
  if (handlerShaped(fn)) return true;
  const parent = fn.parent;
  if (parent && ts.isCallExpression(parent) && parent.arguments.includes(fn as ts.Expression) && ts.isPropertyAccessExpression(parent.expression)) {
    const method = parent.expression.name.text;
    if (/^(?:mutation|query|subscription)$/.test(method) && fn.parameters.length <= 1) return true;
    const first = parent.arguments[0];
    if (routeMethods.test(method) && first !== fn && first !== undefined && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first) || ts.isTemplateExpression(first))) return true;
  }
  if (ts.isMethodDeclaration(fn) && decoratorNames(fn).some((d) => nestRouteDecorators.test(d))) return true;
  if (nextRoutePath(path) !== undefined || /(?:^|\/)app\/(?:.*\/)?route\.[cm]?[jt]sx?$/.test(path)) {
    const name = functionName(fn);
    if (name !== undefined && nextMethods.test(name)) return true;
  }
  return false;
}

/** The nearest enclosing function that runs per request, or undefined when the node runs once (module level, a setup function). */
export function enclosingHandler(node: ts.Node, path: string): ts.Node | undefined {
  for (let p: ts.Node | undefined = node.parent; p; p = p.parent) {
    if (isFunctionLike(p) && runsPerRequest(p, path)) return p;
  }
  return undefined;
}

/** Name of the request parameter of a handler (`req`, `request`, `ctx`, `c`, or the destructured `{ input }`), if any. */
export function requestNames(fn: ts.Node): string[] {
  if (!isFunctionLike(fn)) return [];
  const first = fn.parameters[0];
  if (!first) return [];
  if (ts.isIdentifier(first.name)) return [first.name.text];
  if (ts.isObjectBindingPattern(first.name)) return first.name.elements.flatMap((el) => (ts.isIdentifier(el.name) ? [el.name.text] : []));
  return [];
}

/** Whether an identifier with this name occurs in the node. */
export function mentions(node: ts.Node, names: readonly string[]): boolean {
  if (names.length === 0) return false;
  let hit = false;
  const visit = (n: ts.Node): void => {
    if (hit) return;
    if (ts.isIdentifier(n) && names.includes(n.text)) hit = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return hit;
}

/**
 * Whether the repository serves HTTP: an HTTP server package, Next.js API routes, or a package that depends on an HTTP
 * framework next to a front end (Koa + React in one package still serves an API).
 */
export function servesHttp(model: RepoModel): boolean {
  if (httpServerPackages(model).length > 0) return true;
  const foreign = /(?:^|\/)(?:node_modules|vendor|fixtures?|__fixtures__|examples?|tests?|__tests__|templates?|e2e)\//;
  if (model.manifests().some(({ path, manifest }) => !foreign.test(path) && httpServerFrameworks.some((d) => d !== 'hono' && runtimeDependencies(manifest).has(d)))) return true;
  return model.find((f) => /(?:^|\/)pages\/api\/|(?:^|\/)app\/(?:.*\/)?route\.[cm]?[jt]sx?$/.test(f.path) && !foreign.test(f.path)).length > 0;
}
