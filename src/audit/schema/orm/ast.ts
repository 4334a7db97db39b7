import { ts } from '../../parsers/ts.cjs';
import type { SourceRef } from '../types.js';

/** A parsed source with its path, as the ORM readers receive it. */
export interface SourceFile {
  path: string;
  source: ts.SourceFile;
}

export function refOf(file: SourceFile, node: ts.Node): SourceRef {
  const start = node.getStart(file.source);
  return { path: file.path, line: file.source.getLineAndCharacterOfPosition(start).line + 1, start, end: node.getEnd() };
}

export function nameOf(name: ts.PropertyName | ts.BindingName | ts.Expression | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteralLike(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) return stringOf(name.expression);
  return undefined;
}

export function stringOf(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return stringOf(node.expression);
  return undefined;
}

export function unwrap(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isNonNullExpression(n) || ts.isTypeAssertionExpression(n)) n = n.expression;
  return n;
}

export function property(obj: ts.ObjectLiteralExpression | undefined, key: string): ts.Expression | undefined {
  if (!obj) return undefined;
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && nameOf(p.name) === key) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === key) return p.name;
  }
  return undefined;
}

export function objectArg(call: ts.CallExpression | undefined, index: number): ts.ObjectLiteralExpression | undefined {
  const arg = call?.arguments[index];
  if (!arg) return undefined;
  const u = unwrap(arg);
  return ts.isObjectLiteralExpression(u) ? u : undefined;
}

/** The callee's last name: `pgTable` for `pgTable(...)`, `table` for `schema.table(...)`. */
export function calleeName(call: ts.CallExpression): string | undefined {
  const callee = unwrap(call.expression);
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

/** A call chain from its innermost call outwards: `a().b().c()` → [a(), b(), c()] (with their method names). */
export function chainOf(expr: ts.Expression): Array<{ name: string | undefined; call: ts.CallExpression }> {
  const out: Array<{ name: string | undefined; call: ts.CallExpression }> = [];
  let node: ts.Expression = unwrap(expr);
  while (ts.isCallExpression(node)) {
    out.push({ name: calleeName(node), call: node });
    const callee = unwrap(node.expression);
    if (ts.isPropertyAccessExpression(callee)) node = unwrap(callee.expression);
    else break;
  }
  return out.reverse();
}

export interface DecoratorUse {
  name: string;
  call: ts.CallExpression | undefined;
}

export function decoratorsOf(node: ts.Node): DecoratorUse[] {
  if (!ts.canHaveDecorators(node)) return [];
  return (ts.getDecorators(node) ?? []).flatMap((d): DecoratorUse[] => {
    const e = d.expression;
    if (ts.isCallExpression(e)) {
      const name = calleeName(e);
      return name ? [{ name, call: e }] : [];
    }
    if (ts.isIdentifier(e)) return [{ name: e.text, call: undefined }];
    if (ts.isPropertyAccessExpression(e)) return [{ name: e.name.text, call: undefined }];
    return [];
  });
}

/** The top-level `const` initializers of a file, by name (for resolving spreads and shared column sets). */
export function topLevelConsts(source: ts.SourceFile): Map<string, ts.Expression> {
  const out = new Map<string, ts.Expression>();
  for (const s of source.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) out.set(d.name.text, d.initializer);
  }
  return out;
}

/** `() => Team`, `() => Team.id`, `Team` → `Team`. */
export function targetName(node: ts.Expression | undefined): string | undefined {
  if (!node) return undefined;
  let n = unwrap(node);
  if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
    const body = n.body;
    if (ts.isBlock(body)) {
      const ret = body.statements.find(ts.isReturnStatement);
      if (!ret?.expression) return undefined;
      n = unwrap(ret.expression);
    } else n = unwrap(body);
  }
  if (ts.isIdentifier(n)) return n.text;
  if (ts.isPropertyAccessExpression(n)) return ts.isIdentifier(n.expression) ? n.expression.text : n.name.text;
  if (ts.isStringLiteralLike(n)) return n.text;
  return undefined;
}

export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Sequelize's default table name: the model name pluralised (inflection's common rules). */
export function pluralize(name: string): string {
  if (/(?:s|x|z|ch|sh)$/i.test(name)) return `${name}es`;
  if (/[^aeiou]y$/i.test(name)) return `${name.slice(0, -1)}ies`;
  return `${name}s`;
}
