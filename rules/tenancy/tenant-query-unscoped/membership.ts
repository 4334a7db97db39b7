/**
 * Team membership: the join table between users and a tenant (`UserTeam`, `TeamMember`, `Membership`), and the ways a
 * handler checks that the signed-in user belongs to the tenant a request names before it uses that tenant id.
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import type { RepoModel } from '../../../src/audit/model.js';
import { databaseSchemas, type TenantTable } from '../../../src/audit/schema/tenancy.js';
import { boundToPrincipal, isAncestor, resultBinding, signedInUser, unwrap } from './scope.js';

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const bare = (name: string): string => name.replace(/^.*\./, '').toLowerCase();

/** `TeamMember`, `organization_members`, `Membership`. */
const memberWord = /(?:^|[a-z_])(?:members?|memberships?)$/i;

/** `UserTeam`, `UsersOnTeams`, `TeamUser`, `team_users`: a users table and a tenant root named together. */
function joinsUserAndRoot(name: string, roots: readonly string[]): boolean {
  const n = name.toLowerCase().replace(/_/g, '');
  return roots.some((r) => new RegExp(`^users?(?:on|to|in)?${r}s?$|^${r}s?(?:users?|members?)$`).test(n));
}

/**
 * Tables that say who belongs to which tenant: they carry the tenant key and a key to the users table, and either
 * one primary key or unique index holds both (a user is in a team once), or the name joins users and the tenant.
 * Returns every name the code calls them by, lower-cased: Prisma accessors, model classes and variables, table names.
 */
export async function membershipNames(model: RepoModel, tables: readonly TenantTable[], rootNames: Record<string, string>): Promise<string[]> {
  const { schemas } = await databaseSchemas(model);
  const uniqueSets = new Map<string, string[][]>();
  for (const schema of schemas) {
    for (const t of schema.tables) {
      const sets = [...t.indexes.filter((i) => i.unique).map((i) => i.columns), ...(t.primaryKey ? [t.primaryKey.columns] : [])];
      uniqueSets.set(bare(t.name), [...(uniqueSets.get(bare(t.name)) ?? []), ...sets]);
    }
  }
  const roots = Object.keys(rootNames).map((r) => r.replace(/_/g, '')).filter((r) => r.length > 1);
  const names = new Set<string>();
  for (const t of tables) {
    if (t.principal || t.tenantColumns.length === 0 || t.ownerColumns.length === 0) continue;
    const tenant = new Set(t.tenantColumns.flatMap((c) => [c.name, c.field ?? c.name]));
    const owner = new Set(t.ownerColumns.flatMap((c) => [c.name, c.field ?? c.name]));
    const paired = (uniqueSets.get(bare(t.table)) ?? []).some((set) => set.some((c) => tenant.has(c)) && set.some((c) => owner.has(c)));
    const known = [t.table.replace(/^.*\./, ''), ...t.models.map((m) => m.name)];
    if (!paired && !known.some((n) => memberWord.test(n) || joinsUserAndRoot(n, roots))) continue;
    for (const n of known) {
      names.add(n.toLowerCase());
      names.add(lowerFirst(n).toLowerCase());
    }
  }
  return [...names];
}

/** Query methods whose empty result means "no such row for this caller". */
const lookupOp = /^(?:find\w*|count|exists?|get\w*)$/;

/** The call in a chain that names the model: `prisma.userTeam.findUnique(...)` → `userTeam`; drizzle `from(userTeams)`. */
function queriesMembership(call: ts.CallExpression, names: ReadonlySet<string>): boolean {
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee)) {
    const owner = unwrap(callee.expression);
    const accessor = ts.isPropertyAccessExpression(owner) ? owner.name.text : ts.isIdentifier(owner) ? owner.text : undefined;
    if (accessor && names.has(accessor.toLowerCase())) return true;
  }
  return [...call.getText().matchAll(/\.from\(\s*(\w+)\s*\)/g)].some((m) => names.has(m[1]!.toLowerCase()));
}

/** Whether an expression (or what it leads to through `!x`, `x.length`, `x && y`) is the condition of an `if`, `?:` or loop. */
function tested(node: ts.Node): boolean {
  let n = node;
  for (let i = 0; i < 8; i++) {
    const p = n.parent;
    if (!p) return false;
    if ((ts.isIfStatement(p) || ts.isWhileStatement(p)) && p.expression === n) return true;
    if (ts.isConditionalExpression(p) && p.condition === n) return true;
    if (ts.isParenthesizedExpression(p) || ts.isAwaitExpression(p) || ts.isPrefixUnaryExpression(p) || ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p) || ts.isNonNullExpression(p) || ts.isBinaryExpression(p)) n = p;
    else return false;
  }
  return false;
}

/** Every later use of the variable a query result lands in, and of locals read out of it (`const members = team?.users`). */
function usesOf(call: ts.Node, fn: ts.Node): ts.Identifier[] {
  const binding = resultBinding(call);
  if (!binding || binding.names.length !== 1) return [];
  const out: ts.Identifier[] = [];
  const collect = (name: string, after: number, depth: number): void => {
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && n.text === name && n.pos >= after && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        out.push(n);
        let top: ts.Node = n;
        while (ts.isPropertyAccessExpression(top.parent) && top.parent.expression === top) top = top.parent;
        if (depth < 2 && top !== n && ts.isVariableDeclaration(top.parent) && top.parent.initializer === top && ts.isIdentifier(top.parent.name)) collect(top.parent.name.text, top.parent.getEnd(), depth + 1);
      }
      ts.forEachChild(n, visit);
    };
    visit(fn);
  };
  collect(binding.names[0]!, call.getEnd(), 0);
  return out;
}

/** The result is tested before use (`if (!team) return 403`), or the query throws when nothing matches. */
function resultTested(call: ts.CallExpression, fn: ts.Node): boolean {
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee) && /OrThrow$/.test(callee.name.text)) return true;
  return tested(call) || usesOf(call, fn).some((u) => tested(u));
}

/** `team.users.some((m) => m.userId === userId)`: a loaded member list searched for the signed-in user. */
function searchedForPrincipal(use: ts.Identifier): boolean {
  let n: ts.Node = use;
  while (ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n) n = n.parent;
  const call = n.parent;
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(n) || call.expression !== n || !/^(?:some|find|findIndex|every|filter|includes)$/.test(n.name.text)) return false;
  // The callback's own parameter is a member row (`(user) => user.userId === ...`), never the signed-in user.
  const params = new Set(call.arguments.flatMap((a) => (ts.isArrowFunction(a) || ts.isFunctionExpression(a) ? a.parameters.map((p) => p.name.getText()) : [])));
  const signedIn = (e: ts.Expression): boolean => {
    let root = unwrap(e);
    while (ts.isPropertyAccessExpression(root)) root = unwrap(root.expression);
    return !(ts.isIdentifier(root) && params.has(root.text)) && signedInUser(e);
  };
  let found = false;
  const visit = (x: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(x) && /^[!=]==?$/.test(x.operatorToken.getText()) && (signedIn(x.left) || signedIn(x.right))) found = true;
    else if (ts.isExpression(x) && call.arguments.includes(x) && signedIn(x)) found = true;
    ts.forEachChild(x, visit);
  };
  for (const a of call.arguments) visit(a);
  return found;
}

/**
 * Whether `fn` checks, before `query`, that the signed-in user is a member of the tenant `valueText` names:
 * - a lookup on a membership table with that value (`userTeam.findUnique({ where: { userId_teamId: { userId, teamId } } })`);
 * - a lookup whose filter requires a related row of the user (`team.findUnique({ where: { id: teamId, users: { some:
 *   { userId } } } })`), tested before use or throwing when nothing matches;
 * - the tenant loaded with its members and searched for the user (`team.users.some((u) => u.userId === userId)`), or with
 *   the members narrowed to the user (`include: { users: { where: { userId } } }`) and the list tested.
 */
export function membershipVerified(valueText: string, fn: ts.Node | undefined, query: ts.Node, names: ReadonlySet<string>): boolean {
  if (!fn) return false;
  let verified = false;
  const visit = (node: ts.Node): void => {
    if (verified) return;
    if (ts.isCallExpression(node) && node.getEnd() <= query.getStart() && !isAncestor(node, query) && node.arguments.some((a) => a.getText().includes(valueText))) {
      if (queriesMembership(node, names)) verified = true;
      else if (ts.isPropertyAccessExpression(node.expression) && lookupOp.test(node.expression.name.text)) verified = memberLookup(node, fn);
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return verified;
}

function memberLookup(call: ts.CallExpression, fn: ts.Node): boolean {
  const options = call.arguments[0] ? unwrap(call.arguments[0]) : undefined;
  if (!options || !ts.isObjectLiteralExpression(options)) return false;
  const part = (key: string): ts.Expression | undefined => {
    const p = options.properties.find((q): q is ts.PropertyAssignment => ts.isPropertyAssignment(q) && q.name.getText() === key);
    return p?.initializer;
  };
  const where = part('where') ? unwrap(part('where')!) : undefined;
  // Through a relation (`users: { some: { userId } }`): the tenant row exists only for its members. A row of the user's
  // own in that tenant (`authorId: userId` on a note) says nothing about membership today.
  const throughRelation = where !== undefined && ts.isObjectLiteralExpression(where) && where.properties.some((q) => ts.isPropertyAssignment(q) && !q.name.getText().includes('_') && ts.isObjectLiteralExpression(unwrap(q.initializer)) && boundToPrincipal(unwrap(q.initializer)));
  if (throughRelation && resultTested(call, fn)) return true;
  const uses = usesOf(call, fn);
  if (uses.some(searchedForPrincipal)) return true;
  // `include: { users: { where: { userId } } }` then `if (team.users.length === 0)`: the list is the membership.
  const loaded = [part('include'), part('select')].some((x) => x !== undefined && ts.isObjectLiteralExpression(unwrap(x)) && narrowedToPrincipal(unwrap(x) as ts.ObjectLiteralExpression));
  return loaded && uses.some((u) => ts.isPropertyAccessExpression(u.parent) && tested(u));
}

/** `{ users: { where: { userId } } }` anywhere in a selection. */
function narrowedToPrincipal(selection: ts.ObjectLiteralExpression, depth = 0): boolean {
  if (depth > 4) return false;
  return selection.properties.some((p) => {
    if (!ts.isPropertyAssignment(p)) return false;
    const value = unwrap(p.initializer);
    if (!ts.isObjectLiteralExpression(value)) return false;
    if (p.name.getText() === 'where') return boundToPrincipal(value);
    return narrowedToPrincipal(value, depth + 1);
  });
}
