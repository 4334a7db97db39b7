import { ts } from '../../parsers/ts.cjs';
import type { SchemaColumn, SchemaForeignKey, SchemaIndex, SchemaTable } from '../types.js';
import { chainOf, calleeName, nameOf, objectArg, property, refOf, stringOf, targetName, topLevelConsts, unwrap, type SourceFile } from './ast.js';

const tableFactories = new Set(['pgTable', 'mysqlTable', 'sqliteTable', 'singlestoreTable', 'table']);

/** A table whose foreign keys still name their targets by variable; resolved once every file is read. */
export interface DrizzleTable extends SchemaTable {
  dialect: 'postgresql' | 'mysql' | 'sqlite';
  /** FK target variables (`workspaces` in `.references(() => workspaces.id)`), parallel to `foreignKeys`. */
  targets: string[];
}

/** `t.workspaceId`, `table.workspaceId.asc().nullsLast().op('uuid_ops')` → `workspaceId`. */
function fieldOf(node: ts.Expression): string | undefined {
  let n = unwrap(node);
  while (ts.isCallExpression(n) && ts.isPropertyAccessExpression(unwrap(n.expression))) n = unwrap((unwrap(n.expression) as ts.PropertyAccessExpression).expression);
  if (ts.isPropertyAccessExpression(n)) return n.name.text;
  return undefined;
}

function dialectOf(factory: string, creators: ReadonlyMap<string, DrizzleTable['dialect']>): DrizzleTable['dialect'] {
  if (creators.has(factory)) return creators.get(factory)!;
  return /^(?:mysql|singlestore)/.test(factory) ? 'mysql' : /^sqlite/.test(factory) ? 'sqlite' : 'postgresql';
}

const optional = (e: ts.Expression | undefined): ts.Expression[] => (e ? [e] : []);

function columnsOf(args: readonly ts.Expression[]): string[] {
  return args.flatMap((a) => {
    const u = unwrap(a);
    if (ts.isArrayLiteralExpression(u)) return columnsOf(u.elements);
    const f = fieldOf(u);
    return f ? [f] : [];
  });
}

/** Whether `callee` makes a table: `pgTable`, `mysqlTable`, `schema.table`, or a `pgTableCreator(...)` result. */
function isTableCall(call: ts.CallExpression, creators: ReadonlySet<string>): boolean {
  const name = calleeName(call);
  if (!name || (!tableFactories.has(name) && !creators.has(name))) return false;
  if (name === 'table' && !ts.isPropertyAccessExpression(unwrap(call.expression))) return false;
  return call.arguments.length >= 2 && stringOf(call.arguments[0]) !== undefined;
}

function readColumns(file: SourceFile, obj: ts.ObjectLiteralExpression, consts: Map<string, ts.Expression>, table: DrizzleTable, depth = 0): void {
  for (const p of obj.properties) {
    if (ts.isSpreadAssignment(p)) {
      const target = unwrap(p.expression);
      const init = ts.isIdentifier(target) ? consts.get(target.text) : target;
      const u = init ? unwrap(init) : undefined;
      if (u && ts.isObjectLiteralExpression(u) && depth < 3) readColumns(file, u, consts, table, depth + 1);
      continue;
    }
    if (!ts.isPropertyAssignment(p)) continue;
    const field = nameOf(p.name);
    if (!field) continue;
    const chain = chainOf(p.initializer);
    const root = chain[0];
    if (!root) continue;
    const name = stringOf(root.call.arguments[0]) ?? field;
    const column: SchemaColumn = {
      name,
      ...(name !== field ? { field } : {}),
      type: root.name ?? 'unknown',
      nullable: true,
      at: refOf(file, p),
    };
    for (const link of chain.slice(1)) {
      if (link.name === 'notNull') column.nullable = false;
      else if (link.name === 'primaryKey') {
        column.primaryKey = true;
        column.nullable = false;
        table.primaryKey = { columns: [name], at: column.at! };
      } else if (link.name === 'unique') {
        column.unique = true;
        table.indexes.push({ columns: [name], unique: true, constraint: true, at: column.at! });
      } else if (link.name === 'references') {
        const target = targetName(link.call.arguments[0]);
        const fn = link.call.arguments[0] ? unwrap(link.call.arguments[0]) : undefined;
        const body = fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && !ts.isBlock(fn.body) ? unwrap(fn.body) : undefined;
        const referenced = body && ts.isPropertyAccessExpression(body) ? body.name.text : 'id';
        if (target) {
          table.foreignKeys.push({ columns: [name], table: target, referencedColumns: [referenced], at: column.at! });
          table.targets.push(target);
        }
      }
    }
    table.columns.push(column);
  }
}

/** The third argument: `(t) => [index('x').on(t.a)]`, `(t) => ({ x: uniqueIndex().on(t.a) })`, or a block returning either. */
function readExtras(file: SourceFile, fn: ts.Expression, table: DrizzleTable): void {
  const u = unwrap(fn);
  if (!ts.isArrowFunction(u) && !ts.isFunctionExpression(u)) return;
  let body: ts.Expression | undefined;
  if (ts.isBlock(u.body)) body = u.body.statements.find(ts.isReturnStatement)?.expression;
  else body = u.body;
  if (!body) return;
  const b = unwrap(body);
  const items = ts.isArrayLiteralExpression(b)
    ? [...b.elements]
    : ts.isObjectLiteralExpression(b)
      ? b.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? [p.initializer] : []))
      : [];
  const col = (field: string): string => table.columns.find((c) => (c.field ?? c.name) === field)?.name ?? field;
  for (const item of items) {
    const chain = chainOf(item);
    const root = chain[0];
    if (!root) continue;
    const at = refOf(file, item);
    if (root.name === 'index' || root.name === 'uniqueIndex' || root.name === 'unique') {
      const on = chain.find((l) => l.name === 'on' || l.name === 'using' || l.name === 'onOnly');
      const args = on ? (on.name === 'using' ? on.call.arguments.slice(1) : on.call.arguments) : [];
      const columns = columnsOf(args).map(col);
      const name = stringOf(root.call.arguments[0]);
      if (columns.length) table.indexes.push({ ...(name ? { name } : {}), columns, unique: root.name !== 'index', ...(root.name === 'unique' ? { constraint: true } : {}), at } satisfies SchemaIndex);
    } else if (root.name === 'primaryKey') {
      const opts = objectArg(root.call, 0);
      const columns = (opts ? columnsOf(optional(property(opts, 'columns'))) : columnsOf(root.call.arguments)).map(col);
      if (columns.length) table.primaryKey = { columns, at };
    } else if (root.name === 'pgPolicy') {
      // drizzle-kit enables row-level security on a table that declares a policy.
      const name = stringOf(root.call.arguments[0]) ?? 'policy';
      table.rls = { enabled: true, forced: table.rls?.forced ?? false, policies: [...(table.rls?.policies ?? []), name] };
    } else if (root.name === 'foreignKey') {
      const opts = objectArg(root.call, 0);
      const columns = columnsOf(optional(property(opts, 'columns'))).map(col);
      const foreign = property(opts, 'foreignColumns');
      const first = foreign && ts.isArrayLiteralExpression(unwrap(foreign)) ? (unwrap(foreign) as ts.ArrayLiteralExpression).elements[0] : undefined;
      const targetVar = first ? targetName(first) : undefined;
      const referenced = foreign ? columnsOf([foreign]) : [];
      if (targetVar && columns.length) {
        table.foreignKeys.push({ columns, table: targetVar, referencedColumns: referenced, at } satisfies SchemaForeignKey);
        table.targets.push(targetVar);
      }
    }
  }
}

/** `relations(apis, ({ one }) => ({ workspace: one(workspaces, { fields: [apis.workspaceId], references: [workspaces.id] }) }))`. */
export interface DrizzleRelation {
  table: string;
  relation: string;
  target: string;
  fields: string[];
}

function readRelations(call: ts.CallExpression): DrizzleRelation[] {
  const owner = call.arguments[0] && ts.isIdentifier(unwrap(call.arguments[0])) ? (unwrap(call.arguments[0]) as ts.Identifier).text : undefined;
  const fn = call.arguments[1] ? unwrap(call.arguments[1]) : undefined;
  if (!owner || !fn || (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn))) return [];
  const body = ts.isBlock(fn.body) ? fn.body.statements.find(ts.isReturnStatement)?.expression : fn.body;
  const obj = body ? unwrap(body) : undefined;
  if (!obj || !ts.isObjectLiteralExpression(obj)) return [];
  const out: DrizzleRelation[] = [];
  for (const p of obj.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const relation = nameOf(p.name);
    const init = unwrap(p.initializer);
    if (!relation || !ts.isCallExpression(init) || calleeName(init) !== 'one') continue;
    const target = targetName(init.arguments[0]);
    const fields = columnsOf(optional(property(objectArg(init, 1), 'fields')));
    if (target) out.push({ table: owner, relation, target, fields });
  }
  return out;
}

/** Drizzle tables and relations of one file. Table `model` is the variable name the code uses (`db.query.<model>`). */
export function drizzleTables(file: SourceFile): { tables: DrizzleTable[]; relations: DrizzleRelation[] } {
  const consts = topLevelConsts(file.source);
  const creators = new Set<string>();
  const creatorDialects = new Map<string, DrizzleTable['dialect']>();
  for (const [name, init] of consts) {
    const u = unwrap(init);
    if (ts.isCallExpression(u) && /TableCreator$/.test(calleeName(u) ?? '')) {
      creators.add(name);
      creatorDialects.set(name, dialectOf(calleeName(u) ?? '', new Map()));
    }
  }
  const tables: DrizzleTable[] = [];
  const relations: DrizzleRelation[] = [];
  for (const [variable, init] of consts) {
    // `pgTable(...).enableRLS()`, `pgTable(...).$withAuth()`: the table call is the innermost of the chain.
    const chain = chainOf(init);
    const call = chain[0]?.call;
    if (!call) continue;
    if (calleeName(call) === 'relations') {
      relations.push(...readRelations(call));
      continue;
    }
    if (!isTableCall(call, creators)) continue;
    const columnsArg = call.arguments[1] ? unwrap(call.arguments[1]) : undefined;
    // Drizzle ≥0.36 also takes a callback `(t) => ({ id: t.uuid() })`.
    const columnsObj =
      columnsArg && ts.isObjectLiteralExpression(columnsArg)
        ? columnsArg
        : columnsArg && (ts.isArrowFunction(columnsArg) || ts.isFunctionExpression(columnsArg)) && !ts.isBlock(columnsArg.body) && ts.isObjectLiteralExpression(unwrap(columnsArg.body))
          ? (unwrap(columnsArg.body) as ts.ObjectLiteralExpression)
          : undefined;
    if (!columnsObj) continue;
    const table: DrizzleTable = {
      name: stringOf(call.arguments[0])!,
      model: variable,
      source: 'drizzle',
      columns: [],
      indexes: [],
      foreignKeys: [],
      targets: [],
      dialect: dialectOf(calleeName(call) ?? '', creatorDialects),
      at: refOf(file, call),
    };
    readColumns(file, columnsObj, consts, table);
    if (call.arguments[2]) readExtras(file, call.arguments[2], table);
    if (chain.slice(1).some((l) => l.name === 'enableRLS')) table.rls = { enabled: true, forced: false, policies: table.rls?.policies ?? [] };
    tables.push(table);
  }
  return { tables, relations };
}

/** Resolves FK target variables to table names and attaches relation names, across every Drizzle file. */
export function linkDrizzle(tables: DrizzleTable[], relations: DrizzleRelation[]): Array<SchemaTable & { dialect: DrizzleTable['dialect'] }> {
  const byVar = new Map(tables.map((t) => [t.model!, t]));
  const out: Array<SchemaTable & { dialect: DrizzleTable['dialect'] }> = [];
  for (const t of tables) {
    const foreignKeys = t.foreignKeys.map((fk, i) => ({ ...fk, table: byVar.get(t.targets[i]!)?.name ?? fk.table }));
    for (const r of relations.filter((rel) => rel.table === t.model)) {
      const target = byVar.get(r.target);
      if (!target) continue;
      const columns = r.fields.map((f) => t.columns.find((c) => (c.field ?? c.name) === f)?.name ?? f);
      const existing = foreignKeys.find((fk) => fk.table === target.name && fk.columns.join() === columns.join());
      // `one(rollbacks, { fields: [deployments.id], references: [rollbacks.deploymentId] })` is the inverse side of a
      // one-to-one: the other table holds the reference, this one's own key points nowhere.
      const ownKey = t.primaryKey?.columns ?? t.columns.filter((c) => c.primaryKey).map((c) => c.name);
      const inverse = columns.length > 0 && columns.join() === ownKey.join();
      if (existing) existing.relation = r.relation;
      else if (columns.length && !inverse) foreignKeys.push({ columns, table: target.name, referencedColumns: ['id'], relation: r.relation });
    }
    const { targets: _targets, ...rest } = t;
    out.push({ ...rest, foreignKeys });
  }
  return out;
}
