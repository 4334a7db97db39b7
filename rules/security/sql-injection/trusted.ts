/**
 * Values inserted into SQL that cannot carry outside input although they are not literals: class constants,
 * loop variables over constant lists, entries picked from an allow-list, and the parameter of a method that is
 * itself a raw-SQL API (its callers are where the SQL is built).
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import { constantExpression, enclosingFunction, initializerOf, unwrap } from '../_code/code.js';

const upperCase = /^[A-Z][A-Z0-9_]*$/;
/** Roots a list cannot be an allow-list under: it is the request itself. */
const requestRoot = /^(?:req|request|ctx|context|event|body|query|params|input|args)$/;
const zodChoice = /^z\.(?:enum|nativeEnum|literal)\(/;

/**
 * The parts of a built string that are inserted values (following one local variable, as `dynamicString` does), or
 * undefined when they cannot be listed (a variable appended to with `+=`).
 */
export function insertedValues(node: ts.Expression, depth = 0): ts.Expression[] | undefined {
  const e = unwrap(node);
  if (ts.isTemplateExpression(e)) return e.templateSpans.map((s) => s.expression);
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.PlusToken || e.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken)) {
    const left = insertedValues(e.left, depth);
    const right = insertedValues(e.right, depth);
    return left && right ? [...left, ...right] : undefined;
  }
  if (ts.isStringLiteralLike(e)) return [];
  if (ts.isIdentifier(e) && depth < 2) {
    const init = initializerOf(e.text, e);
    // A literal start that `dynamicString` still calls built was extended later: the appended parts are not here.
    if (init) return ts.isStringLiteralLike(unwrap(init)) ? undefined : insertedValues(init, depth + 1);
  }
  return [e];
}

function isStatic(member: ts.ClassElement): boolean {
  return ts.getModifiers(member as ts.PropertyDeclaration)?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
}

function isReadonly(member: ts.ClassElement): boolean {
  return ts.getModifiers(member as ts.PropertyDeclaration)?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) ?? false;
}

/** `Cls.TIMEOUT` (static) or `this.limit` (instance) read from a readonly class field initialized with a constant. */
function constantClassField(e: ts.PropertyAccessExpression): boolean {
  const owner = unwrap(e.expression);
  let cls: ts.ClassLikeDeclaration | undefined;
  let wantStatic: boolean;
  if (owner.kind === ts.SyntaxKind.ThisKeyword) {
    for (let n: ts.Node | undefined = e.parent; n && !cls; n = n.parent) if (ts.isClassLike(n)) cls = n;
    wantStatic = false;
  } else if (ts.isIdentifier(owner)) {
    cls = e.getSourceFile().statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === owner.text);
    wantStatic = true;
  } else return false;
  const field = cls?.members.find((m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name) && m.name.text === e.name.text);
  return field?.initializer !== undefined && isReadonly(field) && isStatic(field) === wantStatic && constantExpression(field.initializer);
}

/** A non-empty `const` array literal of constants, or an UPPER_CASE list. */
function constantList(node: ts.Expression): boolean {
  const e = unwrap(node);
  if (!ts.isIdentifier(e)) return ts.isArrayLiteralExpression(e) && e.elements.length > 0 && e.elements.every((x) => !ts.isSpreadElement(x) && constantExpression(x));
  if (upperCase.test(e.text)) return true;
  const init = initializerOf(e.text, e);
  const declaration = init?.parent;
  if (!init || !declaration || !ts.isVariableDeclaration(declaration) || !(declaration.parent.flags & ts.NodeFlags.Const)) return false;
  const list = unwrap(init);
  return ts.isArrayLiteralExpression(list) && list.elements.length > 0 && list.elements.every((x) => !ts.isSpreadElement(x) && constantExpression(x));
}

/** `for (const column of COLUMNS)`: the loop variable is one of the list's constants. */
function constantLoopVariable(e: ts.Identifier): boolean {
  for (let n: ts.Node | undefined = e.parent; n; n = n.parent) {
    if (ts.isForOfStatement(n) && ts.isVariableDeclarationList(n.initializer)) {
      const declared = n.initializer.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === e.text);
      if (declared) return constantList(n.expression);
    }
    if (ts.isSourceFile(n)) break;
  }
  return false;
}

function rootName(node: ts.Expression): string | undefined {
  let e = unwrap(node);
  for (;;) {
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = unwrap(e.expression);
    else if (ts.isCallExpression(e)) e = unwrap(e.expression);
    else break;
  }
  return ts.isIdentifier(e) ? e.text : undefined;
}

/**
 * `columns.find((c) => c.id === input).sql` or `z.enum(['ASC', 'DESC']).safeParse(input).data`: the value is an entry
 * of a list the code holds, whatever the input was (a miss yields undefined, not the input).
 */
function allowListed(e: ts.Expression): boolean {
  const read = unwrap(e);
  const holder = ts.isPropertyAccessExpression(read) ? unwrap(read.expression) : read;
  if (!ts.isIdentifier(holder)) return false;
  const init = initializerOf(holder.text, holder);
  const lookup = init && unwrap(init);
  if (!lookup || !ts.isCallExpression(lookup) || !ts.isPropertyAccessExpression(lookup.expression)) return false;
  const method = lookup.expression.name.text;
  const list = unwrap(lookup.expression.expression);
  if (method === 'find') {
    const root = rootName(list);
    return ts.isPropertyAccessExpression(read) && root !== undefined && !requestRoot.test(root);
  }
  if (method === 'parse' || method === 'safeParse') {
    const schema = ts.isIdentifier(list) ? initializerOf(list.text, list) : list;
    if (!schema || !zodChoice.test(unwrap(schema).getText())) return false;
    return method === 'parse' ? read === holder : ts.isPropertyAccessExpression(read) && read.name.text === 'data';
  }
  return false;
}

/** The value comes from a parameter of the enclosing function, and that function is itself named as a raw-SQL API. */
function forwardedByRawApi(e: ts.Expression, rawApis: ReadonlySet<string>, depth = 0): boolean {
  const fn = enclosingFunction(e);
  const name = fn?.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
  if (!fn || !name || !rawApis.has(name)) return false;
  const root = rootName(e);
  if (!root) return false;
  if (fn.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === root)) return true;
  const init = depth < 2 ? initializerOf(root, e) : undefined;
  return init !== undefined && forwardedByRawApi(init, rawApis, depth + 1);
}

/** Whether an inserted value cannot carry outside input (see the module comment). */
export function trustedValue(node: ts.Expression, rawApis: ReadonlySet<string>): boolean {
  const e = unwrap(node);
  if (constantExpression(e)) return true;
  if (ts.isPropertyAccessExpression(e) && constantClassField(e)) return true;
  if (ts.isIdentifier(e) && constantLoopVariable(e)) return true;
  if (ts.isConditionalExpression(e)) return trustedValue(e.whenTrue, rawApis) && trustedValue(e.whenFalse, rawApis);
  return allowListed(e) || forwardedByRawApi(e, rawApis);
}
