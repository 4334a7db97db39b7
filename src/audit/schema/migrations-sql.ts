import type { Node } from '@pgsql/types';
import { parsePg, type PgFile, type PgStatement } from '../parsers/pg.js';
import { splitSql } from '../parsers/sql.js';
import type { SourceRef } from './types.js';

/** A column default: canonical text (`now()`, `'active'`, `0`, `[]`) and whether PostgreSQL must evaluate it per row. */
export interface DefaultSpec {
  text: string;
  volatile: boolean;
}

export interface ColumnSpec {
  name: string;
  /** Canonical SQL type: `integer`, `varchar(255)`, `timestamp(3)`, `numeric(65,30)`, `"Role"` as `Role`, arrays with `[]`. */
  type: string;
  /** NOT NULL was written (or PRIMARY KEY implies it). */
  notNull: boolean;
  default?: DefaultSpec;
  primaryKey?: boolean;
  unique?: boolean;
  /** serial, identity or a stored generated column: PostgreSQL fills it. */
  generated?: 'serial' | 'identity' | 'stored';
  references?: { table: string; columns: string[]; onDelete?: string };
  check?: boolean;
  at: SourceRef;
}

export interface ConstraintSpec {
  type: 'primary' | 'unique' | 'foreign' | 'check' | 'exclusion';
  name?: string;
  columns: string[];
  references?: { table: string; columns: string[]; onDelete?: string };
  /** `NOT VALID`: existing rows are not checked now. */
  notValid: boolean;
  /** `USING INDEX <name>`: built on an existing index. */
  usingIndex?: string;
  /** CHECK expression, canonical (`email is not null`). */
  expression?: string;
  at: SourceRef;
}

/** What a migration statement does to the schema, independent of the tool that wrote it. */
export type MigrationOp = (
  | { kind: 'createTable'; table: string; columns: ColumnSpec[]; constraints: ConstraintSpec[]; ifNotExists: boolean; columnsUnknown?: boolean }
  | { kind: 'dropTable'; table: string; ifExists: boolean }
  | { kind: 'renameTable'; table: string; to: string }
  | { kind: 'addColumn'; table: string; column: ColumnSpec; ifNotExists: boolean }
  | { kind: 'dropColumn'; table: string; column: string; ifExists: boolean }
  | { kind: 'renameColumn'; table: string; column: string; to: string }
  | { kind: 'alterColumnType'; table: string; column: string; type: string; using: boolean; /** Restated by a schema builder, maybe unchanged. */ inferred?: boolean }
  | { kind: 'setNotNull'; table: string; column: string }
  | { kind: 'dropNotNull'; table: string; column: string }
  | { kind: 'setDefault'; table: string; column: string; default: DefaultSpec }
  | { kind: 'dropDefault'; table: string; column: string }
  | { kind: 'addConstraint'; table: string; constraint: ConstraintSpec }
  | { kind: 'dropConstraint'; table: string; name: string; ifExists: boolean }
  | { kind: 'renameConstraint'; table: string; name: string; to: string }
  | { kind: 'validateConstraint'; table: string; name: string }
  | {
      kind: 'createIndex';
      table: string;
      name?: string;
      columns: string[];
      unique: boolean;
      concurrently: boolean;
      where?: string;
      ifNotExists: boolean;
    }
  | { kind: 'dropIndex'; name: string; concurrently: boolean; ifExists: boolean }
  | { kind: 'renameIndex'; name: string; to: string }
  | { kind: 'createEnum'; name: string; values: string[] }
  | { kind: 'addEnumValue'; name: string; value: string }
  | { kind: 'renameEnumValue'; name: string; from: string; to: string }
  | { kind: 'renameType'; name: string; to: string }
  | { kind: 'dropType'; name: string }
  | { kind: 'rowSecurity'; table: string; enable?: boolean; force?: boolean }
  | { kind: 'createPolicy'; table: string; name: string }
  | { kind: 'dropPolicy'; table: string; name: string }
  | { kind: 'blocking'; what: 'vacuum full' | 'cluster' | 'lock table' | 'set tablespace' | 'set logged' | 'reindex' | 'refresh materialized view'; tables: string[] }
  | { kind: 'truncate'; tables: string[] }
  | { kind: 'transaction'; action: 'begin' | 'commit' | 'rollback' }
) & { at: SourceRef };

type NodeKey = Node extends infer U ? (U extends Record<infer K, unknown> ? K : never) : never;
type NodeOf<K extends NodeKey> = Extract<Node, Record<K, unknown>>[K];

/** The payload of a parse-tree node of one kind, or undefined. */
export function nodeAs<K extends NodeKey>(node: Node | undefined, key: K): NodeOf<K> | undefined {
  return node !== undefined && typeof node === 'object' && key in node ? (node as unknown as Record<K, NodeOf<K>>)[key] : undefined;
}

function str(node: Node | undefined): string | undefined {
  return nodeAs(node, 'String')?.sval;
}

function names(list: Node[] | undefined): string[] {
  return (list ?? []).map(str).filter((s): s is string => s !== undefined);
}

/** `schema.name` unless the schema is `public` or absent. */
export function qualify(schema: string | undefined, name: string): string {
  return schema && schema !== 'public' && schema !== 'pg_catalog' ? `${schema}.${name}` : name;
}

function relName(rv: { schemaname?: string; relname?: string } | undefined): string {
  return qualify(rv?.schemaname, rv?.relname ?? '');
}

function qualifiedList(list: Node[] | undefined): string {
  const parts = names(list);
  return qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1] ?? '');
}

const catalogTypes: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  bpchar: 'char',
  varchar: 'varchar',
  numeric: 'numeric',
  decimal: 'numeric',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  timetz: 'timetz',
  interval: 'interval',
  bit: 'bit',
  varbit: 'varbit',
};
const serials: Record<string, string> = { serial: 'integer', serial4: 'integer', bigserial: 'bigint', serial8: 'bigint', smallserial: 'smallint', serial2: 'smallint' };

function constValue(node: Node | undefined): string | number | undefined {
  const c = nodeAs(node, 'A_Const');
  if (!c) return nodeAs(node, 'Integer')?.ival ?? 0;
  if (c.ival) return c.ival.ival ?? 0;
  if (c.fval) return c.fval.fval;
  if (c.sval) return c.sval.sval;
  return undefined;
}

/** Canonical type text of a parsed type name, plus whether it was a serial pseudo-type. */
export function typeText(typeName: { names?: Node[]; typmods?: Node[]; arrayBounds?: Node[] } | undefined): { type: string; serial: boolean } {
  const parts = names(typeName?.names);
  const last = parts[parts.length - 1] ?? 'unknown';
  const catalog = parts.length > 1 && parts[0] === 'pg_catalog';
  let base: string;
  let serial = false;
  if (catalog || catalogTypes[last] !== undefined) base = catalogTypes[last] ?? last;
  else if (serials[last] !== undefined && parts.length === 1) {
    base = serials[last];
    serial = true;
  } else base = qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, last);
  if (base === 'integer' && catalog && last === 'int4') base = 'integer';
  const mods = base === 'interval' ? [] : (typeName?.typmods ?? []).map(constValue).filter((v) => v !== undefined);
  let type = mods.length ? `${base}(${mods.join(',')})` : base;
  if (typeName?.arrayBounds?.length) type += '[]';
  return { type, serial };
}

const svf: Record<string, string> = {
  SVFOP_CURRENT_TIMESTAMP: 'now()',
  SVFOP_CURRENT_TIMESTAMP_N: 'now()',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_USER: 'user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

/** Functions whose value differs per row: a default using one makes `ADD COLUMN` rewrite the table. */
const volatileFunction = /^(?:random|setseed|clock_timestamp|timeofday|nextval|gen_random_bytes|txid_current|pg_current_xact_id)$|uuid|ulid|nanoid|cuid|random|snowflake|gen_id|generate_id/i;

/** Canonical text of an expression (defaults, index predicates), and whether it calls a volatile function. */
export function exprText(node: Node | undefined): DefaultSpec {
  let volatile = false;
  const render = (n: Node | undefined): string => {
    if (!n) return '';
    const c = nodeAs(n, 'A_Const');
    if (c) {
      if (c.isnull) return 'null';
      if (c.boolval) return String(c.boolval.boolval ?? false);
      if (c.ival) return String(c.ival.ival ?? 0);
      if (c.fval) return c.fval.fval ?? '0';
      if (c.sval) return `'${(c.sval.sval ?? '').replace(/'/g, "''")}'`;
      if (c.bsval) return c.bsval.bsval ?? '';
      return '';
    }
    const cast = nodeAs(n, 'TypeCast');
    if (cast) {
      const inner = render(cast.arg);
      const target = typeText(cast.typeName).type;
      if (target === 'boolean' && /^'(?:t|true|1|y|yes|on)'$/i.test(inner)) return 'true';
      if (target === 'boolean' && /^'(?:f|false|0|n|no|off)'$/i.test(inner)) return 'false';
      if (target.endsWith('[]') && inner === "'{}'") return '[]';
      if (target === 'regclass') return inner;
      return inner;
    }
    const fn = nodeAs(n, 'FuncCall');
    if (fn) {
      const name = (names(fn.funcname).pop() ?? '').toLowerCase();
      if (volatileFunction.test(name)) volatile = true;
      if (name === 'now' || name === 'current_timestamp' || name === 'transaction_timestamp') return 'now()';
      return `${name}(${(fn.args ?? []).map(render).join(', ')})`;
    }
    const value = nodeAs(n, 'SQLValueFunction');
    if (value) return svf[value.op ?? ''] ?? 'current_value';
    const ref = nodeAs(n, 'ColumnRef');
    if (ref) return (ref.fields ?? []).map((f) => str(f) ?? '*').join('.');
    const array = nodeAs(n, 'A_ArrayExpr');
    if (array) return `[${(array.elements ?? []).map(render).join(', ')}]`;
    const op = nodeAs(n, 'A_Expr');
    if (op) return `${render(op.lexpr)} ${names(op.name).join('')} ${render(op.rexpr)}`.trim();
    const bool = nodeAs(n, 'BoolExpr');
    if (bool) return (bool.args ?? []).map(render).join(` ${(bool.boolop ?? '').replace(/_EXPR$/, '').toLowerCase()} `);
    const isNull = nodeAs(n, 'NullTest');
    if (isNull) return `${render(isNull.arg)} ${isNull.nulltesttype === 'IS_NOT_NULL' ? 'is not null' : 'is null'}`;
    const coalesce = nodeAs(n, 'CoalesceExpr');
    if (coalesce) return `coalesce(${(coalesce.args ?? []).map(render).join(', ')})`;
    return '(expression)';
  };
  const text = render(node);
  return { text, volatile };
}

function fkAction(code: string | undefined): string | undefined {
  return { c: 'CASCADE', n: 'SET NULL', r: 'RESTRICT', d: 'SET DEFAULT', a: 'NO ACTION' }[code ?? ''];
}

function constraintSpec(c: NodeOf<'Constraint'>, at: SourceRef, column?: string): ConstraintSpec | undefined {
  const base = { ...(c.conname ? { name: c.conname } : {}), notValid: c.skip_validation === true, at };
  const keys = column !== undefined ? [column] : names(c.keys);
  switch (c.contype) {
    case 'CONSTR_PRIMARY':
      return { type: 'primary', columns: keys, ...base, ...(c.indexname ? { usingIndex: c.indexname } : {}) };
    case 'CONSTR_UNIQUE':
      return { type: 'unique', columns: keys, ...base, ...(c.indexname ? { usingIndex: c.indexname } : {}) };
    case 'CONSTR_FOREIGN': {
      const onDelete = fkAction(c.fk_del_action);
      return {
        type: 'foreign',
        columns: column !== undefined ? [column] : names(c.fk_attrs),
        references: { table: relName(c.pktable), columns: names(c.pk_attrs), ...(onDelete ? { onDelete } : {}) },
        ...base,
      };
    }
    case 'CONSTR_CHECK':
      return { type: 'check', columns: keys, expression: exprText(c.raw_expr).text, ...base };
    case 'CONSTR_EXCLUSION':
      return { type: 'exclusion', columns: [], ...base };
    default:
      return undefined;
  }
}

interface Locator {
  ref(location: number | undefined): SourceRef;
}

function columnSpec(def: NodeOf<'ColumnDef'>, loc: Locator): { column: ColumnSpec; constraints: ConstraintSpec[] } {
  const { type, serial } = typeText(def.typeName);
  const at = loc.ref(def.location);
  const column: ColumnSpec = { name: def.colname ?? '', type, notNull: def.is_not_null === true, at };
  if (serial) {
    column.generated = 'serial';
    column.notNull = true;
    column.default = { text: 'autoincrement()', volatile: true };
  }
  const constraints: ConstraintSpec[] = [];
  for (const node of def.constraints ?? []) {
    const c = nodeAs(node, 'Constraint');
    if (!c) continue;
    switch (c.contype) {
      case 'CONSTR_NOTNULL':
        column.notNull = true;
        break;
      case 'CONSTR_NULL':
        column.notNull = false;
        break;
      case 'CONSTR_DEFAULT':
        column.default = exprText(c.raw_expr);
        break;
      case 'CONSTR_IDENTITY':
        column.generated = 'identity';
        column.notNull = true;
        column.default = { text: 'autoincrement()', volatile: true };
        break;
      case 'CONSTR_GENERATED':
        column.generated = 'stored';
        column.default = { text: `generated ${exprText(c.raw_expr).text}`, volatile: true };
        break;
      case 'CONSTR_PRIMARY':
        column.primaryKey = true;
        column.notNull = true;
        constraints.push(constraintSpec(c, loc.ref(c.location), column.name)!);
        break;
      case 'CONSTR_UNIQUE':
        column.unique = true;
        constraints.push(constraintSpec(c, loc.ref(c.location), column.name)!);
        break;
      case 'CONSTR_FOREIGN': {
        const spec = constraintSpec(c, loc.ref(c.location), column.name)!;
        column.references = spec.references!;
        constraints.push(spec);
        break;
      }
      case 'CONSTR_CHECK':
        column.check = true;
        constraints.push(constraintSpec(c, loc.ref(c.location), column.name)!);
        break;
      default:
        break;
    }
  }
  return { column, constraints };
}

function indexColumns(params: Node[] | undefined): string[] {
  return (params ?? []).map((p) => {
    const e = nodeAs(p, 'IndexElem');
    if (!e) return '(expression)';
    return e.name ?? exprText(e.expr).text;
  });
}

function statementOps(stmt: PgStatement, path: string, text: string | undefined): MigrationOp[] {
  const lineOf = (offset: number): number => {
    if (text === undefined) return stmt.line;
    let line = stmt.line;
    for (let i = stmt.start; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
  };
  const loc: Locator = {
    ref: (location) => {
      if (location === undefined || location < 0) return { path, line: stmt.line, start: stmt.start, end: stmt.end };
      const offset = stmt.offsetOf(location);
      return { path, line: lineOf(offset), start: offset, end: stmt.end };
    },
  };
  const at: SourceRef = { path, line: stmt.line, start: stmt.start, end: stmt.end };
  const node = stmt.node;
  const ops: MigrationOp[] = [];

  const create = nodeAs(node, 'CreateStmt');
  if (create) {
    if (create.relation?.relpersistence === 't') return [];
    const columns: ColumnSpec[] = [];
    const constraints: ConstraintSpec[] = [];
    for (const elt of create.tableElts ?? []) {
      const def = nodeAs(elt, 'ColumnDef');
      if (def) {
        const spec = columnSpec(def, loc);
        columns.push(spec.column);
        constraints.push(...spec.constraints);
        continue;
      }
      const c = nodeAs(elt, 'Constraint');
      const spec = c ? constraintSpec(c, loc.ref(c.location)) : undefined;
      if (spec) constraints.push(spec);
    }
    const unknown = (create.tableElts ?? []).some((e) => nodeAs(e, 'TableLikeClause')) || Boolean(create.partbound) || Boolean(create.ofTypename);
    ops.push({ kind: 'createTable', table: relName(create.relation), columns, constraints, ifNotExists: create.if_not_exists === true, ...(unknown ? { columnsUnknown: true } : {}), at });
    return ops;
  }

  const createAs = nodeAs(node, 'CreateTableAsStmt');
  if (createAs && createAs.objtype === 'OBJECT_TABLE' && createAs.into?.rel?.relpersistence !== 't') {
    return [{ kind: 'createTable', table: relName(createAs.into?.rel), columns: [], constraints: [], ifNotExists: createAs.if_not_exists === true, columnsUnknown: true, at }];
  }

  const alter = nodeAs(node, 'AlterTableStmt');
  if (alter) {
    if (alter.objtype !== 'OBJECT_TABLE' && alter.objtype !== 'OBJECT_FOREIGN_TABLE') return [];
    const table = relName(alter.relation);
    const pieces = text === undefined ? [] : commandStarts(text, stmt.start, stmt.end);
    const cmds = alter.cmds ?? [];
    for (const [i, cmdNode] of cmds.entries()) {
      const cmd = nodeAs(cmdNode, 'AlterTableCmd');
      if (!cmd) continue;
      const column = cmd.name ?? '';
      // Each command of `ALTER TABLE t A, B, C` is located at its own line when the pieces can be told apart.
      const at: SourceRef = pieces.length === cmds.length && i > 0 ? { path, line: lineOf(pieces[i]!), start: pieces[i]!, end: stmt.end } : { path, line: stmt.line, start: stmt.start, end: stmt.end };
      switch (cmd.subtype) {
        case 'AT_AddColumn': {
          const def = nodeAs(cmd.def, 'ColumnDef');
          if (!def) break;
          const spec = columnSpec(def, loc);
          ops.push({ kind: 'addColumn', table, column: spec.column, ifNotExists: cmd.missing_ok === true, at: spec.column.at });
          for (const c of spec.constraints) if (c.type !== 'primary' && c.type !== 'unique') ops.push({ kind: 'addConstraint', table, constraint: c, at: c.at });
          break;
        }
        case 'AT_DropColumn':
          ops.push({ kind: 'dropColumn', table, column, ifExists: cmd.missing_ok === true, at });
          break;
        case 'AT_AlterColumnType': {
          const def = nodeAs(cmd.def, 'ColumnDef');
          ops.push({ kind: 'alterColumnType', table, column, type: typeText(def?.typeName).type, using: def?.raw_default !== undefined, at: loc.ref(def?.location) });
          break;
        }
        case 'AT_SetNotNull':
          ops.push({ kind: 'setNotNull', table, column, at });
          break;
        case 'AT_DropNotNull':
          ops.push({ kind: 'dropNotNull', table, column, at });
          break;
        case 'AT_ColumnDefault':
          ops.push(cmd.def ? { kind: 'setDefault', table, column, default: exprText(cmd.def), at } : { kind: 'dropDefault', table, column, at });
          break;
        case 'AT_AddConstraint': {
          const c = nodeAs(cmd.def, 'Constraint');
          const spec = c ? constraintSpec(c, loc.ref(c.location)) : undefined;
          if (spec) ops.push({ kind: 'addConstraint', table, constraint: spec, at: spec.at });
          break;
        }
        case 'AT_DropConstraint':
          ops.push({ kind: 'dropConstraint', table, name: column, ifExists: cmd.missing_ok === true, at });
          break;
        case 'AT_ValidateConstraint':
          ops.push({ kind: 'validateConstraint', table, name: column, at });
          break;
        case 'AT_EnableRowSecurity':
        case 'AT_DisableRowSecurity':
          ops.push({ kind: 'rowSecurity', table, enable: cmd.subtype === 'AT_EnableRowSecurity', at });
          break;
        case 'AT_ForceRowSecurity':
        case 'AT_NoForceRowSecurity':
          ops.push({ kind: 'rowSecurity', table, force: cmd.subtype === 'AT_ForceRowSecurity', at });
          break;
        case 'AT_SetTableSpace':
          ops.push({ kind: 'blocking', what: 'set tablespace', tables: [table], at });
          break;
        case 'AT_SetLogged':
        case 'AT_SetUnLogged':
          ops.push({ kind: 'blocking', what: 'set logged', tables: [table], at });
          break;
        case 'AT_AddIdentity': {
          ops.push({ kind: 'setDefault', table, column, default: { text: 'autoincrement()', volatile: true }, at });
          break;
        }
        default:
          break;
      }
    }
    return ops;
  }

  const rename = nodeAs(node, 'RenameStmt');
  if (rename) {
    const newName = rename.newname ?? '';
    switch (rename.renameType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_FOREIGN_TABLE':
        return [{ kind: 'renameTable', table: relName(rename.relation), to: qualify(rename.relation?.schemaname, newName), at }];
      case 'OBJECT_COLUMN':
        if (rename.relationType !== 'OBJECT_TABLE' && rename.relationType !== 'OBJECT_FOREIGN_TABLE') return [];
        return [{ kind: 'renameColumn', table: relName(rename.relation), column: rename.subname ?? '', to: newName, at }];
      case 'OBJECT_TABCONSTRAINT':
        return [{ kind: 'renameConstraint', table: relName(rename.relation), name: rename.subname ?? '', to: newName, at }];
      case 'OBJECT_INDEX':
        return [{ kind: 'renameIndex', name: relName(rename.relation), to: qualify(rename.relation?.schemaname, newName), at }];
      case 'OBJECT_TYPE': {
        const list = nodeAs(rename.object, 'List')?.items;
        const typeName = qualifiedList(list);
        const parts = names(list);
        return [{ kind: 'renameType', name: typeName, to: qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, newName), at }];
      }
      default:
        return [];
    }
  }

  const drop = nodeAs(node, 'DropStmt');
  if (drop) {
    const objects = (drop.objects ?? []).map((o) => names(nodeAs(o, 'List')?.items ?? (nodeAs(o, 'TypeName')?.names ?? [])));
    const nameOf = (parts: string[]): string => qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1] ?? '');
    switch (drop.removeType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_FOREIGN_TABLE':
        return objects.map((parts) => ({ kind: 'dropTable', table: nameOf(parts), ifExists: drop.missing_ok === true, at }));
      case 'OBJECT_INDEX':
        return objects.map((parts) => ({ kind: 'dropIndex', name: nameOf(parts), concurrently: drop.concurrent === true, ifExists: drop.missing_ok === true, at }));
      case 'OBJECT_TYPE':
        return objects.map((parts) => ({ kind: 'dropType', name: nameOf(parts), at }));
      case 'OBJECT_POLICY':
        return objects.map((parts) => ({ kind: 'dropPolicy', table: nameOf(parts.slice(0, -1)), name: parts[parts.length - 1] ?? '', at }));
      default:
        return [];
    }
  }

  const index = nodeAs(node, 'IndexStmt');
  if (index) {
    const where = index.whereClause ? exprText(index.whereClause).text : undefined;
    return [
      {
        kind: 'createIndex',
        table: relName(index.relation),
        ...(index.idxname ? { name: qualify(index.relation?.schemaname, index.idxname) } : {}),
        columns: indexColumns(index.indexParams),
        unique: index.unique === true,
        concurrently: index.concurrent === true,
        ...(where !== undefined ? { where } : {}),
        ifNotExists: index.if_not_exists === true,
        at,
      },
    ];
  }

  const enumStmt = nodeAs(node, 'CreateEnumStmt');
  if (enumStmt) return [{ kind: 'createEnum', name: qualifiedList(enumStmt.typeName), values: names(enumStmt.vals), at }];

  const alterEnum = nodeAs(node, 'AlterEnumStmt');
  if (alterEnum) {
    const name = qualifiedList(alterEnum.typeName);
    if (alterEnum.oldVal !== undefined) return [{ kind: 'renameEnumValue', name, from: alterEnum.oldVal, to: alterEnum.newVal ?? '', at }];
    return alterEnum.newVal !== undefined ? [{ kind: 'addEnumValue', name, value: alterEnum.newVal, at }] : [];
  }

  const policy = nodeAs(node, 'CreatePolicyStmt');
  if (policy) return [{ kind: 'createPolicy', table: relName(policy.table), name: policy.policy_name ?? '', at }];

  const vacuum = nodeAs(node, 'VacuumStmt');
  if (vacuum) {
    const full = (vacuum.options ?? []).some((o) => nodeAs(o, 'DefElem')?.defname === 'full');
    if (vacuum.is_vacuumcmd !== false && full) {
      const tables = (vacuum.rels ?? []).map((r) => relName(nodeAs(r, 'VacuumRelation')?.relation));
      return [{ kind: 'blocking', what: 'vacuum full', tables, at }];
    }
    return [];
  }

  const cluster = nodeAs(node, 'ClusterStmt');
  if (cluster) return [{ kind: 'blocking', what: 'cluster', tables: cluster.relation ? [relName(cluster.relation)] : [], at }];

  const lock = nodeAs(node, 'LockStmt');
  if (lock) return [{ kind: 'blocking', what: 'lock table', tables: (lock.relations ?? []).map((r) => relName(nodeAs(r, 'RangeVar'))), at }];

  const reindex = nodeAs(node, 'ReindexStmt');
  if (reindex) {
    const concurrently = (reindex.params ?? []).some((p) => nodeAs(p, 'DefElem')?.defname === 'concurrently');
    return concurrently ? [] : [{ kind: 'blocking', what: 'reindex', tables: reindex.relation ? [relName(reindex.relation)] : [], at }];
  }

  const refresh = nodeAs(node, 'RefreshMatViewStmt');
  if (refresh && !refresh.concurrent && !refresh.skipData) return [{ kind: 'blocking', what: 'refresh materialized view', tables: [relName(refresh.relation)], at }];

  const truncate = nodeAs(node, 'TruncateStmt');
  if (truncate) return [{ kind: 'truncate', tables: (truncate.relations ?? []).map((r) => relName(nodeAs(r, 'RangeVar'))), at }];

  const tx = nodeAs(node, 'TransactionStmt');
  if (tx) {
    const action = tx.kind === 'TRANS_STMT_BEGIN' || tx.kind === 'TRANS_STMT_START' ? 'begin' : tx.kind === 'TRANS_STMT_COMMIT' ? 'commit' : tx.kind === 'TRANS_STMT_ROLLBACK' ? 'rollback' : undefined;
    return action ? [{ kind: 'transaction', action, at }] : [];
  }
  return [];
}

const plpgsqlPrefix = /^(?:\s+|--[^\n]*|\/\*[\s\S]*?\*\/|(?:BEGIN|DECLARE\b[\s\S]*?\bBEGIN|ELSE|ELSIF\b[\s\S]*?\bTHEN|IF\b[\s\S]*?\bTHEN|EXCEPTION\s+WHEN\b[\s\S]*?\bTHEN|LOOP|END\s+IF|END\s+LOOP|END)\b)+/i;

/**
 * The statements of a `DO $$ … $$` block (drizzle-kit wraps constraints and types in one to ignore duplicates): the
 * PL/pgSQL control words are blanked, and what remains is parsed at its place in the file.
 */
async function doBlockOps(stmt: PgStatement, body: string, path: string, text: string): Promise<MigrationOp[]> {
  const bodyStart = text.indexOf(body, stmt.start);
  if (bodyStart === -1 || bodyStart > stmt.end) return [];
  const chars = text.replace(/[^\n]/g, ' ').split('');
  let kept = 0;
  for (const piece of splitSql(body)) {
    const raw = body.slice(piece.start, piece.end);
    const prefix = plpgsqlPrefix.exec(raw)?.[0].length ?? 0;
    const sql = raw.slice(prefix);
    if (!/^\s*(?:CREATE|ALTER|DROP|COMMENT)\b/i.test(sql)) continue;
    const from = bodyStart + piece.start + prefix;
    for (let i = 0; i < sql.length; i++) chars[from + i] = sql[i]!;
    chars[bodyStart + piece.end] = ';';
    kept++;
  }
  if (kept === 0) return [];
  const inner = await parsePg(chars.join(''));
  return inner.statements.flatMap((s) => statementOps(s, path, text));
}

/** Offsets of the top-level comma-separated pieces of a statement (the commands of an ALTER TABLE). */
function commandStarts(text: string, start: number, end: number): number[] {
  const starts = [start];
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? end : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? end : close + 1;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < end && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      i = j;
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? end : close + tag[0].length - 1;
      }
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      let j = i + 1;
      for (;;) {
        while (j < end && /\s/.test(text[j]!)) j++;
        if (text.startsWith('--', j)) {
          const nl = text.indexOf('\n', j);
          j = nl === -1 ? end : nl + 1;
        } else if (text.startsWith('/*', j)) {
          const close = text.indexOf('*/', j + 2);
          j = close === -1 ? end : close + 2;
        } else break;
      }
      starts.push(j);
    }
  }
  return starts;
}

/** Schema operations of a parsed PostgreSQL file (or of SQL found in a code migration); `text` is the file's text. */
export async function opsFromPg(file: PgFile, path: string, text?: string): Promise<MigrationOp[]> {
  const ops: MigrationOp[] = [];
  for (const stmt of file.statements) {
    const body = nodeAs(nodeAs(nodeAs(stmt.node, 'DoStmt')?.args?.[0], 'DefElem')?.arg, 'String')?.sval;
    if (body !== undefined && text !== undefined) ops.push(...(await doBlockOps(stmt, body, path, text)));
    else ops.push(...statementOps(stmt, path, text));
  }
  return ops;
}

/** drizzle-kit separates statements with `--> statement-breakpoint` and may omit the semicolon before it. */
export function withBreakpoints(text: string): string {
  return text.includes('--> statement-breakpoint') ? text.replace(/--> statement-breakpoint/g, (m) => ';'.padEnd(m.length, ' ')) : text;
}
