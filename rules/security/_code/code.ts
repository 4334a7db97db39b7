/** Syntax helpers shared by the code-level security rules: imports, string building, names around a value. */
import { ts } from '../../../src/audit/parsers/ts.cjs';

export interface Imported {
  specifier: string;
  /** `default`, `*`, or the exported name. */
  name: string;
}

/** Test code, fixtures and examples: not production code paths. */
export const testPath =
  /(?:^|\/)(?:__tests__|__mocks__|tests?|specs?|e2e|cypress|playwright|fixtures?|__fixtures__|mocks?|stubs?|examples?|samples?|benchmarks?|testing|test-?utils)\/|\.(?:(?:client|server|unit|integration|int)?test|spec|e2e|e2e-spec|stories|story|cy|bench|d)\.[cm]?[jt]sx?$/;

/** Code that never serves production traffic: tests, code generators, build and maintenance scripts, seeds. */
export const nonProductionPath = new RegExp(
  `${testPath.source}|(?:^|\\/)(?:\\.hygen|_templates|scripts?|tools|tooling|bin|\\.github|\\.husky|generators?|codemods?|seeds?|seeders?)\\/|(?:^|\\/)(?:plopfile|gulpfile|gruntfile|jakefile|seed)[^/]*\\.[cm]?[jt]s$`,
);

const importCache = new WeakMap<ts.SourceFile, Map<string, Imported>>();

/** `require('m')`, `import('m')`, and one member of either: `require('m').x`, `(await import('m')).default`. */
function requireOf(node: ts.Expression): Imported | undefined {
  if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
    const callee = node.expression;
    if ((ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword) return { specifier: node.arguments[0].text, name: 'default' };
  }
  if (ts.isPropertyAccessExpression(node)) {
    const inner = requireOf(node.expression);
    if (inner?.name === 'default') return { specifier: inner.specifier, name: node.name.text === 'default' ? 'default' : node.name.text };
  }
  if (ts.isAwaitExpression(node) || ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return requireOf(node.expression);
  return undefined;
}

/** Local name → where it was imported from (ES imports, `import x = require()`, `const x = require()`, destructured requires). */
export function importsOf(source: ts.SourceFile): Map<string, Imported> {
  let map = importCache.get(source);
  if (map) return map;
  map = new Map();
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.importClause) {
      const specifier = s.moduleSpecifier.text;
      const clause = s.importClause;
      if (clause.name) map.set(clause.name.text, { specifier, name: 'default' });
      const b = clause.namedBindings;
      if (b && ts.isNamespaceImport(b)) map.set(b.name.text, { specifier, name: '*' });
      if (b && ts.isNamedImports(b)) for (const el of b.elements) map.set(el.name.text, { specifier, name: (el.propertyName ?? el.name).text });
    } else if (ts.isImportEqualsDeclaration(s) && ts.isExternalModuleReference(s.moduleReference) && ts.isStringLiteral(s.moduleReference.expression)) {
      map.set(s.name.text, { specifier: s.moduleReference.expression.text, name: 'default' });
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        const req = d.initializer ? requireOf(d.initializer) : undefined;
        if (!req) continue;
        if (ts.isIdentifier(d.name)) map.set(d.name.text, req);
        else if (ts.isObjectBindingPattern(d.name)) {
          for (const el of d.name.elements) {
            if (!ts.isIdentifier(el.name)) continue;
            const key = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
            map.set(el.name.text, { specifier: req.specifier, name: key });
          }
        }
      }
    }
  }
  importCache.set(source, map);
  return map;
}

/** A file's imported names, and every module it loads: imports, plus `require()` and `import()` anywhere in the code. */
export interface ModuleUse {
  names: ReadonlyMap<string, Imported>;
  modules: ReadonlySet<string>;
}

const moduleUseCache = new WeakMap<ts.SourceFile, ModuleUse>();

export function moduleUseOf(source: ts.SourceFile): ModuleUse {
  let use = moduleUseCache.get(source);
  if (use) return use;
  const modules = new Set<string>();
  for (const s of source.statements) if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) modules.add(s.moduleSpecifier.text);
  // `app.use(require('express-session')(...))` still tells which modules the file uses.
  for (const m of source.text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) modules.add((m[1] ?? m[2])!);
  use = { names: importsOf(source), modules };
  moduleUseCache.set(source, use);
  return use;
}

/** The module a callee or constructor refers to: `session` → express-session, `pg.Pool` → pg, `require('m')(...)` → m. */
export function moduleOf(callee: ts.Expression, use: ModuleUse): { module: string; name: string } | undefined {
  const e = unwrap(callee);
  const direct = requireOf(e);
  if (direct !== undefined) return { module: direct.specifier, name: direct.name };
  if (ts.isIdentifier(e)) {
    const hit = use.names.get(e.text);
    return hit ? { module: hit.specifier, name: hit.name === '*' ? 'default' : hit.name } : undefined;
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const hit = use.names.get(e.expression.text);
    return hit && (hit.name === 'default' || hit.name === '*') ? { module: hit.specifier, name: e.name.text } : undefined;
  }
  return undefined;
}

/** `mod.member(...)` or `member(...)` where `mod`/`member` come from `module`: the member name, else undefined. */
export function callOf(call: ts.CallExpression | ts.NewExpression, imports: ReadonlyMap<string, Imported>, module: RegExp): string | undefined {
  const callee = unwrap(call.expression);
  if (ts.isIdentifier(callee)) {
    const imp = imports.get(callee.text);
    if (imp && module.test(imp.specifier)) return imp.name === 'default' || imp.name === '*' ? 'default' : imp.name;
    return undefined;
  }
  if (ts.isPropertyAccessExpression(callee)) {
    const base = unwrap(callee.expression);
    if (ts.isIdentifier(base)) {
      const imp = imports.get(base.text);
      if (imp && module.test(imp.specifier) && (imp.name === 'default' || imp.name === '*')) return callee.name.text;
    }
    const req = requireOf(base);
    if (req && module.test(req.specifier)) return callee.name.text;
  }
  return undefined;
}

export function unwrap(node: ts.Expression): ts.Expression {
  let e = node;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isAwaitExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

export function propertyName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name) || ts.isPrivateIdentifier(name) ? name.text : undefined;
}

export function objectProperty(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) && propertyName(p.name) === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
  }
  return undefined;
}

export function hasSpread(object: ts.ObjectLiteralExpression): boolean {
  return object.properties.some((p) => ts.isSpreadAssignment(p));
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
 * An options argument as an object literal: given inline, or an identifier bound to one in scope (`const options =
 * { ... }; session(options)`). Undefined when it cannot be known: a call result, an import, or an object completed
 * later (`options.store = new RedisStore()`).
 */
export function objectArgument(arg: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (!arg) return undefined;
  const e = unwrap(arg);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (!ts.isIdentifier(e)) return undefined;
  const declaration = declarationOf(e.text, e);
  const init = declaration && unwrap(declaration.initializer!);
  if (!init || !ts.isObjectLiteralExpression(init)) return undefined;
  const writes = memberWrites(e.getSourceFile()).get(e.text) ?? [];
  return writes.some((w) => declarationOf(e.text, w) === declaration) ? undefined : init;
}

const memberWriteCache = new WeakMap<ts.SourceFile, Map<string, ts.Node[]>>();

/** `x.y = …` assignments by the name of `x`, found in one walk per file. */
function memberWrites(source: ts.SourceFile): Map<string, ts.Node[]> {
  let writes = memberWriteCache.get(source);
  if (writes) return writes;
  const found = new Map<string, ts.Node[]>();
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && ts.isIdentifier(n.left.expression)) {
      const name = n.left.expression.text;
      found.set(name, [...(found.get(name) ?? []), n.left.expression]);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  memberWriteCache.set(source, (writes = found));
  return writes;
}

function functionScope(node: ts.Node): ts.Node {
  let n: ts.Node | undefined = node.parent;
  while (n && !ts.isFunctionLike(n) && !ts.isSourceFile(n)) n = n.parent;
  return n ?? node.getSourceFile();
}

/** The declaration, with an initializer, of the variable `name` as seen from `at`: in an enclosing function or at module level. */
function declarationOf(name: string, at: ts.Node): ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = functionScope(at); scope; scope = ts.isSourceFile(scope) ? undefined : functionScope(scope)) {
    let found: ts.VariableDeclaration | undefined;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (n !== scope && ts.isFunctionLike(n)) return;
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer) {
        found = n;
        return;
      }
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(scope, visit);
    if (found) return found;
  }
  return undefined;
}

/** The initializer of the variable `name` as seen from `at`: declared in an enclosing function or at module level. */
export function initializerOf(name: string, at: ts.Node): ts.Expression | undefined {
  return declarationOf(name, at)?.initializer;
}

/** A value that cannot carry attacker input: literals, numbers, `UPPER_CASE` constants, `Number(x)`, `x.length`, placeholders. */
export function constantExpression(node: ts.Expression, depth = 0): boolean {
  const e = unwrap(node);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isNumericLiteral(e) || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isPrefixUnaryExpression(e)) return constantExpression(e.operand, depth);
  if (ts.isIdentifier(e)) {
    if (/^[A-Z][A-Z0-9_]*$/.test(e.text) || /placeholder/i.test(e.text)) return true;
    if (depth > 2) return false;
    const init = initializerOf(e.text, e);
    return init !== undefined && constantExpression(init, depth + 1);
  }
  if (ts.isPropertyAccessExpression(e)) {
    if (e.name.text === 'length' || /^[A-Z][A-Z0-9_]*$/.test(e.name.text)) return true;
    return /^[A-Z][A-Z0-9_]*$/.test(e.expression.getText());
  }
  if (ts.isCallExpression(e)) {
    const callee = e.expression.getText();
    if (/^(?:Number|parseInt|parseFloat|Math\.\w+|Number\.parse\w+|Boolean)$/.test(callee)) return true;
    // ids.map(() => '?').join(', ') and ids.map((_, i) => `$${i + 1}`).join(',') build placeholders.
    if (ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'join') {
      const inner = unwrap(e.expression.expression);
      if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression) && inner.expression.name.text === 'map') {
        const fn = inner.arguments[0];
        if (fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && !ts.isBlock(fn.body)) return placeholderBody(fn.body);
      }
      return /placeholder|\?/.test(e.getText());
    }
    if (/placeholder|escapeId|escapeIdentifier|escapeLiteral|quoteIdent|format\.ident|pg-format|sqlstring|\.escape$/i.test(callee)) return true;
    return false;
  }
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((s) => constantExpression(s.expression, depth + 1));
  // FORMATS[precision]: a lookup in a table of constants yields one of them (or undefined), whatever the key.
  if (ts.isElementAccessExpression(e)) return constantTable(e.expression, depth);
  if (ts.isBinaryExpression(e)) return constantExpression(e.left, depth + 1) && constantExpression(e.right, depth + 1);
  if (ts.isConditionalExpression(e)) return constantExpression(e.whenTrue, depth + 1) && constantExpression(e.whenFalse, depth + 1);
  return false;
}

/** A non-empty `const` object or array literal (declared in scope) whose values are all constants. */
function constantTable(node: ts.Expression, depth: number): boolean {
  const e = unwrap(node);
  if (!ts.isIdentifier(e) || depth > 2) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(e.text)) return true;
  const init = initializerOf(e.text, e);
  const declaration = init?.parent;
  if (!init || !declaration || !ts.isVariableDeclaration(declaration) || !(declaration.parent.flags & ts.NodeFlags.Const)) return false;
  const table = unwrap(init);
  if (ts.isArrayLiteralExpression(table)) return table.elements.length > 0 && table.elements.every((x) => !ts.isSpreadElement(x) && constantExpression(x, depth + 1));
  if (ts.isObjectLiteralExpression(table)) return table.properties.length > 0 && table.properties.every((p) => ts.isPropertyAssignment(p) && constantExpression(p.initializer, depth + 1));
  return false;
}

function placeholderBody(body: ts.Expression): boolean {
  const e = unwrap(body);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return true;
  if (ts.isTemplateExpression(e)) return /^\$?$/.test(e.head.text) && e.templateSpans.every((s) => /^[\s\w+\-*]*$/.test(s.expression.getText()) && !/[a-z]{3,}/i.test(s.expression.getText().replace(/\b(?:i|idx|index|n|offset|start)\b/g, '')));
  return false;
}

/**
 * A string built from values that are not constant: a template literal with substitutions, `+` concatenation, `.concat`,
 * `util.format` — directly or through one local variable. Tagged templates (`sql\`...\``) are not strings: the tag
 * parameterizes them.
 */
export function dynamicString(node: ts.Expression, depth = 0): ts.Expression | undefined {
  const e = unwrap(node);
  if (ts.isTemplateExpression(e)) return e.templateSpans.some((s) => !constantExpression(s.expression)) ? e : undefined;
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.PlusToken || e.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken)) {
    const parts = flattenPlus(e);
    const stringy = parts.some((p) => ts.isStringLiteral(unwrap(p)) || ts.isTemplateExpression(unwrap(p)) || ts.isNoSubstitutionTemplateLiteral(unwrap(p)));
    return stringy && parts.some((p) => !constantExpression(p)) ? e : undefined;
  }
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const name = e.expression.name.text;
    if (name === 'concat' && (ts.isStringLiteralLike(unwrap(e.expression.expression)) || dynamicString(e.expression.expression, depth + 1)) && e.arguments.some((a) => !constantExpression(a))) return e;
    if (name === 'format' && /^util$/.test(e.expression.expression.getText()) && e.arguments.slice(1).some((a) => !constantExpression(a))) return e;
  }
  if (ts.isIdentifier(e) && depth < 2) {
    const init = initializerOf(e.text, e);
    if (init && dynamicString(init, depth + 1)) return e;
    // let sql = '...'; sql += `... ${x}`;
    if (init && ts.isStringLiteralLike(unwrap(init)) && appendsDynamic(e.text, e)) return e;
  }
  return undefined;
}

function flattenPlus(e: ts.BinaryExpression): ts.Expression[] {
  const out: ts.Expression[] = [];
  const walk = (x: ts.Expression): void => {
    const u = unwrap(x);
    if (ts.isBinaryExpression(u) && u.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      walk(u.left);
      walk(u.right);
    } else out.push(u);
  };
  walk(e.left);
  walk(e.right);
  return out;
}

function appendsDynamic(name: string, at: ts.Node): boolean {
  const scope = functionScope(at);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= at.pos) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken && ts.isIdentifier(n.left) && n.left.text === name && !constantExpression(n.right)) found = true;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(scope, visit);
  return found;
}

/**
 * The names that say what a value is for: the variable or property it is assigned to, the enclosing function, the
 * object key it sits under (`{ resetToken: crypto... }`, `function generateApiKey() { return ... }`).
 */
export function nameContext(node: ts.Node, levels = 6): string[] {
  const names: string[] = [];
  let n: ts.Node | undefined = node;
  for (let i = 0; n && i < levels; i++, n = n.parent) {
    const p: ts.Node | undefined = n.parent;
    if (!p) break;
    if (ts.isVariableDeclaration(p) && p.initializer === n) names.push(p.name.getText());
    else if (ts.isPropertyAssignment(p) && p.initializer === n) names.push(propertyName(p.name) ?? '');
    else if (ts.isPropertyDeclaration(p) && p.initializer === n) names.push(propertyName(p.name) ?? '');
    else if (ts.isBinaryExpression(p) && p.right === n && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) names.push(p.left.getText());
    else if (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === n)) {
      const fn = ts.isReturnStatement(p) ? enclosingFunction(p) : p;
      if (fn) names.push(functionName(fn));
      break;
    }
    if (ts.isFunctionLike(p) || ts.isBlock(p) || ts.isExpressionStatement(p)) break;
  }
  const fn = enclosingFunction(node);
  if (fn) names.push(functionName(fn));
  return names.filter(Boolean);
}

export function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  let n: ts.Node | undefined = node.parent;
  while (n && !ts.isFunctionLike(n)) n = n.parent;
  return n as ts.SignatureDeclaration | undefined;
}

export function functionName(fn: ts.Node): string {
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn)) && fn.name) return fn.name.getText();
  const p = fn.parent;
  if (p && ts.isVariableDeclaration(p)) return p.name.getText();
  if (p && ts.isPropertyAssignment(p)) return propertyName(p.name) ?? '';
  if (p && ts.isPropertyDeclaration(p)) return propertyName(p.name) ?? '';
  return '';
}

/** Browser code: JSX files, `'use client'` modules and front-end folders. */
export function clientCode(path: string, text: string): boolean {
  return /\.[jt]sx$/.test(path) || /^\s*['"]use client['"]/.test(text) || /(?:^|\/)(?:components?|hooks|client|frontend|browser|public|static|ui|views|store|stores|contexts?|widgets)\//.test(path);
}
