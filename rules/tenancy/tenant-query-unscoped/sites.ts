/**
 * Query call sites per data-access library, recognised by syntax: the table they touch, the operation, and the filter
 * (an object to judge key by key, or an expression whose column mentions are collected).
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import type { TenantTable } from '../../../src/audit/schema/tenancy.js';
import { findDeclaration, isFunctionLike, propertyName, resolveValue, unwrap } from './scope.js';

export type Orm = 'prisma' | 'drizzle' | 'kysely' | 'knex' | 'typeorm' | 'sequelize' | 'mikro-orm';

export interface QuerySite {
  orm: Orm;
  table: TenantTable;
  /** Operation as written (`findMany`, `update`, `select`...). */
  op: string;
  /** Text shown in the message: `prisma.project.findMany`. */
  call: string;
  /** Where the finding points. */
  node: ts.Node;
  /** The call that yields the result (for following it into a tenant check). */
  resultCall: ts.Node;
  /** Returns at most one row: an unscoped lookup may still be checked afterwards. */
  single: boolean;
  /** An object filter, judged key by key. */
  filter?: ts.Expression;
  /** The filter is absent (no `where`): nothing narrows the rows. */
  noFilter?: boolean;
  /** Expressions whose column mentions form the filter (drizzle conditions, Kysely/knex/QueryBuilder clauses). */
  mentions?: ts.Node[];
  /** Names that refer to the table's columns in `mentions` (table variable, aliases, callback parameters). */
  receivers?: Set<string>;
  /** A lookup by primary key without any filter object (`findByPk(id)`, `findOne(id)`). */
  byKey?: boolean;
  /** The key value of a `byKey` lookup. */
  keyValue?: ts.Expression;
  /** Options next to the key (`findByPk(id, { userId })`): a custom finder may scope by them. */
  keyOptions?: ts.Expression;
  /** Tenant-owned tables joined into the query (`innerJoin(projects, ...)`): a condition on their tenant key scopes it. */
  joined?: Array<{ name: string; table: TenantTable }>;
}

export interface Lookup {
  prisma: Map<string, TenantTable>;
  /** Drizzle variables, entity and model classes. */
  code: Map<string, TenantTable>;
  /** Database table names, lower-cased. */
  sql: Map<string, TenantTable>;
}

const prismaOps = new Set([
  'findMany',
  'findFirst',
  'findFirstOrThrow',
  'findUnique',
  'findUniqueOrThrow',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
  'upsert',
  'count',
  'aggregate',
  'groupBy',
]);
const prismaSingle = new Set(['findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'update', 'delete', 'upsert']);

/** Names a Prisma client goes by: `prisma`, `db`, `tx`, `this.prisma`, `ctx.db`, `prismaService`, `transaction`. */
const prismaClientName = /^(?:\$?tx|trx|transaction|db|database|client|prisma\w*|\w*Prisma\w*|\w*(?:Db|DB|Client|Tx))$/;

function lastName(e: ts.Expression): string | undefined {
  const u = unwrap(e);
  if (ts.isIdentifier(u)) return u.text;
  if (ts.isPropertyAccessExpression(u)) return u.name.text;
  if (ts.isCallExpression(u)) return lastName(u.expression);
  return undefined;
}

/** Whether a local holding query arguments is changed after its declaration (`query.where = ...`). */
function mutated(id: ts.Expression): boolean {
  if (!ts.isIdentifier(id)) return true;
  const decl = findDeclaration(id.text, id);
  if (!decl || !ts.isVariableDeclaration(decl)) return true;
  const scope = decl.parent.parent.parent;
  let changed = false;
  const visit = (n: ts.Node): void => {
    if (changed) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = unwrap(n.left);
      const target = ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left) ? unwrap(left.expression) : left;
      if (ts.isIdentifier(target) && target.text === id.text) changed = true;
    }
    if (ts.isCallExpression(n) && n.arguments.some((a) => ts.isIdentifier(unwrap(a)) && (unwrap(a) as ts.Identifier).text === id.text) && !/^(?:findMany|findFirst|findUnique|count|aggregate|groupBy|findFirstOrThrow|findUniqueOrThrow|updateMany|deleteMany)$/.test(lastName(n.expression) ?? '')) changed = true;
    ts.forEachChild(n, visit);
  };
  if (scope) visit(scope);
  return changed;
}

export function textOf(node: ts.Node): string {
  const t = node.getText();
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

/** `prisma.project.findMany({...})`, `tx.project.update(...)`, `this.prisma.project.count()`. */
export function prismaSite(call: ts.CallExpression, lookup: Lookup, fileImportsPrisma: boolean): QuerySite | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !prismaOps.has(callee.name.text)) return undefined;
  const model = unwrap(callee.expression);
  if (!ts.isPropertyAccessExpression(model)) return undefined;
  const table = lookup.prisma.get(model.name.text);
  if (!table) return undefined;
  const client = lastName(model.expression);
  if (!client || (!prismaClientName.test(client) && !fileImportsPrisma)) return undefined;
  // drizzle relational queries look alike: `db.query.projects.findMany`.
  if (client === 'query') return undefined;
  const op = callee.name.text;
  const args = call.arguments[0] ? unwrap(call.arguments[0]) : undefined;
  const base = { orm: 'prisma' as const, table, op, call: `${callee.expression.getText().replace(/\s+/g, '')}.${op}`, node: call, resultCall: call, single: prismaSingle.has(op) };
  if (!args) return { ...base, noFilter: true };
  // `findMany(query)`: the arguments built elsewhere are judged when they are a local object literal.
  const argsObject = ts.isObjectLiteralExpression(args) ? args : resolveValue(args);
  if (!ts.isObjectLiteralExpression(argsObject) || (argsObject !== args && mutated(args))) return undefined;
  const whereProp = argsObject.properties.find((p) => propertyName(p.name) === 'where');
  if (!whereProp) {
    if (argsObject.properties.some((p) => ts.isSpreadAssignment(p))) return undefined;
    return { ...base, noFilter: true };
  }
  const where = whereProp;
  if (ts.isPropertyAssignment(where)) return { ...base, filter: where.initializer };
  if (ts.isShorthandPropertyAssignment(where)) return { ...base, filter: where.name };
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Builder chains: drizzle, Kysely, knex, TypeORM QueryBuilder

export interface Link {
  name: string;
  call: ts.CallExpression;
}

/** The calls of a chain, innermost first, and what it starts from (`db`, `knex`, `this.repo`...). */
export function chainLinks(expr: ts.Expression): { links: Link[]; base: ts.Expression } {
  const links: Link[] = [];
  let node: ts.Expression = unwrap(expr);
  for (;;) {
    if (ts.isCallExpression(node)) {
      const callee = unwrap(node.expression);
      if (ts.isPropertyAccessExpression(callee)) {
        links.unshift({ name: callee.name.text, call: node });
        node = unwrap(callee.expression);
        continue;
      }
      if (ts.isIdentifier(callee)) {
        links.unshift({ name: callee.text, call: node });
        return { links, base: callee };
      }
      return { links, base: node };
    }
    if (ts.isAwaitExpression(node)) {
      node = unwrap(node.expression);
      continue;
    }
    return { links, base: node };
  }
}

/** Whether `node` is the outermost call of its chain (the one the engine should judge). */
export function isChainEnd(node: ts.CallExpression): boolean {
  const p = node.parent;
  return !(ts.isPropertyAccessExpression(p) && p.expression === node && ts.isCallExpression(p.parent));
}

/**
 * The whole chain a builder variable accumulates: `let q = db.selectFrom('t'); q = q.where(...); await q.execute()`.
 * Returns the links of the initializer plus every call made on the variable in its scope.
 */
function variableLinks(id: ts.Identifier): Link[] {
  const decl = findDeclaration(id.text, id);
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return [];
  const links = chainLinks(decl.initializer).links;
  const scope = decl.parent.parent.parent;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      if (isChainEnd(node)) {
        const { links: more, base } = chainLinks(node);
        if (ts.isIdentifier(base) && base.text === id.text && base !== id) links.push(...more);
      }
      // Handed to a helper (`this.addWhereConditions(query, options)`) that may add the tenant filter.
      if (node.arguments.some((a) => ts.isIdentifier(unwrap(a)) && (unwrap(a) as ts.Identifier).text === id.text)) links.push({ name: '(escapes)', call: node });
    }
    ts.forEachChild(node, visit);
  };
  if (scope) visit(scope);
  return links;
}

const drizzleTerminal = /^(?:execute|then|get|all|values|run|prepare|limit|offset|orderBy|groupBy|having|returning|for|\$dynamic)$/;
const whereNames = /^(?:where|andWhere|orWhere|whereIn|whereNotIn|whereRaw|andWhereRaw|whereExists|whereNull|whereNotNull|whereBetween|whereLike|whereILike|whereRef|on|onRef|having|innerJoin|leftJoin|rightJoin|fullJoin|join|leftJoinAndSelect|innerJoinAndSelect|leftJoinAndMapOne|innerJoinAndMapOne|filterWhere|whereInIds|andWhereInIds|orWhereInIds|andWhereExists)$/;

function tableVariable(arg: ts.Expression | undefined, lookup: Lookup): { table: TenantTable; name: string } | undefined {
  if (!arg) return undefined;
  const u = unwrap(arg);
  if (ts.isIdentifier(u)) {
    const t = lookup.code.get(u.text);
    return t ? { table: t, name: u.text } : undefined;
  }
  // `schema.projects`
  if (ts.isPropertyAccessExpression(u)) {
    const t = lookup.code.get(u.name.text);
    return t ? { table: t, name: u.name.text } : undefined;
  }
  return undefined;
}

/** `t`, `table`, `projects` in `(t, { eq }) => eq(t.orgId, x)` callbacks within the filter. */
function callbackParams(nodes: readonly ts.Node[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const u = ts.isExpression(n) ? unwrap(n) : n;
    if ((ts.isArrowFunction(u) || ts.isFunctionExpression(u)) && u.parameters[0] && ts.isIdentifier(u.parameters[0].name)) out.push(u.parameters[0].name.text);
  }
  return out;
}

/** drizzle: `db.select().from(t).where(...)`, `db.update(t).set(...).where(...)`, `db.delete(t).where(...)`, `db.query.t.findMany({ where })`. */
export function drizzleSite(call: ts.CallExpression, lookup: Lookup): QuerySite | undefined {
  const callee = unwrap(call.expression);
  // Relational queries.
  if (ts.isPropertyAccessExpression(callee) && /^(?:findMany|findFirst)$/.test(callee.name.text)) {
    const model = unwrap(callee.expression);
    if (!ts.isPropertyAccessExpression(model) || lastName(model.expression) !== 'query') return undefined;
    const table = lookup.code.get(model.name.text);
    if (!table) return undefined;
    const args = call.arguments[0] ? unwrap(call.arguments[0]) : undefined;
    const where = args && ts.isObjectLiteralExpression(args) ? args.properties.find((p) => propertyName(p.name) === 'where') : undefined;
    const base = { orm: 'drizzle' as const, table, op: callee.name.text, call: `${callee.expression.getText().replace(/\s+/g, '')}.${callee.name.text}`, node: call, resultCall: call, single: callee.name.text === 'findFirst' };
    if (args && !ts.isObjectLiteralExpression(args)) return undefined;
    if (!where) return args?.properties.some(ts.isSpreadAssignment) ? undefined : { ...base, noFilter: true };
    if (!ts.isPropertyAssignment(where)) return undefined;
    const value = unwrap(where.initializer);
    // drizzle v2 object filters `{ orgId: x }` are judged like Prisma's.
    if (ts.isObjectLiteralExpression(value)) return { ...base, filter: value };
    return { ...base, mentions: [value], receivers: new Set([model.name.text, ...callbackParams([value])]) };
  }
  if (!isChainEnd(call)) return undefined;
  const { links, base } = chainLinks(call);
  const own = links.some((l) => l.name === 'from' || l.name === 'update' || l.name === 'delete');
  // `let q = db.select().from(t).$dynamic(); q = q.where(...)`: follow the variable only for a chain that runs a query.
  const follow = !own && ts.isIdentifier(base) && !lookup.code.has(base.text) && links.some((l) => l.name === 'where' || l.name === 'execute' || l.name === '$dynamic');
  const fullLinks = follow ? [...variableLinks(base as ts.Identifier), ...links] : links;
  const from = fullLinks.find((l) => l.name === 'from' || l.name === 'update' || l.name === 'delete');
  if (!from) return undefined;
  const target = tableVariable(from.call.arguments[0], lookup);
  if (!target) return undefined;
  const names = fullLinks.map((l) => l.name);
  if (from.name === 'from' && !names.some((n) => /^(?:select|selectDistinct|selectDistinctOn|\$count)$/.test(n))) return undefined;
  if (from.name === 'update' && !names.includes('set')) return undefined;
  // A subquery (`.as('sq')`) or a builder passed along is judged where it runs.
  if (names.includes('as') || names.includes('toSQL')) return undefined;
  if (from.name === 'delete' && !ts.isIdentifier(base) && !ts.isPropertyAccessExpression(base)) return undefined;
  if (fullLinks.some((l) => l.name === '(escapes)')) return undefined;
  // A subquery (`inArray(t.id, db.select(...).from(...))`) is part of the statement that runs it.
  if (ts.isCallExpression(call.parent) && call.parent.arguments.includes(call)) return undefined;
  const wheres = fullLinks.filter((l) => l.name === 'where' || /Join$/.test(l.name));
  const op = from.name === 'from' ? 'select' : from.name;
  const site = {
    orm: 'drizzle' as const,
    table: target.table,
    op,
    call: `${op}(${target.name})`,
    node: call,
    resultCall: call,
    single: false,
  };
  if (!wheres.some((l) => l.name === 'where')) return names.some((n) => drizzleTerminal.test(n)) || isAwaitedOrReturned(call) ? { ...site, noFilter: true } : undefined;
  const mentions = wheres.flatMap((l) => [...l.call.arguments]);
  const joined = fullLinks
    .filter((l) => /Join$/.test(l.name))
    .map((l) => tableVariable(l.call.arguments[0], lookup))
    .filter((j): j is { table: TenantTable; name: string } => j !== undefined && j.table !== target.table);
  return { ...site, mentions, receivers: new Set([target.name, ...callbackParams(mentions)]), ...(joined.length > 0 ? { joined } : {}) };
}

function isAwaitedOrReturned(call: ts.Node): boolean {
  let n: ts.Node = call;
  while (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent)) n = n.parent;
  const p = n.parent;
  return ts.isAwaitExpression(p) || ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === n) || ts.isVariableDeclaration(p);
}

/** The table of a Kysely/knex table argument: `'projects'`, `'projects as p'`, `'public.projects'`. */
function sqlTable(arg: ts.Expression | undefined, lookup: Lookup): { table: TenantTable; alias: string } | undefined {
  if (!arg) return undefined;
  const u = unwrap(arg);
  if (!ts.isStringLiteralLike(u)) return undefined;
  const m = /^\s*(?:"?(\w+)"?\.)?"?(\w+)"?(?:\s+(?:as\s+)?"?(\w+)"?)?\s*$/i.exec(u.text);
  if (!m) return undefined;
  const table = lookup.sql.get(m[2]!.toLowerCase()) ?? (m[1] ? lookup.sql.get(`${m[1]}.${m[2]}`.toLowerCase()) : undefined);
  return table ? { table, alias: m[3] ?? m[2]! } : undefined;
}

const kyselyRun = /^(?:execute|executeTakeFirst|executeTakeFirstOrThrow|stream|compile)$/;
const knexRun = /^(?:select|first|update|del|delete|pluck|count|countDistinct|sum|max|min|avg|then|returning|increment|decrement|forUpdate|orderBy|limit|offset)$/;
/** Names a knex instance or transaction goes by. */
const knexName = /^(?:knex|db|database|trx|tx|transaction|k|pg|sql|conn|connection|client|\w*(?:Knex|Db|DB|Trx))$/;

/** Kysely: `db.selectFrom('t').where(...).execute()`, `updateTable`, `deleteFrom`. */
export function kyselySite(call: ts.CallExpression, lookup: Lookup): QuerySite | undefined {
  if (!isChainEnd(call)) return undefined;
  const { links, base } = chainLinks(call);
  if (!links.some((l) => kyselyRun.test(l.name))) return undefined;
  const fullLinks = ts.isIdentifier(base) && !/^(?:db|kysely|trx|tx|database)$/i.test(base.text) ? [...variableLinks(base), ...links] : links;
  const from = fullLinks.find((l) => l.name === 'selectFrom' || l.name === 'updateTable' || l.name === 'deleteFrom');
  if (!from) return undefined;
  const target = sqlTable(from.call.arguments[0], lookup);
  if (!target) return undefined;
  if (fullLinks.some((l) => l.name === '(escapes)' || l.name === '$call')) return undefined;
  const wheres = fullLinks.filter((l) => whereNames.test(l.name));
  const site = {
    orm: 'kysely' as const,
    table: target.table,
    op: from.name,
    call: `${from.name}('${target.table.table}')`,
    node: call,
    resultCall: call,
    single: fullLinks.some((l) => /^executeTakeFirst/.test(l.name)),
  };
  if (wheres.length === 0) return { ...site, noFilter: true };
  return { ...site, mentions: wheres.flatMap((l) => [...l.call.arguments]), receivers: new Set([target.alias, target.table.table, ...callbackParams(wheres.flatMap((l) => [...l.call.arguments]))]) };
}

/** knex: `knex('t').where(...)`, `db('t').where({ org_id })`, `knex.select().from('t')`, `trx('t').update(...)`. */
export function knexSite(call: ts.CallExpression, lookup: Lookup): QuerySite | undefined {
  if (!isChainEnd(call)) return undefined;
  const { links, base } = chainLinks(call);
  const first = links[0];
  if (!first) return undefined;
  let target: { table: TenantTable; alias: string } | undefined;
  if (ts.isIdentifier(first.call.expression) && knexName.test(first.name)) target = sqlTable(first.call.arguments[0], lookup);
  if (!target) {
    const from = links.find((l) => l.name === 'from' || l.name === 'table' || l.name === 'into');
    if (!from || !ts.isIdentifier(base) || !knexName.test(base.text)) return undefined;
    target = sqlTable(from.call.arguments[0], lookup);
  }
  if (!target) return undefined;
  const ops = links.filter((l) => knexRun.test(l.name));
  if (links.some((l) => l.name === 'insert' || l.name === 'as' || l.name === 'toQuery' || l.name === 'toSQL')) return undefined;
  // `let qb = knex('t').select(...)`: a builder the function extends (`qb = qb.where(...)`) and runs later.
  if (ts.isVariableDeclaration(call.parent)) return undefined;
  if (ops.length === 0 && !isAwaitedOrReturned(call)) return undefined;
  const wheres = links.filter((l) => whereNames.test(l.name));
  const op = ops.find((l) => /^(?:update|del|delete|first|count|pluck)$/.test(l.name))?.name ?? 'select';
  const site = { orm: 'knex' as const, table: target.table, op, call: `knex('${target.table.table}').${op}`, node: call, resultCall: call, single: op === 'first' };
  if (wheres.length === 0) return { ...site, noFilter: true };
  return { ...site, mentions: wheres.flatMap((l) => [...l.call.arguments]), receivers: new Set([target.alias, target.table.table]) };
}

// ---------------------------------------------------------------------------------------------------------------
// TypeORM / MikroORM repositories and Sequelize models

const repositoryOps = new Set([
  'find',
  'findOne',
  'findBy',
  'findOneBy',
  'findAndCount',
  'findAndCountBy',
  'findOneOrFail',
  'findOneByOrFail',
  'count',
  'countBy',
  'exist',
  'exists',
  'existsBy',
  'update',
  'delete',
  'softDelete',
  'restore',
  'sum',
  'average',
  'minimum',
  'maximum',
  'increment',
  'decrement',
  // MikroORM
  'findAll',
  'findOneOrFail',
  'nativeUpdate',
  'nativeDelete',
  'findByCursor',
]);
const repositorySingle = /^(?:findOne|findOneBy|findOneOrFail|findOneByOrFail)$/;
const optionKeys = new Set(['where', 'select', 'relations', 'order', 'orderBy', 'skip', 'take', 'withDeleted', 'cache', 'lock', 'loadRelationIds', 'relationLoadStrategy', 'join', 'loadEagerRelations', 'transaction', 'comment', 'populate', 'limit', 'offset', 'fields', 'filters']);
const builderRun = /^(?:getMany|getOne|getOneOrFail|getRawMany|getRawOne|getManyAndCount|getCount|getExists|execute|stream|getRawAndEntities)$/;

/** Entities a class injects or declares: `@InjectRepository(Project) repo: Repository<Project>`, `repo: EntityRepository<Project>`. */
export function classRepositories(cls: ts.ClassLikeDeclaration | undefined, lookup: Lookup): Map<string, TenantTable> {
  const out = new Map<string, TenantTable>();
  if (!cls) return out;
  const consider = (name: string | undefined, decorators: readonly ts.Decorator[] | undefined, type: ts.TypeNode | undefined): void => {
    if (!name) return;
    for (const d of decorators ?? []) {
      const e = d.expression;
      if (ts.isCallExpression(e) && /^Inject(?:Repository|Model)$/.test(lastName(e.expression) ?? '')) {
        const arg = e.arguments[0] ? unwrap(e.arguments[0]) : undefined;
        const t = arg && ts.isIdentifier(arg) ? lookup.code.get(arg.text) : undefined;
        if (t) out.set(name, t);
      }
    }
    if (!out.has(name) && type && ts.isTypeReferenceNode(type) && /Repository$|^Model$|^ModelStatic$|^ModelCtor$/.test(type.typeName.getText())) {
      const arg = type.typeArguments?.[0];
      const t = arg && ts.isTypeReferenceNode(arg) ? lookup.code.get(arg.typeName.getText()) : undefined;
      if (t) out.set(name, t);
    }
  };
  for (const m of cls.members) {
    if (ts.isPropertyDeclaration(m)) consider(propertyName(m.name), ts.getDecorators(m), m.type);
    if (ts.isConstructorDeclaration(m)) for (const p of m.parameters) if (ts.isIdentifier(p.name)) consider(p.name.text, ts.getDecorators(p), p.type);
  }
  // `class ProjectRepository extends Repository<Project>`: `this.find(...)`.
  const heritage = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  const arg = heritage?.typeArguments?.[0];
  const entity = arg && ts.isTypeReferenceNode(arg) ? lookup.code.get(arg.typeName.getText()) : undefined;
  if (heritage && entity) {
    if (/Repository$/.test(heritage.expression.getText())) out.set('this', entity);
    // `class InvoiceService extends CrudService<Invoice>`: the repository the base class holds is the entity's
    // (calls through `this.find` go through the base class and its scoping; `this.typeOrmRepository.find` does not).
    for (const name of ['repository', 'repo', 'typeOrmRepository', 'mikroOrmRepository', 'ormRepository', 'model']) if (!out.has(name)) out.set(name, entity);
  }
  return out;
}

/** Which entity a repository expression stands for. */
function repositoryTable(expr: ts.Expression, lookup: Lookup, repos: Map<string, TenantTable>): TenantTable | undefined {
  const u = unwrap(expr);
  if (u.kind === ts.SyntaxKind.ThisKeyword) return repos.get('this');
  if (ts.isPropertyAccessExpression(u) && u.expression.kind === ts.SyntaxKind.ThisKeyword) return repos.get(u.name.text);
  if (ts.isCallExpression(u) && /^(?:getRepository|getCustomRepository|getMongoRepository|getTreeRepository)$/.test(lastName(u.expression) ?? '')) {
    const arg = u.arguments[0] ? unwrap(u.arguments[0]) : undefined;
    return arg && ts.isIdentifier(arg) ? lookup.code.get(arg.text) : undefined;
  }
  if (ts.isIdentifier(u)) {
    const hit = repos.get(u.text);
    if (hit) return hit;
    const value = resolveValue(u);
    if (value !== u) return repositoryTable(value, lookup, repos);
  }
  return undefined;
}

/** TypeORM/MikroORM: repository methods, `manager.find(Entity, ...)`, and QueryBuilder chains. */
export function typeormSite(call: ts.CallExpression, lookup: Lookup, reposOf: () => Map<string, TenantTable>): QuerySite | undefined {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const op = callee.name.text;
  if (builderRun.test(op) && isChainEnd(call)) return queryBuilderSite(call, lookup, reposOf());
  if (!repositoryOps.has(op)) return undefined;
  const repos = reposOf();
  let table = repositoryTable(callee.expression, lookup, repos);
  let args = [...call.arguments];
  let orm: Orm = 'typeorm';
  if (!table) {
    // `manager.find(Project, {...})`, `em.find(Project, { organization })`, `dataSource.manager.update(Project, ...)`
    const first = args[0] ? unwrap(args[0]) : undefined;
    const receiver = lastName(callee.expression) ?? '';
    if (first && ts.isIdentifier(first) && /^(?:manager|entityManager|em|\w*Manager|transactionalEntityManager|trx|tx|queryRunner)$/i.test(receiver)) {
      table = lookup.code.get(first.text);
      args = args.slice(1);
      if (/^em$|orm/i.test(receiver)) orm = 'mikro-orm';
    }
  }
  if (!table) return undefined;
  const base = { orm, table, op, call: `${callee.expression.getText().replace(/\s+/g, '')}.${op}`, node: call, resultCall: call, single: repositorySingle.test(op) };
  const first = args[0] ? unwrap(args[0]) : undefined;
  if (!first) return /^(?:find|findAll|count|findAndCount|exists?)$/.test(op) ? { ...base, noFilter: true } : undefined;
  if (ts.isStringLiteralLike(first) || ts.isNumericLiteral(first) || (ts.isIdentifier(first) && /^(?:update|delete|softDelete|restore|findOne|nativeDelete)$/.test(op) && !isObjectValue(first))) {
    return /^(?:update|delete|softDelete|restore|findOne|nativeUpdate|nativeDelete)$/.test(op) ? { ...base, single: true, byKey: true, keyValue: first } : undefined;
  }
  if (ts.isArrayLiteralExpression(first) && /^(?:update|delete|softDelete|restore)$/.test(op) && first.elements.every((e) => !ts.isObjectLiteralExpression(unwrap(e)))) return { ...base, byKey: true };
  if (ts.isObjectLiteralExpression(first)) {
    const keys = first.properties.map((p) => propertyName(p.name));
    const isOptions = /^(?:find|findOne|findAndCount|count|exist|exists|findOneOrFail|sum|average|minimum|maximum)$/.test(op) && orm === 'typeorm' && keys.some((k) => k !== undefined && optionKeys.has(k));
    if (isOptions) {
      const where = first.properties.find((p) => propertyName(p.name) === 'where');
      if (!where) return first.properties.some(ts.isSpreadAssignment) ? undefined : { ...base, noFilter: true };
      return ts.isPropertyAssignment(where) ? { ...base, filter: where.initializer } : ts.isShorthandPropertyAssignment(where) ? { ...base, filter: where.name } : undefined;
    }
    if (/^(?:findAll)$/.test(op)) {
      const where = first.properties.find((p) => propertyName(p.name) === 'where');
      return where && ts.isPropertyAssignment(where) ? { ...base, filter: where.initializer } : { ...base, noFilter: true };
    }
    return { ...base, filter: first };
  }
  if (ts.isIdentifier(first)) return { ...base, filter: first };
  return undefined;
}

/** Whether an identifier holds a filter object rather than an id: an object literal, or a parameter typed as one. */
function isObjectValue(id: ts.Identifier): boolean {
  const v = resolveValue(id);
  if (ts.isObjectLiteralExpression(v)) return true;
  if (/(?:Id|ID|_id|^id)$/.test(id.text)) return false;
  const decl = findDeclaration(id.text, id);
  const type = decl && (ts.isParameter(decl) || ts.isVariableDeclaration(decl)) ? decl.type : undefined;
  return !type || !/^(?:string|number|bigint|ID|UUID|Uuid|\w*Id)$/.test(type.getText());
}

function queryBuilderSite(call: ts.CallExpression, lookup: Lookup, repos: Map<string, TenantTable>): QuerySite | undefined {
  const { links, base } = chainLinks(call);
  const full = ts.isIdentifier(base) && !links.some((l) => l.name === 'createQueryBuilder') ? [...variableLinks(base), ...links] : links;
  const create = full.find((l) => l.name === 'createQueryBuilder');
  if (!create) return undefined;
  let table: TenantTable | undefined;
  let alias: string | undefined;
  const createCallee = unwrap(create.call.expression) as ts.PropertyAccessExpression;
  const firstArg = create.call.arguments[0] ? unwrap(create.call.arguments[0]) : undefined;
  if (firstArg && ts.isIdentifier(firstArg) && lookup.code.has(firstArg.text)) {
    table = lookup.code.get(firstArg.text);
    alias = create.call.arguments[1] && ts.isStringLiteralLike(create.call.arguments[1]) ? create.call.arguments[1].text : undefined;
  } else {
    table = ts.isPropertyAccessExpression(createCallee) ? repositoryTable(createCallee.expression, lookup, repos) : undefined;
    alias = firstArg && ts.isStringLiteralLike(firstArg) ? firstArg.text : undefined;
  }
  if (!table) {
    const from = full.find((l) => l.name === 'from' || l.name === 'update');
    const arg = from?.call.arguments[0] ? unwrap(from.call.arguments[0]) : undefined;
    if (arg && ts.isIdentifier(arg)) {
      table = lookup.code.get(arg.text);
      alias = from?.call.arguments[1] && ts.isStringLiteralLike(from.call.arguments[1]) ? from.call.arguments[1].text : undefined;
    }
  }
  if (!table) return undefined;
  if (full.some((l) => l.name === 'insert' || l.name === 'relation' || l.name === 'subQuery' || l.name === '(escapes)' || l.name === 'setFindOptions')) return undefined;
  const op = full.find((l) => l.name === 'update' || l.name === 'delete' || l.name === 'softDelete')?.name ?? 'select';
  const wheres = full.filter((l) => whereNames.test(l.name) && !/Join/.test(l.name));
  const last = links.at(-1)!.name;
  const site = { orm: 'typeorm' as const, table, op, call: `createQueryBuilder(${alias ? `'${alias}'` : ''})...${last}`, node: call, resultCall: call, single: /^getOne|^getRawOne/.test(last) };
  if (wheres.length === 0) return { ...site, noFilter: true };
  return { ...site, mentions: wheres.flatMap((l) => [...l.call.arguments]), receivers: new Set([alias ?? table.table, ...callbackParams(wheres.flatMap((l) => [...l.call.arguments]))]) };
}

const sequelizeOps = new Set(['findAll', 'findOne', 'findAndCountAll', 'count', 'update', 'destroy', 'findByPk', 'max', 'min', 'sum', 'restore', 'increment', 'decrement', 'findOrCreate', 'aggregate']);

/** Sequelize: `Project.findAll({ where })`, `Project.update(values, { where })`, `Project.destroy({ where })`, `findByPk(id)`. */
export function sequelizeSite(call: ts.CallExpression, lookup: Lookup, sequelizeModels: ReadonlySet<string>): QuerySite | undefined {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !sequelizeOps.has(callee.name.text)) return undefined;
  let receiver = unwrap(callee.expression);
  // `Project.scope('x').findAll`, `Project.unscoped().findAll`, `this.findAll` inside a model's static method.
  if (ts.isCallExpression(receiver) && ts.isPropertyAccessExpression(receiver.expression) && /^(?:scope|unscoped|schema)$/.test(receiver.expression.name.text)) {
    // A scope that takes the user or team (`{ method: ['withMembership', user.id] }`) filters on its own.
    if (receiver.arguments.some((a) => /\b(?:user|userId|teamId|team|tenantId|organizationId|workspaceId|accountId)\b/.test(a.getText()))) return undefined;
    receiver = unwrap(receiver.expression.expression);
  }
  let name: string | undefined = ts.isIdentifier(receiver) ? receiver.text : undefined;
  if (receiver.kind === ts.SyntaxKind.ThisKeyword) {
    const method = ancestorMethod(call);
    if (method && method.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) name = (method.parent as ts.ClassLikeDeclaration).name?.text;
  }
  if (!name || !sequelizeModels.has(name)) return undefined;
  const table = lookup.code.get(name);
  if (!table) return undefined;
  const op = callee.name.text;
  const base = { orm: 'sequelize' as const, table, op, call: `${name}.${op}`, node: call, resultCall: call, single: op === 'findOne' || op === 'findByPk' };
  if (op === 'findByPk') return { ...base, byKey: true, ...(call.arguments[0] ? { keyValue: call.arguments[0] } : {}), ...(call.arguments[1] ? { keyOptions: call.arguments[1] } : {}) };
  const optionsArg = op === 'update' || op === 'increment' || op === 'decrement' ? call.arguments[1] : call.arguments[0];
  const options = optionsArg ? unwrap(optionsArg) : undefined;
  if (!options) return op === 'update' || op === 'increment' ? undefined : { ...base, noFilter: true };
  if (!ts.isObjectLiteralExpression(options)) return undefined;
  // A required include with its own `where` filters the parent rows through the joined model.
  const include = options.properties.find((p) => propertyName(p.name) === 'include');
  const includeValue = include && ts.isPropertyAssignment(include) ? resolveValue(include.initializer) : include && ts.isShorthandPropertyAssignment(include) ? resolveValue(include.name) : undefined;
  if (includeValue && /\bwhere\b/.test(includeValue.getText())) return undefined;
  const where = options.properties.find((p) => propertyName(p.name) === 'where');
  if (!where) return options.properties.some(ts.isSpreadAssignment) ? undefined : { ...base, noFilter: true };
  return ts.isPropertyAssignment(where) ? { ...base, filter: where.initializer } : ts.isShorthandPropertyAssignment(where) ? { ...base, filter: where.name } : undefined;
}

function ancestorMethod(node: ts.Node): ts.MethodDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isMethodDeclaration(n)) return n;
    if (isFunctionLike(n) && !ts.isArrowFunction(n)) return undefined;
  }
  return undefined;
}
