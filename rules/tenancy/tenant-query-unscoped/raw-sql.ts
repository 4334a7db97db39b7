/**
 * Raw SQL: the file check lifts SQL text out of driver calls and tagged templates (template holes become `$1..$n`,
 * drizzle table/column holes their names); the summary step parses it with PostgreSQL's parser and checks that every
 * tenant-owned table it reads or changes has its tenant column constrained in WHERE or in its JOIN condition.
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import { parsePgTree } from '../../../src/audit/parsers/pg.js';
import type { TenantTable } from '../../../src/audit/schema/tenancy.js';
import { normalizeKey } from '../../../src/audit/schema/tenancy.js';
import { fromRequest, resolveValue, unwrap } from './scope.js';
import type { HelperName, HelperParam, HelperTable } from './helpers.js';
import type { Lookup } from './sites.js';

/** What the summary needs of one tenant table (signals must be plain data). */
export interface SqlTable {
  table: string;
  tenant: string[];
  owner: string[];
  parent: string[];
  reason: string;
  expected: string;
}

export interface SqlSignal {
  kind: 'sql';
  sql: string;
  start: number;
  end: number;
  /** `$n` placeholders whose value comes from the request. */
  requestParams: number[];
  tables: SqlTable[];
  call: string;
  /** A request guard verifies request-supplied tenant ids centrally. */
  guarded?: boolean;
  /** The named function the SQL sits in, and which of its parameters the SQL's values come from. */
  helper?: HelperName & { params: HelperParam[] };
  /** Per table name: what callers' checks of a returned row are judged against. */
  helperTables?: Record<string, HelperTable>;
  tenantKeyNames?: string[];
}

const sqlTags = /^(?:sql|SQL|\$queryRaw|\$executeRaw|raw|unsafe|query|typedSql)$/;
const sqlCalls = /^(?:query|execute|raw|\$queryRawUnsafe|\$executeRawUnsafe|\$queryRaw|\$executeRaw|unsafe|many|one|any|oneOrNone|manyOrNone|none|result|maybeOne|maybeOneFirst|manyFirst|exec|all|get|run|prepare)$/;
const statementStart = /^\s*\(?\s*(?:with|select|update|delete)\b/i;

function lastName(e: ts.Expression): string | undefined {
  const u = unwrap(e);
  if (ts.isIdentifier(u)) return u.text;
  if (ts.isPropertyAccessExpression(u)) return u.name.text;
  if (ts.isCallExpression(u)) return lastName(u.expression);
  return undefined;
}

/** Template text with holes replaced: a drizzle table variable by its name, `t.col` by its column, others by `$n`. */
function templateText(t: ts.TemplateLiteral, lookup: Lookup): { sql: string; holes: ts.Expression[] } {
  if (ts.isNoSubstitutionTemplateLiteral(t)) return { sql: t.text, holes: [] };
  let sql = t.head.text;
  const holes: ts.Expression[] = [];
  for (const span of t.templateSpans) {
    const e = unwrap(span.expression);
    const table = ts.isIdentifier(e) ? lookup.code.get(e.text) : undefined;
    const column = ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) ? lookup.code.get(e.expression.text)?.columns.find((c) => (c.field ?? c.name) === e.name.text) : undefined;
    if (table) sql += `"${table.table}"`;
    else if (column) sql += `"${column.name}"`;
    else {
      holes.push(span.expression);
      sql += `$${holes.length}`;
    }
    sql += span.literal.text;
  }
  return { sql, holes };
}

function literalSql(arg: ts.Expression | undefined, lookup: Lookup): { sql: string; holes: ts.Expression[] } | undefined {
  if (!arg) return undefined;
  const v = resolveValue(arg);
  if (ts.isStringLiteral(v)) return { sql: v.text, holes: [] };
  if (ts.isNoSubstitutionTemplateLiteral(v) || ts.isTemplateExpression(v)) return templateText(v, lookup);
  // `{ text: '...', values: [...] }` (pg query config)
  if (ts.isObjectLiteralExpression(v)) {
    const text = v.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText() === 'text');
    return text && ts.isPropertyAssignment(text) ? literalSql(text.initializer, lookup) : undefined;
  }
  return undefined;
}

export interface SqlCandidate {
  sql: string;
  node: ts.Node;
  requestParams: number[];
  /** The expressions that supply the statement's values (template holes, or the parameter array). */
  values: ts.Expression[];
  call: string;
}

/** SQL text at a call or tagged template, when it starts like a statement. */
export function sqlCandidate(node: ts.Node, lookup: Lookup): SqlCandidate | undefined {
  if (ts.isTaggedTemplateExpression(node)) {
    const tag = lastName(node.tag);
    if (!tag || !sqlTags.test(tag)) return undefined;
    const { sql, holes } = templateText(node.template, lookup);
    if (!statementStart.test(sql)) return undefined;
    return { sql, node, requestParams: holes.flatMap((h, i) => (fromRequest(h) ? [i + 1] : [])), values: holes, call: `${node.tag.getText()}\`...\`` };
  }
  if (!ts.isCallExpression(node)) return undefined;
  const name = lastName(node.expression);
  if (!name || !sqlCalls.test(name)) return undefined;
  const first = node.arguments[0];
  if (!first || ts.isTaggedTemplateExpression(unwrap(first))) return undefined;
  const found = literalSql(first, lookup);
  if (!found || !statementStart.test(found.sql)) return undefined;
  const params = node.arguments[1] ? unwrap(node.arguments[1]) : undefined;
  const requestParams =
    found.holes.length > 0
      ? found.holes.flatMap((h, i) => (fromRequest(h) ? [i + 1] : []))
      : params && ts.isArrayLiteralExpression(params)
        ? params.elements.flatMap((e, i) => (fromRequest(e) ? [i + 1] : []))
        : [];
  const values = found.holes.length > 0 ? found.holes : params && ts.isArrayLiteralExpression(params) ? [...params.elements] : params ? [params] : [];
  return { sql: found.sql, node, requestParams, values, call: `${node.expression.getText().replace(/\s+/g, '')}(...)` };
}

// ---------------------------------------------------------------------------------------------------------------
// Summary side

type Json = Record<string, unknown>;

interface Range {
  table: SqlTable;
  names: Set<string>;
}

interface Level {
  ranges: Range[];
  /** Column refs in conditions of this level: [qualifier, column] (qualifier '' when unqualified). */
  refs: Array<{ qualifier: string; column: string; param?: number }>;
  subqueriesScoped: boolean;
}

export interface SqlVerdict {
  table: SqlTable;
  strength: 'none' | 'parent' | 'unique';
  fromRequest?: string;
  verb: string;
}

const sval = (n: unknown): string | undefined => (n as { String?: { sval?: string } })?.String?.sval;

/** Parses and judges one SQL text; undefined when it is scoped or cannot be parsed. */
export function judgeSql(signal: SqlSignal): SqlVerdict | { fromRequest: string; table: SqlTable; verb: string } | undefined {
  let parsed: { stmts?: Array<{ stmt?: Json }> };
  try {
    parsed = parsePgTree(signal.sql) as unknown as { stmts?: Array<{ stmt?: Json }> };
  } catch {
    return undefined;
  }
  const byName = new Map(signal.tables.map((t) => [t.table.toLowerCase(), t]));
  const request = new Set(signal.requestParams);
  for (const raw of parsed.stmts ?? []) {
    const stmt = raw.stmt;
    if (!stmt) continue;
    const verb = Object.keys(stmt)[0] === 'UpdateStmt' ? 'UPDATE' : Object.keys(stmt)[0] === 'DeleteStmt' ? 'DELETE' : 'SELECT';
    const result = judgeStatement(stmt, byName, request);
    if (result) return { ...result, verb };
  }
  return undefined;
}

function judgeStatement(node: Json, byName: Map<string, SqlTable>, request: Set<number>): Omit<SqlVerdict, 'verb'> | { fromRequest: string; table: SqlTable } | undefined {
  const [kind, body] = Object.entries(node)[0] as [string, Json];
  if (kind !== 'SelectStmt' && kind !== 'UpdateStmt' && kind !== 'DeleteStmt') return undefined;
  // Common table expressions and set operations are statements of their own.
  for (const cte of ((body.withClause as Json)?.ctes as Json[]) ?? []) {
    const q = (cte.CommonTableExpr as Json)?.ctequery as Json | undefined;
    const r = q ? judgeStatement(q, byName, request) : undefined;
    if (r) return r;
  }
  if (body.larg || body.rarg) {
    for (const side of [body.larg, body.rarg]) {
      const r = side ? judgeStatement({ SelectStmt: side } as Json, byName, request) : undefined;
      if (r) return r;
    }
    return undefined;
  }
  const level: Level = { ranges: [], refs: [], subqueriesScoped: false };
  const subqueries: Json[] = [];
  const addRange = (n: Json): void => {
    if (n.RangeVar) {
      const rv = n.RangeVar as Json;
      const name = String(rv.relname ?? '').toLowerCase();
      const schema = typeof rv.schemaname === 'string' ? rv.schemaname.toLowerCase() : undefined;
      const table = byName.get(name) ?? (schema ? byName.get(`${schema}.${name}`) : undefined);
      const alias = ((rv.alias as Json)?.aliasname as string | undefined)?.toLowerCase();
      if (table) level.ranges.push({ table, names: new Set([name, ...(alias ? [alias] : [])]) });
    } else if (n.JoinExpr) {
      const j = n.JoinExpr as Json;
      if (j.larg) addRange(j.larg as Json);
      if (j.rarg) addRange(j.rarg as Json);
      if (j.quals) collect(j.quals as Json);
    } else if (n.RangeSubselect) {
      const sub = (n.RangeSubselect as Json).subquery as Json | undefined;
      if (sub) subqueries.push(sub);
    }
  };
  const collect = (n: unknown, parentParam?: number): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) collect(x, parentParam);
      return;
    }
    const o = n as Json;
    if (o.ColumnRef) {
      const fields = (((o.ColumnRef as Json).fields as unknown[]) ?? []).map(sval).filter((s): s is string => s !== undefined).map((s) => s.toLowerCase());
      const column = fields.at(-1);
      if (column) level.refs.push({ qualifier: fields.length > 1 ? fields.at(-2)! : '', column, ...(parentParam ? { param: parentParam } : {}) });
      return;
    }
    if (o.A_Expr) {
      const e = o.A_Expr as Json;
      const param = (side: unknown): number | undefined => ((side as Json)?.ParamRef as Json | undefined)?.number as number | undefined;
      collect(e.lexpr, param(e.rexpr));
      collect(e.rexpr, param(e.lexpr));
      return;
    }
    if (o.SubLink) {
      const s = o.SubLink as Json;
      collect(s.testexpr);
      if (s.subselect) subqueries.push(s.subselect as Json);
      return;
    }
    for (const v of Object.values(o)) collect(v, parentParam);
  };
  // `WHERE ${conditions}`: a placeholder standing for a whole condition hides what the query filters on.
  if (opaqueCondition(body.whereClause)) return undefined;
  if (kind === 'SelectStmt') for (const f of (body.fromClause as Json[]) ?? []) addRange(f);
  else {
    addRange({ RangeVar: body.relation } as Json);
    for (const f of ((body.fromClause ?? body.usingClause) as Json[]) ?? []) addRange(f);
  }
  collect(body.whereClause);
  collect(body.havingClause);
  for (const sub of subqueries) {
    const r = judgeStatement(sub, byName, request);
    if (r) return r;
  }
  // A subquery over a scoped tenant table (`project_id IN (SELECT id FROM projects WHERE org_id = $1)`) scopes its parent key.
  level.subqueriesScoped = subqueries.some((sub) => scopedSubquery(sub, byName));
  const judged = level.ranges.map((r) => ({ range: r, ...strengthOf(r, level, request) }));
  const anyTenant = judged.some((j) => j.strength === 'tenant');
  for (const j of judged) {
    if (j.fromRequest) return { fromRequest: j.fromRequest, table: j.range.table };
    if (j.strength === 'tenant' || j.strength === 'owner') continue;
    if (j.strength === 'parent' && (anyTenant || level.subqueriesScoped)) continue;
    return { table: j.range.table, strength: j.strength };
  }
  return undefined;
}

function opaqueCondition(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  const o = node as Json;
  if (o.ParamRef) return true;
  if (o.BoolExpr) return (((o.BoolExpr as Json).args as unknown[]) ?? []).some(opaqueCondition);
  return false;
}

function scopedSubquery(sub: Json, byName: Map<string, SqlTable>): boolean {
  const text = JSON.stringify(sub);
  for (const t of byName.values()) {
    if (!text.includes(`"relname":"${t.table}"`) && !text.toLowerCase().includes(`"relname":"${t.table.toLowerCase()}"`)) continue;
    if (t.tenant.some((c) => text.toLowerCase().includes(`{"sval":"${c.toLowerCase()}"}`))) return true;
  }
  return false;
}

function strengthOf(range: Range, level: Level, request: Set<number>): { strength: 'tenant' | 'owner' | 'parent' | 'unique' | 'none'; fromRequest?: string } {
  // Unqualified columns are credited to every table of the level: the database would reject an ambiguous one.
  const mine = level.refs.filter((r) => r.qualifier === '' || range.names.has(r.qualifier));
  const has = (cols: string[]): Array<{ column: string; param?: number }> => mine.filter((r) => cols.some((c) => normalizeKey(c) === normalizeKey(r.column)));
  const tenant = has(range.table.tenant);
  if (tenant.length) {
    const fromReq = tenant.find((r) => r.param !== undefined && request.has(r.param));
    return { strength: 'tenant', ...(fromReq ? { fromRequest: fromReq.column } : {}) };
  }
  if (has(range.table.owner).length) return { strength: 'owner' };
  if (has(range.table.parent).length) return { strength: 'parent' };
  if (mine.some((r) => r.column === 'id')) return { strength: 'unique' };
  return { strength: 'none' };
}

export function sqlTableOf(t: TenantTable, expected: string): SqlTable {
  const names = (cols: TenantTable['tenantColumns']): string[] => [...new Set(cols.flatMap((c) => (c.field ? [c.name, c.field] : [c.name])))];
  return { table: t.table, tenant: names(t.tenantColumns), owner: names([...t.ownerColumns, ...t.scopeColumns]), parent: names(t.parentColumns), reason: t.reason, expected };
}
