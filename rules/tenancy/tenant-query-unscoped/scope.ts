/**
 * Judging a query's filter against a tenant-owned table: which of its keys the filter constrains (tenant key, owner,
 * parent, unique id), whether a tenant value comes from the request, and whether a single-row result is checked
 * against the caller's tenant afterwards. Syntax only: identifiers are resolved within the enclosing functions.
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import type { ColumnName, TenantTable } from '../../../src/audit/schema/tenancy.js';
import { normalizeKey } from '../../../src/audit/schema/tenancy.js';

/** How strongly a filter narrows the rows: ordered from weakest to strongest; `unknown` means it cannot be seen whole. */
export type Strength = 'none' | 'unique' | 'parent' | 'owner' | 'tenant' | 'unknown';
const rank: Record<Strength, number> = { none: 0, unique: 1, parent: 2, owner: 3, tenant: 4, unknown: 5 };
export const stronger = (a: Strength, b: Strength): Strength => (rank[a] >= rank[b] ? a : b);
export const weaker = (a: Strength, b: Strength): Strength => (rank[a] <= rank[b] ? a : b);
export const isScoped = (s: Strength): boolean => s === 'tenant' || s === 'owner' || s === 'unknown';

export interface Verdict {
  strength: Strength;
  /** Every branch of the filter pairs a column with the signed-in user (`userId: session.user.id`, `users: { some: { userId } }`). */
  principal?: boolean;
  /** The tenant key whose value comes from the request instead of the signed-in context. */
  fromRequest?: { key: string; value: string; node: ts.Node };
}

/** What the check knows about tables: the tenant-owned ones, and names of tenant roots and users tables. */
export interface TableIndex {
  byName(name: string): TenantTable | undefined;
  isRoot(name: string): boolean;
  isPrincipal(name: string): boolean;
  isScopeRoot(name: string): boolean;
}

export function unwrap(node: ts.Expression): ts.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isNonNullExpression(n) || ts.isTypeAssertionExpression(n)) n = n.expression;
  return n;
}

export function propertyName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const e = unwrap(name.expression);
    if (ts.isStringLiteralLike(e)) return e.text;
    // Sequelize `[Op.and]`, `[Op.or]`.
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Op') return `$${e.name.text}`;
  }
  return undefined;
}

const functionKinds = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);

/** Asked of every ancestor of most nodes the rule looks at: one set lookup rather than seven kind tests. */
export const isFunctionLike = (n: ts.Node): n is ts.FunctionLikeDeclaration => functionKinds.has(n.kind);

export function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

/** A parameterless function another one returns: it runs on the returning function's parameters. */
const returnedThunk = (fn: ts.ArrowFunction | ts.FunctionExpression): boolean =>
  fn.parameters.length === 0 && (ts.isReturnStatement(fn.parent) || (ts.isArrowFunction(fn.parent) && fn.parent.body === fn));

/** The outermost function of the one containing `node` that is not the file itself (a handler, a service method). */
export function outerFunction(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  let fn = enclosingFunction(node);
  // Callbacks (`$transaction(async (tx) => ...)`, `.map(...)`) belong to the function that passes them, and a thunk
  // to the function that returns it (`cache((surveyId) => async () => query(surveyId))`).
  while (fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && (ts.isCallExpression(fn.parent) || ts.isArrayLiteralExpression(fn.parent) || returnedThunk(fn))) {
    const up = enclosingFunction(fn);
    if (!up) break;
    fn = up;
  }
  return fn;
}

/** Declarations visible from `node` by name, innermost first: variables, destructured names and parameters. */
export function findDeclaration(name: string, from: ts.Node): ts.VariableDeclaration | ts.ParameterDeclaration | ts.BindingElement | undefined {
  for (let scope: ts.Node | undefined = from; scope; scope = scope.parent) {
    if (isFunctionLike(scope)) {
      for (const p of scope.parameters) {
        const hit = bindingNamed(p.name, name);
        if (hit) return hit === p.name ? p : (hit.parent as ts.BindingElement);
      }
    }
    if (ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope)) {
      for (const s of scope.statements) {
        if (!ts.isVariableStatement(s)) continue;
        for (const d of s.declarationList.declarations) {
          const hit = bindingNamed(d.name, name);
          if (hit) return hit === d.name ? d : (hit.parent as ts.BindingElement);
        }
      }
    }
    if ((ts.isForOfStatement(scope) || ts.isForInStatement(scope) || ts.isForStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
      for (const d of scope.initializer.declarations) {
        const hit = bindingNamed(d.name, name);
        if (hit) return hit === d.name ? d : (hit.parent as ts.BindingElement);
      }
    }
  }
  return undefined;
}

function bindingNamed(name: ts.BindingName, wanted: string): ts.BindingName | undefined {
  if (ts.isIdentifier(name)) return name.text === wanted ? name : undefined;
  for (const e of name.elements) {
    if (ts.isOmittedExpression(e)) continue;
    const hit = bindingNamed(e.name, wanted);
    if (hit) return hit;
  }
  return undefined;
}

/** The initializer of a local `const`/`let`, followed through a few aliases; undefined for parameters and the unknown. */
export function resolveValue(expr: ts.Expression, depth = 0): ts.Expression {
  const e = unwrap(expr);
  if (depth > 4 || !ts.isIdentifier(e)) return e;
  const decl = findDeclaration(e.text, e);
  if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isIdentifier(decl.name)) return resolveValue(decl.initializer, depth + 1);
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Where the tenant value comes from

const requestRoots = /^(?:req|request|ctx\.req|ctx\.request|context\.req|event\.node\.req|c\.req)$/;
const requestParts = /^(?:body|query|params|searchParams|headers)$/;
const nestInputDecorators = new Set(['Body', 'Query', 'Param', 'Params', 'Headers']);

/** Text of the access path up to (excluding) the last name: `req.body.teamId` → `req.body`. */
function accessPath(e: ts.Expression): string[] | undefined {
  const parts: string[] = [];
  let n: ts.Expression = unwrap(e);
  for (let i = 0; i < 8; i++) {
    if (ts.isPropertyAccessExpression(n)) {
      parts.unshift(n.name.text);
      n = unwrap(n.expression);
    } else if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression)) {
      parts.unshift(n.argumentExpression.text);
      n = unwrap(n.expression);
    } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'get' && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      // `searchParams.get('teamId')`, `url.searchParams.get('orgId')`
      parts.unshift(n.arguments[0].text);
      n = unwrap(n.expression.expression);
    } else if (ts.isAwaitExpression(n)) {
      n = unwrap(n.expression);
    } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'json') {
      // `await req.json()` / `await request.json()`
      parts.unshift('body');
      n = unwrap(n.expression.expression);
    } else break;
  }
  if (ts.isIdentifier(n)) parts.unshift(n.text);
  else if (n.kind === ts.SyntaxKind.ThisKeyword) parts.unshift('this');
  else return undefined;
  return parts;
}

function isRequestPath(parts: readonly string[], at?: ts.Node): boolean {
  for (let i = 1; i < parts.length; i++) {
    if (requestParts.test(parts[i]!) && requestRoots.test(parts.slice(0, i).join('.'))) return true;
  }
  // Next.js route handlers and pages: `{ params }` / `searchParams` destructured from the handler's arguments (a plain
  // `params` argument of an ordinary function is just an options object).
  if ((parts[0] === 'params' || parts[0] === 'searchParams') && parts.length >= 2) {
    if (!at) return true;
    const decl = findDeclaration(parts[0], at);
    return decl !== undefined && (ts.isBindingElement(decl) || (ts.isVariableDeclaration(decl) && /\b(?:params|searchParams)\b/.test(decl.initializer?.getText() ?? '')));
  }
  return false;
}

/** Whether a value (followed through locals and destructuring) is read from the request body, query or route params. */
export function fromRequest(value: ts.Expression, depth = 0): boolean {
  if (depth > 5) return false;
  const e = unwrap(value);
  if (ts.isIdentifier(e)) {
    const decl = findDeclaration(e.text, e);
    if (!decl) return false;
    if (ts.isParameter(decl)) return ts.getDecorators(decl)?.some((d) => ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && nestInputDecorators.has(d.expression.expression.text)) ?? false;
    if (ts.isVariableDeclaration(decl)) return decl.initializer !== undefined && fromRequest(decl.initializer, depth + 1);
    // Destructuring: `const { teamId } = req.body` / `async ({ params }) => ...`
    let holder: ts.Node = decl;
    const path: string[] = [];
    while (ts.isBindingElement(holder)) {
      const key = holder.propertyName ? propertyName(holder.propertyName) : ts.isIdentifier(holder.name) ? holder.name.text : undefined;
      if (key) path.unshift(key);
      holder = holder.parent.parent;
    }
    if (ts.isVariableDeclaration(holder) && holder.initializer) {
      const base = accessPath(holder.initializer);
      if (base && isRequestPath([...base, ...path], holder)) return true;
      return fromRequest(holder.initializer, depth + 1);
    }
    if (ts.isParameter(holder)) {
      if (ts.getDecorators(holder)?.some((d) => ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && nestInputDecorators.has(d.expression.expression.text))) return true;
      return isRequestPath(path, holder);
    }
    return false;
  }
  const parts = accessPath(e);
  if (!parts) return false;
  if (isRequestPath(parts, e)) return true;
  // `dto.organizationId` where `dto` is a `@Body()` parameter; `body.teamId` where `body = await req.json()`.
  const root = parts[0]!;
  if (root !== 'this' && parts.length >= 2) return identifierFromRequest(root, e, depth);
  return false;
}

function identifierFromRequest(name: string, at: ts.Node, depth: number): boolean {
  const decl = findDeclaration(name, at);
  if (!decl) return false;
  if (ts.isParameter(decl)) return ts.getDecorators(decl)?.some((d) => ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && nestInputDecorators.has(d.expression.expression.text)) ?? false;
  if (ts.isVariableDeclaration(decl) && decl.initializer) {
    const parts = accessPath(decl.initializer);
    if (parts && isRequestPath([...parts, 'x'], decl)) return true;
    return depth < 4 && ts.isIdentifier(unwrap(decl.initializer)) && fromRequest(decl.initializer, depth + 1);
  }
  return false;
}

const verifyCall = /(?:check|verify|assert|authori[sz]e|ensure|require|validate|guard|can[A-Z_]|has[A-Z_]|is[A-Z]\w*(?:Member|Admin|Owner)|member|permission|access|getTeam|getOrg|getWorkspace)/i;

/**
 * Whether a request-supplied tenant value is checked against the caller elsewhere in the function: passed to an
 * authorisation helper, or used in a query on a membership/tenant table.
 */
export function valueVerified(valueText: string, fn: ts.Node | undefined, query: ts.Node): boolean {
  if (!fn) return false;
  let verified = false;
  const visit = (node: ts.Node): void => {
    if (verified) return;
    // Only a check made before the query protects it.
    if (ts.isCallExpression(node) && node.getEnd() <= query.getStart() && !isAncestor(node, query)) {
      const callee = node.expression.getText();
      if (verifyCall.test(callee) && node.arguments.some((a) => a.getText().includes(valueText))) verified = true;
      else if (/\.(?:membership|members?|teamMember|organizationMember|organisationMember|workspaceMember|userOnTeam|projectUsers)\w*\.\w+$/i.test(callee) && node.getText().includes(valueText)) verified = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return verified;
}

export function isAncestor(ancestor: ts.Node, node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (n === ancestor) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Judging object filters (Prisma, TypeORM, Sequelize, MikroORM, drizzle relational queries)

const namesOf = (cols: readonly ColumnName[]): Set<string> => new Set(cols.flatMap((c) => (c.field ? [c.name, c.field] : [c.name])).map(normalizeKey));

export interface TableKeys {
  tenant: Set<string>;
  owner: Set<string>;
  parent: Set<string>;
  unique: Set<string>;
}

export function keysOf(table: TenantTable): TableKeys {
  return { tenant: namesOf(table.tenantColumns), owner: namesOf([...table.ownerColumns, ...table.scopeColumns]), parent: namesOf(table.parentColumns), unique: namesOf(table.uniqueColumns) };
}

export function strengthOfKey(key: string, keys: TableKeys): Strength {
  const k = normalizeKey(key);
  if (keys.tenant.has(k)) return 'tenant';
  if (keys.owner.has(k)) return 'owner';
  if (keys.parent.has(k)) return 'parent';
  if (keys.unique.has(k)) return 'unique';
  return 'none';
}

/** An absent value (`teamId: undefined`) filters nothing in Prisma; `null` does (it selects shared rows). */
function isAbsent(value: ts.Expression): boolean {
  const v = unwrap(value);
  return ts.isIdentifier(v) && v.text === 'undefined';
}

export interface JudgeContext {
  tables: TableIndex;
  /** The query call being judged (values used by earlier calls of its function count as checked). */
  query?: ts.Node;
  /** Visited identifiers, against cycles. */
  seen?: Set<ts.Node>;
}

/**
 * Judges an object filter: AND/`$and` of terms is as strong as its strongest term; OR/`$or` as its weakest branch;
 * relation filters (`project: { teamId }`) are judged against the related table.
 */
export function judgeObject(expr: ts.Expression, table: TenantTable, ctx: JudgeContext, depth = 0): Verdict {
  if (depth > 6) return { strength: 'unknown' };
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) return judgeIdentifier(e, table, ctx, depth);
  if (ts.isConditionalExpression(e)) {
    const a = judgeObject(e.whenTrue, table, ctx, depth + 1);
    const b = judgeObject(e.whenFalse, table, ctx, depth + 1);
    return { strength: weaker(a.strength, b.strength), ...(a.fromRequest ?? b.fromRequest ? { fromRequest: a.fromRequest ?? b.fromRequest } : {}), ...(a.principal && b.principal ? { principal: true } : {}) };
  }
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken || e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
    // `...(teamId && { teamId })`: present or not.
    const right = judgeObject(e.right, table, ctx, depth + 1);
    return e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken ? { strength: weaker(right.strength, 'none') } : { strength: 'unknown' };
  }
  if (ts.isArrayLiteralExpression(e)) {
    // TypeORM `where: [{...}, {...}]` is an OR.
    let strength: Strength = 'tenant';
    let fromReq: Verdict['fromRequest'];
    let principal = true;
    if (e.elements.length === 0) return { strength: 'none' };
    for (const el of e.elements) {
      const v: Verdict = ts.isSpreadElement(el) ? { strength: 'unknown' } : judgeObject(el, table, ctx, depth + 1);
      strength = weaker(strength, v.strength);
      fromReq ??= v.fromRequest;
      principal &&= v.principal === true;
    }
    return { strength, ...(fromReq ? { fromRequest: fromReq } : {}), ...(principal ? { principal } : {}) };
  }
  if (!ts.isObjectLiteralExpression(e)) {
    if (ts.isIdentifier(e) || ts.isCallExpression(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isAwaitExpression(e)) return { strength: 'unknown' };
    return { strength: 'unknown' };
  }
  const keys = keysOf(table);
  let strength: Strength = 'none';
  let fromReq: Verdict['fromRequest'];
  // A tenant key set from the signed-in context (`tenantId: ctx.tenantId`) already confines a request-supplied
  // sub-tenant key (`organizationId` from the query string) to the caller's tenant.
  let trustedTenant = false;
  let principal = false;
  for (const p of e.properties) {
    if (ts.isSpreadAssignment(p)) {
      const v = judgeObject(p.expression, table, ctx, depth + 1);
      strength = stronger(strength, v.strength);
      fromReq ??= v.fromRequest;
      principal ||= v.principal === true;
      continue;
    }
    if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) {
      if (ts.isMethodDeclaration(p) || ts.isGetAccessor(p)) strength = stronger(strength, 'unknown');
      continue;
    }
    const key = propertyName(p.name);
    if (key === undefined) {
      // A computed key we cannot name (`[field]: value`) could be the tenant key.
      strength = stronger(strength, 'unknown');
      continue;
    }
    const value = ts.isPropertyAssignment(p) ? p.initializer : p.name;
    if (ts.isPropertyAssignment(p) && isAbsent(value)) continue;
    const upper = key.toUpperCase();
    if (upper === 'AND' || upper === '$AND') {
      const v = ts.isArrayLiteralExpression(unwrap(value)) ? judgeAll(unwrap(value) as ts.ArrayLiteralExpression, table, ctx, depth) : judgeObject(value, table, ctx, depth + 1);
      strength = stronger(strength, v.strength);
      fromReq ??= v.fromRequest;
      principal ||= v.principal === true;
      continue;
    }
    if (upper === 'OR' || upper === '$OR') {
      const v = judgeObject(value, table, ctx, depth + 1);
      strength = stronger(strength, v.strength);
      fromReq ??= v.fromRequest;
      principal ||= v.principal === true;
      continue;
    }
    if (upper === 'NOT' || upper === '$NOT') continue;
    const direct = strengthOfKey(key, keys);
    // A secret the caller holds (a signing token, an invite code) is the authorisation itself; so is the signed-in
    // user's own identity (`email: user.email`).
    if (direct !== 'tenant' && (capabilityKey.test(key) || fromPrincipal(valueOf(value))) && !ts.isObjectLiteralExpression(unwrap(valueOf(value)))) {
      strength = stronger(strength, 'owner');
      principal ||= fromPrincipal(valueOf(value));
      continue;
    }
    if (direct !== 'none') {
      // Filter operators: `{ in: [...] }`, `{ equals: x }` still constrain the key; `{ not: x }` does not.
      const inner = unwrap(value);
      if (ts.isObjectLiteralExpression(inner) && inner.properties.every((q) => /^(?:not|notIn|\$ne|\$nin|ne)$/.test(propertyName(q.name) ?? ''))) continue;
      // An id taken from a row the function already loaded (or checked) is not the caller's choice.
      const s = (direct === 'unique' || direct === 'parent') && (derivedValue(valueOf(value), ctx.query) || fromPrincipal(valueOf(value))) ? 'owner' : direct;
      strength = stronger(strength, s);
      if (direct === 'tenant') {
        if (fromRequest(valueOf(value))) fromReq ??= { key, value: valueOf(value).getText(), node: value };
        else trustedTenant = true;
      }
      continue;
    }
    // Any other column compared with a value the function loaded or already checked (`defaultFolderId: folder.id`).
    if (!ts.isObjectLiteralExpression(unwrap(valueOf(value))) && isVariableValue(valueOf(value)) && derivedValue(valueOf(value), ctx.query)) {
      strength = stronger(strength, 'owner');
      continue;
    }
    const related = table.relations[key] ?? relatedByName(key, value, ctx);
    if (related !== undefined) {
      const v = judgeRelation(value, related, ctx, depth);
      strength = stronger(strength, v.strength);
      fromReq ??= v.fromRequest;
      principal ||= v.principal === true;
      continue;
    }
    // Prisma compound unique input `teamId_slug: { teamId, slug }` (written out or held in a local).
    if (key.includes('_') && ts.isObjectLiteralExpression(resolveValue(value))) {
      const v = judgeObject(value, table, ctx, depth + 1);
      strength = stronger(strength, v.strength);
      fromReq ??= v.fromRequest;
      principal ||= v.principal === true;
      continue;
    }
    // A key the schema does not know (a column added since, a relation read under another name): the picture of
    // this table is incomplete, so the filter is not judged.
    if (table.columns.length > 0 && !table.columns.some((c) => c.name === key || c.field === key) && !key.startsWith('$')) strength = stronger(strength, 'unknown');
  }
  if (trustedTenant) fromReq = undefined;
  return { strength, ...(fromReq ? { fromRequest: fromReq } : {}), ...(principal ? { principal } : {}) };
}

/** A value held in a variable or read from one (not a literal or an enum member). */
function isVariableValue(value: ts.Expression): boolean {
  const v = unwrap(value);
  if (ts.isIdentifier(v)) return v.text !== 'undefined';
  if (ts.isPropertyAccessExpression(v)) {
    const root = rootIdentifier(v);
    return root !== undefined && !/^[A-Z]/.test(root.text);
  }
  return ts.isCallExpression(v) || ts.isElementAccessExpression(v);
}

/**
 * Keys a caller cannot enumerate, or ids another system vouches for: secrets (a signing token, an invite code, a
 * key hash) and external ids matched in webhook and sign-in flows (`externalId`, a Stripe or GitHub installation id).
 */
const capabilityKey = /(?:^|[a-z_])(?:token|Token|secret|Secret|hash|Hash|hashedKey|code|Code|Key)$|^key$|^(?:external|provider|providerAccount|installation)(?:Id|_id)$|^(?:stripe|github|slack|installation)\w*|\.(?:installation|external)\b/;

/**
 * A relation filter through a back-relation (`recipients: { some: { token } }`) or a relation the schema reader did
 * not name: found by the table it names (`recipients` → Recipient, `team` → Team).
 */
function relatedByName(key: string, value: ts.Expression, ctx: JudgeContext): string | undefined {
  if (!ts.isObjectLiteralExpression(unwrap(value))) return undefined;
  for (const name of [key, key.replace(/ies$/, 'y'), key.replace(/s$/, '')]) {
    if (ctx.tables.isRoot(name) || ctx.tables.isPrincipal(name) || ctx.tables.isScopeRoot(name) || ctx.tables.byName(name)) return name;
  }
  return undefined;
}

/** `{ in: [...] }`/`{ equals: x }` → the compared value; otherwise the value itself. */
function valueOf(value: ts.Expression): ts.Expression {
  const v = unwrap(value);
  if (ts.isObjectLiteralExpression(v) && v.properties.length === 1) {
    const only = v.properties[0]!;
    if (ts.isPropertyAssignment(only) && /^(?:equals|in|eq|\$eq|\$in)$/.test(propertyName(only.name) ?? '')) return only.initializer;
  }
  return value;
}

function judgeAll(list: ts.ArrayLiteralExpression, table: TenantTable, ctx: JudgeContext, depth: number): Verdict {
  let strength: Strength = 'none';
  let fromReq: Verdict['fromRequest'];
  let principal = false;
  for (const el of list.elements) {
    const v: Verdict = ts.isSpreadElement(el) ? { strength: 'unknown' } : judgeObject(el, table, ctx, depth + 1);
    strength = stronger(strength, v.strength);
    fromReq ??= v.fromRequest;
    principal ||= v.principal === true;
  }
  return { strength, ...(fromReq ? { fromRequest: fromReq } : {}), ...(principal ? { principal } : {}) };
}

function judgeRelation(value: ts.Expression, related: string, ctx: JudgeContext, depth: number): Verdict {
  let inner = unwrap(value);
  // `{ is: {...} }`, `{ some: {...} }`
  if (ts.isObjectLiteralExpression(inner) && inner.properties.length === 1) {
    const only = inner.properties[0]!;
    if (ts.isPropertyAssignment(only) && /^(?:is|some|every)$/.test(propertyName(only.name) ?? '')) inner = unwrap(only.initializer);
    else if (ts.isPropertyAssignment(only) && /^(?:isNot|none)$/.test(propertyName(only.name) ?? '')) return { strength: 'none' };
  }
  // `team: { users: { some: { userId: session.user.id } } }`: the tenant the caller is a member of.
  const member = boundToPrincipal(inner) ? { principal: true } : {};
  if (ctx.tables.isRoot(related) || ctx.tables.isScopeRoot(related)) return ts.isObjectLiteralExpression(inner) && inner.properties.length === 0 ? { strength: 'none' } : { strength: 'tenant', ...member };
  if (ctx.tables.isPrincipal(related)) return { strength: 'owner', ...member };
  const target = ctx.tables.byName(related);
  if (!target) return { strength: 'none' };
  const v = judgeObject(inner, target, ctx, depth + 1);
  // `project: { id: projectId }` narrows to one parent, like `projectId` would.
  return { strength: v.strength === 'unique' ? 'parent' : v.strength === 'none' ? 'none' : v.strength, ...(v.fromRequest ? { fromRequest: v.fromRequest } : {}), ...(v.principal ? { principal: true } : {}) };
}

/**
 * Whether a relation filter requires a related row of the signed-in user: `{ users: { some: { userId } } }`,
 * `{ members: { some: { user: { id: ctx.user.id } } } }`. Negations (`none`, `isNot`, `NOT`) and OR branches do not count.
 */
export function boundToPrincipal(filter: ts.Node, depth = 0): boolean {
  const e = ts.isExpression(filter) ? resolveValue(filter) : filter;
  if (depth > 5 || !ts.isObjectLiteralExpression(e)) return false;
  return e.properties.some((p) => {
    if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) return false;
    const key = propertyName(p.name) ?? '';
    if (/^(?:none|isNot|not|NOT|OR|\$or|\$not)$/.test(key)) return false;
    const value = ts.isPropertyAssignment(p) ? p.initializer : p.name;
    if (ts.isObjectLiteralExpression(unwrap(value))) return boundToPrincipal(unwrap(value), depth + 1);
    return signedInUser(valueOf(value));
  });
}

/** A `where` held in a local: its initializer plus later `where.teamId = ...`, `where.AND = [...]`, `Object.assign(where, ...)`. */
function judgeIdentifier(id: ts.Identifier, table: TenantTable, ctx: JudgeContext, depth: number): Verdict {
  if (id.text === 'undefined') return { strength: 'none' };
  const decl = findDeclaration(id.text, id);
  if (!decl || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name)) return { strength: 'unknown' };
  const seen = (ctx.seen ??= new Set());
  if (seen.has(decl)) return { strength: 'unknown' };
  seen.add(decl);
  // `for (const where of fallbacks)`: as strong as the weakest element of what is iterated.
  const loop = decl.parent.parent;
  if (!decl.initializer && ts.isForOfStatement(loop)) return judgeObject(resolveValue(loop.expression), table, ctx, depth + 1);
  let verdict: Verdict = decl.initializer ? judgeObject(decl.initializer, table, ctx, depth + 1) : { strength: 'unknown' };
  const scope = decl.parent.parent.parent;
  const name = id.text;
  const keys = keysOf(table);
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = unwrap(node.left);
      if (ts.isIdentifier(left) && left.text === name) {
        const v = judgeObject(node.right, table, ctx, depth + 1);
        verdict = { strength: stronger(verdict.strength, v.strength), ...(verdict.fromRequest ?? v.fromRequest ? { fromRequest: verdict.fromRequest ?? v.fromRequest } : {}) };
      } else if ((ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left)) && ts.isIdentifier(unwrap(left.expression)) && (unwrap(left.expression) as ts.Identifier).text === name) {
        const key = ts.isPropertyAccessExpression(left) ? left.name.text : ts.isStringLiteralLike(left.argumentExpression) ? left.argumentExpression.text : undefined;
        if (key === undefined) verdict = { ...verdict, strength: stronger(verdict.strength, 'unknown') };
        else {
          const upper = key.toUpperCase();
          const s = upper === 'AND' || upper === 'OR' ? judgeObject(node.right, table, ctx, depth + 1).strength : table.relations[key] !== undefined ? judgeRelation(node.right, table.relations[key]!, ctx, depth).strength : strengthOfKey(key, keys);
          verdict = { ...verdict, strength: stronger(verdict.strength, s) };
        }
      }
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'assign' && node.arguments[0] && ts.isIdentifier(unwrap(node.arguments[0])) && (unwrap(node.arguments[0]) as ts.Identifier).text === name) {
        for (const a of node.arguments.slice(1)) verdict = { ...verdict, strength: stronger(verdict.strength, judgeObject(a, table, ctx, depth + 1).strength) };
      } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'push' && (ts.isPropertyAccessExpression(unwrap(callee.expression)) || ts.isElementAccessExpression(unwrap(callee.expression)))) {
        // `where.AND.push({ teamId })`, `where[Op.and].push({ documentId })`
        const target = unwrap(callee.expression) as ts.PropertyAccessExpression | ts.ElementAccessExpression;
        if (ts.isIdentifier(unwrap(target.expression)) && (unwrap(target.expression) as ts.Identifier).text === name) {
          for (const a of node.arguments) verdict = { ...verdict, strength: stronger(verdict.strength, judgeObject(a, table, ctx, depth + 1).strength) };
        }
      } else if (node.arguments.some((a) => ts.isIdentifier(unwrap(a)) && (unwrap(a) as ts.Identifier).text === name) && !ts.isPropertyAccessExpression(callee)) {
        // Handed to a helper that may add to it.
        verdict = { ...verdict, strength: stronger(verdict.strength, 'unknown') };
      }
    }
    ts.forEachChild(node, visit);
  };
  if (scope) visit(scope);
  return verdict;
}

// ---------------------------------------------------------------------------------------------------------------
// Values that come from rows already loaded

const iterationMethods = /^(?:map|flatMap|filter|forEach|find|some|every|reduce)$/;

/** The root identifier of `a.b.c`, `a?.b`, `a[0].b`. */
function rootIdentifier(e: ts.Expression): ts.Identifier | undefined {
  let n = unwrap(e);
  while (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = unwrap(n.expression);
  return ts.isIdentifier(n) ? n : undefined;
}

function loadedBinding(decl: ts.Node): boolean {
  // `const row = await db.x.findFirst(...)`, `const { envelope } = await getEnvelope(...)`, `for (const r of rows)`.
  let holder: ts.Node = decl;
  while (ts.isBindingElement(holder)) holder = holder.parent.parent;
  if (ts.isVariableDeclaration(holder)) {
    const init = holder.initializer ? unwrap(holder.initializer) : undefined;
    if (!init || init.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(init) && init.text === 'undefined')) return ts.isForOfStatement(holder.parent.parent) || assignedFromCall(holder);
    if (ts.isAwaitExpression(init) || ts.isCallExpression(init)) return true;
    // `const writes = needed ? await build(...) : null`
    if (ts.isConditionalExpression(init)) {
      const branch = (b: ts.Expression): boolean => {
        const u = unwrap(b);
        return ts.isAwaitExpression(u) || ts.isCallExpression(u) || u.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(u) && u.text === 'undefined');
      };
      return branch(init.whenTrue) && branch(init.whenFalse) && !(unwrap(init.whenTrue).kind === ts.SyntaxKind.NullKeyword && unwrap(init.whenFalse).kind === ts.SyntaxKind.NullKeyword);
    }
    // `const [next] = pendingRecipients`, `const { envelope } = opts` where `opts` was handed in.
    if (ts.isIdentifier(init)) {
      const d = findDeclaration(init.text, init);
      return d !== undefined && d !== holder && !ts.isParameter(d) && loadedBinding(d);
    }
    if (ts.isPropertyAccessExpression(init) || ts.isElementAccessExpression(init)) {
      const root = rootIdentifier(init);
      const d = root ? findDeclaration(root.text, root) : undefined;
      return d !== undefined && !ts.isParameter(d) && loadedBinding(d);
    }
    // `const response = { ...responseRow, tags }`: a loaded row reshaped.
    if (ts.isObjectLiteralExpression(init)) {
      return init.properties.some((p) => {
        if (!ts.isSpreadAssignment(p) || !ts.isIdentifier(unwrap(p.expression))) return false;
        const d = findDeclaration((unwrap(p.expression) as ts.Identifier).text, p);
        return d !== undefined && d !== holder && !ts.isParameter(d) && loadedBinding(d);
      });
    }
    return false;
  }
  // `rows.map((r) => r.id)`: the callback's parameter is a loaded row.
  if (ts.isParameter(holder)) {
    const fn = holder.parent;
    const call = fn.parent;
    return (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && iterationMethods.test(call.expression.name.text);
  }
  return false;
}

/** `let row; try { row = await load(...) } ...`: a declaration without initializer that is assigned a call's result. */
function assignedFromCall(decl: ts.VariableDeclaration): boolean {
  if (!ts.isIdentifier(decl.name)) return false;
  const name = decl.name.text;
  const scope = decl.parent.parent.parent;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name) {
      const right = unwrap(n.right);
      if (ts.isAwaitExpression(right) || ts.isCallExpression(right)) found = true;
    }
    ts.forEachChild(n, visit);
  };
  if (scope) visit(scope);
  return found;
}

/**
 * Whether a filter value comes from data the function already loaded (`envelope.id`, `rows.map((r) => r.id)`) or was
 * already handed to an earlier lookup in the same function (`getEnvelope({ id })` then `where: { envelopeId: id }`).
 */
export function derivedValue(value: ts.Expression, query: ts.Node | undefined, depth = 0): boolean {
  if (depth > 4) return false;
  let v = unwrap(value);
  // Conversions keep the origin: `Number(id)`, `String(id)`, `parseInt(id, 10)`.
  while (ts.isCallExpression(v) && ts.isIdentifier(v.expression) && /^(?:Number|String|BigInt|parseInt|parseFloat)$/.test(v.expression.text) && v.arguments[0]) v = unwrap(v.arguments[0]);
  if (ts.isCallExpression(v) && ts.isPropertyAccessExpression(v.expression) && iterationMethods.test(v.expression.name.text)) {
    return derivedValue(v.expression.expression, query, depth + 1) || v.arguments.some((a) => ts.isArrowFunction(a) && !ts.isBlock(a.body) && derivedValue(a.body, query, depth + 1));
  }
  if (ts.isArrayLiteralExpression(v)) return v.elements.length > 0 && v.elements.every((e) => !ts.isSpreadElement(e) && derivedValue(e, query, depth + 1));
  // `ids ?? []`, `row.parentId || undefined`: the fallback adds no id of the caller's choosing.
  if (ts.isBinaryExpression(v) && (v.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || v.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
    const right = unwrap(v.right);
    const inert = (ts.isArrayLiteralExpression(right) && right.elements.length === 0) || right.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(right) && right.text === 'undefined');
    return derivedValue(v.left, query, depth + 1) && (inert || derivedValue(right, query, depth + 1));
  }
  // Configuration (`env.DEFAULT_PROJECT_ID`, `process.env.X`) is the operator's choice, not the caller's.
  if (/^(?:process\.)?env\./.test(v.getText())) return true;
  // `this.collectionId` inside a model or entity method: the row's own reference.
  if ((ts.isPropertyAccessExpression(v) || ts.isElementAccessExpression(v)) && unwrap(v.expression).kind === ts.SyntaxKind.ThisKeyword) return true;
  const root = rootIdentifier(v);
  if (!root) return false;
  const decl = findDeclaration(root.text, root);
  if (decl && !ts.isParameter(decl) && loadedBinding(decl)) return true;
  // `envelope.id` where `envelope` is a row handed in by the caller (not `input.id`, `params.id`, `dto.id`), also
  // when unpacked first (`const { envelope } = opts`).
  if (decl && root !== v && (ts.isParameter(decl) || (ts.isBindingElement(decl) && (paramHolder(decl) || unpackedFromParameter(decl)))) && !requestContainer.test(root.text)) return true;
  if (decl && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && decl.initializer && root === v) {
    const init = unwrap(decl.initializer);
    if (!ts.isAwaitExpression(init) && !ts.isCallExpression(init) && derivedValue(init, query, depth + 1)) return true;
  }
  if (decl && ts.isParameter(decl) && loadedBinding(decl)) return true;
  // `let serverId = null; if (...) serverId = backup.compose.serverId;`: every value it is given was loaded.
  if (decl && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && root === v && assignedDerived(decl, query, depth)) return true;
  // `const registry = app.registry` / `const { networkIds } = app` where `app` is a row handed in by the caller.
  if (decl && (ts.isVariableDeclaration(decl) || ts.isBindingElement(decl)) && fromRowParameter(decl)) return true;
  if (query === undefined) return false;
  // `input.projectId` is checked when that very value (or `input` whole) went to an earlier lookup, not any `input.x`.
  const path = v !== root && requestContainer.test(root.text) && (ts.isPropertyAccessExpression(v) || ts.isElementAccessExpression(v)) ? v.getText().replace(/\?\./g, '.') : undefined;
  return usedByEarlierLookup(root.text, query, path);
}

function assignedDerived(decl: ts.VariableDeclaration, query: ts.Node | undefined, depth: number): boolean {
  const init = decl.initializer ? unwrap(decl.initializer) : undefined;
  const empty = (e: ts.Expression | undefined): boolean => !e || e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined') || ts.isStringLiteralLike(e);
  if (!empty(init)) return false;
  const name = (decl.name as ts.Identifier).text;
  const scope = decl.parent.parent.parent;
  let assignments = 0;
  let derived = true;
  const visit = (n: ts.Node): void => {
    if (!derived) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name) {
      assignments++;
      if (!derivedValue(n.right, query, depth + 1)) derived = false;
    }
    ts.forEachChild(n, visit);
  };
  if (scope) visit(scope);
  return assignments > 0 && derived;
}

/** A local read out of a parameter that is a row rather than request input: `const x = app.registry`, `const { ids } = app`. */
function fromRowParameter(decl: ts.VariableDeclaration | ts.BindingElement): boolean {
  let holder: ts.Node = decl;
  while (ts.isBindingElement(holder)) holder = holder.parent.parent;
  if (!ts.isVariableDeclaration(holder) || !holder.initializer) return false;
  const init = unwrap(holder.initializer);
  if (holder === decl && !ts.isPropertyAccessExpression(init)) return false;
  const root = rootIdentifier(init);
  if (!root || requestContainer.test(root.text)) return false;
  const d = findDeclaration(root.text, root);
  if (d && ts.isBindingElement(d)) return paramHolder(d) && d.dotDotDotToken !== undefined;
  return d !== undefined && ts.isParameter(d) && ts.isIdentifier(d.name) && !ts.getDecorators(d)?.length;
}

/** `const { envelope } = opts` where `opts` is a parameter. */
function unpackedFromParameter(el: ts.BindingElement): boolean {
  let holder: ts.Node = el;
  while (ts.isBindingElement(holder)) holder = holder.parent.parent;
  if (!ts.isVariableDeclaration(holder) || !holder.initializer) return false;
  const init = unwrap(holder.initializer);
  if (!ts.isIdentifier(init)) return false;
  const d = findDeclaration(init.text, init);
  return d !== undefined && ts.isParameter(d);
}

/** Names of objects that carry what the caller sent rather than loaded rows. */
const requestContainer = /^(?:input|inputs|args|arg|options|opts|params|param|body|query|data|payload|req|request|dto|ctx|context|props|values|event|variables|fields|search|searchParams|filters?|where|criteria|conditions|opts|config|_?\w*(?:Input|Dto|Args|Params|Body|Options|Query|Payload|Request))$/;

function paramHolder(el: ts.BindingElement): boolean {
  let holder: ts.Node = el;
  while (ts.isBindingElement(holder)) holder = holder.parent.parent;
  return ts.isParameter(holder);
}

/** The signed-in principal: `user.id`, `session.user.email`, `ctx.user.id`, `req.user.id`, `currentUser.email`. */
const principalValue =
  /^(?:ctx\.|context\.|req\.|request\.|locals\.|res\.locals\.)?(?:session\.user|session|user|currentUser|authUser|sessionUser|me|viewer|auth|actor)\??\.(?:id|email|userId|sub)$|^(?:ctx|context|req|request|locals|res\.locals)\.(?:workspace|tenant|org|organization|organisation|team|account|project)\??\.id$/;

export function fromPrincipal(value: ts.Expression): boolean {
  return principalValue.test(accessText(resolveValue(value)));
}

/**
 * The signed-in user's id, also when a `let` takes it from the session or from the row of the credential the request
 * presented (`let userId; if (bearer) userId = apiToken.userId; else userId = session.user.id`).
 */
export function signedInUser(value: ts.Expression): boolean {
  if (fromPrincipal(value)) return true;
  const v = unwrap(value);
  const decl = ts.isIdentifier(v) ? findDeclaration(v.text, v) : undefined;
  if (!decl || !ts.isVariableDeclaration(decl) || decl.initializer || !ts.isIdentifier(decl.name)) return false;
  const name = decl.name.text;
  let assignments = 0;
  let all = true;
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name) {
      assignments++;
      all &&= fromPrincipal(n.right) || credentialOwner(n.right);
    }
    ts.forEachChild(n, visit);
  };
  visit(decl.parent.parent.parent);
  return assignments > 0 && all;
}

/** `apiToken.userId` where `apiToken` was looked up by the secret the request presented (`where: { hashedKey }`). */
function credentialOwner(value: ts.Expression): boolean {
  const v = unwrap(value);
  if (!ts.isPropertyAccessExpression(v) || !/^(?:userId|ownerId)$/.test(v.name.text) || !ts.isIdentifier(unwrap(v.expression))) return false;
  const decl = findDeclaration((unwrap(v.expression) as ts.Identifier).text, v);
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer || !loadedBinding(decl)) return false;
  const where = /\bwhere\s*:\s*\{([^}]*)\}/.exec(decl.initializer.getText());
  return where !== null && /\b\w*(?:token|hash|key)\w*\s*[:,}]/i.test(where[1]!);
}

/** `(session.user as CustomUser).id` → `session.user.id`: an access chain without casts, parentheses or `?.`. */
function accessText(e: ts.Expression): string {
  const u = unwrap(e);
  if (ts.isPropertyAccessExpression(u)) return `${accessText(u.expression)}.${u.name.text}`;
  return u.getText().replace(/\s+/g, '').replace(/\?\./g, '.');
}

/** Whether `name` is passed to an awaited call that precedes `query` in its function (a lookup or access check). */
function usedByEarlierLookup(name: string, query: ts.Node, path?: string): boolean {
  const fn = outerFunction(query);
  if (!fn?.body) return false;
  const start = query.getStart();
  let used = false;
  const escape = (t: string): string => t.replace(/[$.[\]()]/g, (c) => `\\${c}`);
  const pattern = path ? new RegExp(`\\b${escape(path)}\\b|\\b${escape(name)}\\b(?![?.\\w[])`) : new RegExp(`\\b${escape(name)}\\b`);
  const visit = (node: ts.Node): void => {
    if (used || node.pos >= start) return;
    if (ts.isAwaitExpression(node) && ts.isCallExpression(unwrap(node.expression)) && node.end <= start) {
      // Anywhere in the awaited call chain: `await db.select().from(t).where(and(eq(t.id, id), ...)).get()`.
      const call = unwrap(node.expression) as ts.CallExpression;
      if (pattern.test(call.getText().replace(/^[^(]*/, ''))) used = true;
    } else if (ts.isCallExpression(node) && node.end <= start && /(?:throwIf|assert|check|verify|authori[sz]e|ensure|require|guard)\w*$/i.test(node.expression.getText())) {
      // A synchronous access check: `throwIfNoProjectAccess({ projectId: input.projectId })`.
      if (node.arguments.some((a) => pattern.test(a.getText()))) used = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  return used;
}

// ---------------------------------------------------------------------------------------------------------------
// After the query: a single-row result checked against the caller's tenant

/** The variable a query result lands in: `const x = await q`, `x = await q`, `const { teamId } = await q`, `const [x] = await Promise.all([q])`. */
export function resultBinding(call: ts.Node): { names: string[]; destructured: string[] } | undefined {
  let n: ts.Node = call;
  while (
    ts.isAwaitExpression(n.parent) ||
    ts.isParenthesizedExpression(n.parent) ||
    ts.isAsExpression(n.parent) ||
    ts.isNonNullExpression(n.parent) ||
    (ts.isConditionalExpression(n.parent) && n.parent.condition !== n) ||
    (ts.isBinaryExpression(n.parent) && (n.parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || n.parent.operatorToken.kind === ts.SyntaxKind.BarBarToken))
  )
    n = n.parent;
  let p = n.parent;
  if (ts.isArrayLiteralExpression(p) && ts.isCallExpression(p.parent) && /\bPromise\.all(?:Settled)?$/.test(p.parent.expression.getText())) {
    const index = p.elements.indexOf(n as ts.Expression);
    let outer: ts.Node = p.parent;
    while (ts.isAwaitExpression(outer.parent) || ts.isParenthesizedExpression(outer.parent)) outer = outer.parent;
    p = outer.parent;
    if (ts.isVariableDeclaration(p) && ts.isArrayBindingPattern(p.name)) {
      const el = p.name.elements[index];
      return el && ts.isBindingElement(el) && ts.isIdentifier(el.name) ? { names: [el.name.text], destructured: [] } : undefined;
    }
    return undefined;
  }
  if (ts.isVariableDeclaration(p)) {
    if (ts.isIdentifier(p.name)) return { names: [p.name.text], destructured: [] };
    if (ts.isObjectBindingPattern(p.name)) return { names: [], destructured: p.name.elements.map((e) => (e.propertyName ? propertyName(e.propertyName) : ts.isIdentifier(e.name) ? e.name.text : '') ?? '') };
  }
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(p.left)) return { names: [p.left.text], destructured: [] };
  return undefined;
}

const authorizeCall = /(?:authori[sz]e|assert|check|verify|ensure|can|guard|require|permission|access|policy|allowed|forbid)/i;

/**
 * Whether a single-row result is only ever tested for presence (`if (existing) throw ...`, `if (team || share)`): a
 * uniqueness check, which reveals no tenant data.
 */
export function onlyTested(call: ts.Node, fn: ts.Node | undefined): boolean {
  if (!fn) return false;
  const binding = resultBinding(call);
  if (!binding || binding.names.length !== 1 || binding.destructured.length > 0) return false;
  const name = binding.names[0]!;
  const end = call.getEnd();
  let uses = 0;
  let tests = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === name && node.pos >= end) {
      uses++;
      let p: ts.Node = node.parent;
      while (ts.isParenthesizedExpression(p) || ts.isPrefixUnaryExpression(p) || (ts.isBinaryExpression(p) && /^(?:&&|\|\|)$/.test(p.operatorToken.getText()))) p = p.parent;
      if ((ts.isIfStatement(p) || ts.isConditionalExpression(p) || ts.isWhileStatement(p)) && !ts.isPropertyAccessExpression(node.parent)) tests++;
      else if (ts.isReturnStatement(p) && ts.isPrefixUnaryExpression(node.parent)) tests++;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return uses > 0 && uses === tests;
}

/**
 * Whether the row a single-row query returns is compared with the caller's tenant (or owner) later in the function:
 * `if (doc.teamId !== team.id) throw`, `doc.team.members...`, `authorize(user, 'read', doc)`, `canAccess(doc, user)`.
 */
export function resultChecked(call: ts.Node, table: TenantTable, fn: ts.Node | undefined): boolean {
  if (!fn) return false;
  const binding = resultBinding(call);
  if (!binding) return false;
  const keys = keysOf(table);
  // Reading a relation that leads to the tenant (`doc.team.members`) checks it; reading a config child (`n.email`) does not.
  const relationNames = new Set((table.scopeRelations ?? Object.keys(table.relations)).map(normalizeKey));
  const scopeKey = (k: string): boolean => {
    const n = normalizeKey(k);
    return keys.tenant.has(n) || keys.owner.has(n) || relationNames.has(n) || keys.parent.has(n);
  };
  if (binding.destructured.some(scopeKey)) return true;
  const names = new Set(binding.names);
  if (names.size === 0) return false;
  const end = call.getEnd();
  let checked = false;
  const visit = (node: ts.Node): void => {
    if (checked || (node.getEnd() < end && !isAncestor(node, call))) return;
    if (node.pos >= end) {
      // `row.teamId`, and through a result wrapper: `res.data.workspaceId`, `result.value.teamId`.
      let holder = (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) ? unwrap(node.expression) : undefined;
      while (holder && ts.isPropertyAccessExpression(holder) && /^(?:data|value|result|row|record)$/.test(holder.name.text)) holder = unwrap(holder.expression);
      if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && holder && ts.isIdentifier(holder) && names.has(holder.text)) {
        const key = ts.isPropertyAccessExpression(node) ? node.name.text : ts.isStringLiteralLike(node.argumentExpression) ? node.argumentExpression.text : '';
        // Comparing the row's tenant, owner or parent, or a secret it holds (`safeEqual(token, row.pixelToken)`).
        if (scopeKey(key) || capabilityKey.test(key)) checked = true;
      } else if (ts.isCallExpression(node) && authorizeCall.test(node.expression.getText()) && node.arguments.some((a) => ts.isIdentifier(unwrap(a)) && names.has((unwrap(a) as ts.Identifier).text))) {
        checked = true;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return checked;
}

/**
 * Whether the rows a query returns are narrowed to the caller's tenant in code right after: `rows.filter((r) =>
 * r.gitProvider.organizationId === ctx.orgId)`, `rows.filter((r) => orgIds.includes(r.teamId))`.
 */
export function resultFiltered(call: ts.Node, table: Pick<TenantTable, 'tenantColumns' | 'ownerColumns'>, fn: ts.Node | undefined, tenantKeyNames: readonly string[]): boolean {
  if (!fn) return false;
  const binding = resultBinding(call);
  if (!binding || binding.names.length !== 1) return false;
  const name = binding.names[0]!;
  const keys = new Set([...namesOf(table.tenantColumns), ...namesOf(table.ownerColumns), ...tenantKeyNames.map(normalizeKey)]);
  const end = call.getEnd();
  let filtered = false;
  const visit = (node: ts.Node): void => {
    if (filtered) return;
    if (node.pos >= end && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && /^(?:filter|find|findLast|some|every)$/.test(node.expression.name.text)) {
      const target = unwrap(node.expression.expression);
      const callback = node.arguments[0] ? unwrap(node.arguments[0]) : undefined;
      if (ts.isIdentifier(target) && target.text === name && callback && (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) {
        const compares = (n: ts.Node): void => {
          if (filtered) return;
          if (ts.isPropertyAccessExpression(n) && keys.has(normalizeKey(n.name.text))) {
            const p = n.parent;
            const compared = (ts.isBinaryExpression(p) && /^[!=]==?$/.test(p.operatorToken.getText())) || (ts.isCallExpression(p) && p.arguments.includes(n) && /\.(?:includes|has)$/.test(p.expression.getText()));
            if (compared) filtered = true;
          }
          ts.forEachChild(n, compares);
        };
        compares(callback.body);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return filtered;
}

// ---------------------------------------------------------------------------------------------------------------
// Judging expression filters by the columns they mention

/** Condition helpers of drizzle, Kysely, TypeORM and knex that only combine or compare (they add no hidden filter). */
const operators = new Set([
  'eq', 'ne', 'and', 'or', 'not', 'gt', 'gte', 'lt', 'lte', 'inArray', 'notInArray', 'isNull', 'isNotNull', 'exists', 'notExists', 'between',
  'notBetween', 'like', 'ilike', 'notLike', 'notIlike', 'sql', 'arrayContains', 'arrayContained', 'arrayOverlaps', 'asc', 'desc',
  'Brackets', 'NotBrackets', 'In', 'Not', 'IsNull', 'Like', 'ILike', 'Any', 'Between', 'MoreThan', 'MoreThanOrEqual', 'LessThan', 'LessThanOrEqual',
  'Equal', 'Raw', 'ArrayContains', 'ArrayContainedBy', 'ArrayOverlap', 'And', 'Or', 'JsonContains',
  'val', 'ref', 'lit', 'fn', 'cast', 'selectFrom', 'where', 'andWhere', 'orWhere', 'whereIn', 'whereNotIn', 'whereNull', 'whereNotNull', 'orWhereNull',
  'select', 'on', 'onRef', 'raw', 'String', 'Number', 'Boolean', 'Date', 'toString', 'toISOString', 'map', 'filter', 'join', 'push', 'concat',
  'setParameter', 'setParameters', 'getQuery', 'getParameters', 'from', 'innerJoin', 'leftJoin', 'as', 'identifier', 'column', 'table', 'count', 'max', 'min',
]);

const identifierToken = /(?<![:@$\w])([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Judges filter expressions by the columns they name: property accesses on the table's variable or a callback
 * parameter (`projects.orgId`, `t.orgId`), column strings (`'p.organizationId = :org'`, `'team_id'`) and object keys.
 * An unknown helper call (`.where(tenantScope(t))`) makes the filter unknown.
 */
export function judgeMentions(nodes: readonly ts.Node[], table: TenantTable, receivers: ReadonlySet<string>): Verdict {
  const keys = keysOf(table);
  let strength: Strength = 'none';
  let fromReq: Verdict['fromRequest'];
  const seen = new Set<ts.Node>();
  const note = (name: string, value?: ts.Expression): void => {
    let s = strengthOfKey(name, keys);
    if (s !== 'tenant' && capabilityKey.test(name)) s = 'owner';
    // An id the function loaded or already checked (`whereIn('id', rows.map((r) => r.id))`) narrows like an owner.
    if ((s === 'unique' || s === 'parent') && value && (derivedValue(value, nodes[0]) || fromPrincipal(value))) s = 'owner';
    // The signed-in user's own identity (`eq(invitation.email, ctx.user.email)`) narrows to that user's rows.
    if (s !== 'tenant' && value && fromPrincipal(value)) s = stronger(s, 'owner');
    strength = stronger(strength, s);
    if (s === 'tenant' && value && !fromReq && fromRequest(value)) fromReq = { key: name, value: value.getText(), node: value };
  };
  const visit = (node: ts.Node, depth: number): void => {
    if (depth > 12 || seen.has(node)) return;
    seen.add(node);
    if (ts.isPropertyAccessExpression(node)) {
      const target = unwrap(node.expression);
      // `projects.orgId`, `t.orgId`, and through a namespace import `schema.projects.orgId`.
      if ((ts.isIdentifier(target) && receivers.has(target.text)) || (ts.isPropertyAccessExpression(target) && receivers.has(target.name.text))) note(node.name.text, comparedValue(node));
    } else if (ts.isElementAccessExpression(node) && ts.isIdentifier(unwrap(node.expression)) && receivers.has((unwrap(node.expression) as ts.Identifier).text)) {
      const column = unwrap(node.argumentExpression);
      if (ts.isStringLiteralLike(column)) note(column.text, comparedValue(node));
      // `eq(t[`${kind}Id`], id)`: a column chosen at run time cannot be judged.
      else strength = stronger(strength, 'unknown');
      return;
    } else if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const value = ts.isStringLiteralLike(node) ? comparedValue(node) : undefined;
      for (const m of node.text.matchAll(identifierToken)) note(m[1]!, value);
    } else if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
      const key = propertyName(node.name);
      if (key) note(key, ts.isPropertyAssignment(node) ? node.initializer : node.name);
    } else if (ts.isCallExpression(node)) {
      const callee = unwrap(node.expression);
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      const owner = ts.isPropertyAccessExpression(callee) ? unwrap(callee.expression) : undefined;
      const ownerIsLocal = owner !== undefined && (ts.isIdentifier(owner) ? receivers.has(owner.text) || isParameterOfFilter(owner, nodes) : ts.isCallExpression(owner) || ts.isPropertyAccessExpression(owner));
      if (name && !operators.has(name) && !(ownerIsLocal && /^(?:eb|and|or|exists|not|where|selectFrom|cmpr|between|in)$/.test(name)) && !ownerIsLocal) strength = stronger(strength, 'unknown');
    } else if (ts.isIdentifier(node) && !receivers.has(node.text)) {
      const value = resolveValue(node);
      if (value !== node && !ts.isIdentifier(value)) visit(value, depth + 1);
      else {
        // `conditions.push(eq(t.orgId, x))` in the same function.
        const decl = findDeclaration(node.text, node);
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isArrayLiteralExpression(unwrap(decl.initializer))) {
          visit(decl.initializer, depth + 1);
          const scope = decl.parent.parent.parent;
          const pushes = (n: ts.Node): void => {
            if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'push' && ts.isIdentifier(unwrap(n.expression.expression)) && (unwrap(n.expression.expression) as ts.Identifier).text === node.text) {
              for (const a of n.arguments) visit(a, depth + 1);
            }
            ts.forEachChild(n, pushes);
          };
          if (scope) pushes(scope);
        }
      }
      return;
    }
    ts.forEachChild(node, (child) => visit(child, depth + 1));
  };
  for (const n of nodes) {
    // A whole condition held in a parameter (`where: params`) cannot be seen.
    const u = ts.isExpression(n) ? unwrap(n) : n;
    const whole = (ts.isCallExpression(n.parent) && n.parent.arguments.length === 1) || ts.isPropertyAssignment(n.parent);
    if (whole && ts.isIdentifier(u)) {
      const decl = findDeclaration(u.text, u);
      if (!decl || ts.isParameter(decl) || ts.isBindingElement(decl)) strength = stronger(strength, 'unknown');
    }
    visit(n, 0);
  }
  return { strength, ...(fromReq ? { fromRequest: fromReq } : {}) };
}

function isParameterOfFilter(id: ts.Identifier, roots: readonly ts.Node[]): boolean {
  const decl = findDeclaration(id.text, id);
  return decl !== undefined && ts.isParameter(decl) && roots.some((r) => isAncestor(r, decl) || r === decl.parent);
}

/** The value a column is compared with: `eq(t.orgId, VALUE)`, `.where('org_id', '=', VALUE)`. */
function comparedValue(holder: ts.Node): ts.Expression | undefined {
  const call = holder.parent;
  if (call && ts.isCallExpression(call)) {
    const args = call.arguments;
    const i = args.indexOf(holder as ts.Expression);
    if (i === -1) return undefined;
    return args[args.length - 1] !== holder ? args[args.length - 1] : undefined;
  }
  return undefined;
}
