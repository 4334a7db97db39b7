/**
 * Whether a node runs once per request (inside a route handler, a Next.js route handler, a NestJS controller method or
 * a tRPC procedure), for the scalability and pooling rules. Imports and options objects: `security/_code/code.ts`.
 */
import { ts } from '../../src/audit/parsers/ts.cjs';
import { handlerShaped, isFunctionLike, propertyName } from '../_http/routes.js';
import { nextRoutePath } from '../_http/paths.js';

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
