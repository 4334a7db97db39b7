import { ts } from '../parsers/ts.cjs';
import { parsePg } from '../parsers/pg.js';
import type { RepoModel } from '../model.js';
import type { SourceIssue, SourceRef } from './types.js';
import { opsFromPg, type ColumnSpec, type DefaultSpec, type MigrationOp } from './migrations-sql.js';

/** Methods whose first argument is SQL text: TypeORM, Knex, node-pg-migrate, MikroORM, Sequelize, pg clients. */
const sqlMethods = new Set(['query', 'raw', 'sql', 'addSql', 'execute', 'executeQuery', 'unsafe', 'none', 'any']);

interface Literal {
  start: number;
  end: number;
  /** SQL text, with the same length as the literal's source where possible. */
  text: string;
}

/** The body of the migration's `up`: a function, method or property named `up`. */
function upBodies(source: ts.SourceFile): ts.Node[] {
  const out: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isMethodDeclaration(node) || ts.isFunctionDeclaration(node)) && node.name && ts.isIdentifier(node.name) && node.name.text === 'up' && node.body) {
      out.push(node.body);
      return;
    }
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && node.name.text === 'up') {
      out.push(node.initializer);
      return;
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'up' && node.initializer) {
      out.push(node.initializer);
      return;
    }
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.name.text === 'up'
    ) {
      out.push(node.right);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function literalOf(node: ts.Node, source: ts.SourceFile): Literal | undefined {
  if (!ts.isStringLiteral(node) && !ts.isNoSubstitutionTemplateLiteral(node)) return undefined;
  const start = node.getStart(source) + 1;
  const end = node.getEnd() - 1;
  const raw = source.text.slice(start, end);
  if (raw === node.text) return { start, end, text: raw };
  // Escapes change the length: keep the SQL, lose exact columns (lines stay right when no escaped newline is used).
  const cooked = node.text.replace(/--[^\n]*/g, '').replace(/\n/g, ' ');
  return { start, end, text: cooked.length <= raw.length ? cooked.padEnd(raw.length, ' ') : cooked.slice(0, raw.length) };
}

/**
 * A template with substitutions, the substitutions blanked: `CREATE INDEX ${ifNotExists} x ON t (c)` still parses. One
 * that no longer parses (a substituted table name) is reported as not understood.
 */
function templateOf(node: ts.Node, source: ts.SourceFile): Literal | undefined {
  if (!ts.isTemplateExpression(node)) return undefined;
  const start = node.getStart(source) + 1;
  const end = node.getEnd() - 1;
  let text = source.text.slice(start, end);
  for (const span of node.templateSpans) {
    const from = span.expression.getStart(source) - 2 - start;
    const to = span.literal.getStart(source) + 1 - start;
    // A substituted name (`"${table}"`, `${schema}.users`) cannot be blanked without inventing another name.
    if (/["'`.\w]/.test(text[from - 1] ?? ' ') || /["'`.\w(]/.test(text[to] ?? ' ')) return undefined;
    text = text.slice(0, from) + ' '.repeat(to - from) + text.slice(to);
  }
  return { start, end, text };
}

function calleeName(call: ts.CallExpression): string | undefined {
  const e = call.expression;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isIdentifier(e)) return e.text;
  return undefined;
}

/** SQL string literals handed to a query method, `sql\`…\``, or `sql.raw('…')` inside `up`. */
function sqlLiterals(body: ts.Node, source: ts.SourceFile): Literal[] {
  const out: Literal[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && sqlMethods.has(calleeName(node) ?? '') && node.arguments[0]) {
      const lit = literalOf(node.arguments[0], source) ?? templateOf(node.arguments[0], source);
      if (lit) out.push(lit);
    }
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && node.tag.text === 'sql') {
      const lit = literalOf(node.template, source) ?? templateOf(node.template, source);
      if (lit) out.push(lit);
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return out;
}

function refOf(node: ts.Node, source: ts.SourceFile, path: string): SourceRef {
  const start = node.getStart(source);
  return { path, line: source.getLineAndCharacterOfPosition(start).line + 1, start, end: node.getEnd() };
}

/** A copy of the file with everything but the SQL literals blanked (newlines kept), so parse offsets are file offsets. */
function virtualSql(text: string, literals: Literal[]): string {
  const chars = text.replace(/[^\n]/g, ' ').split('');
  for (const lit of literals) {
    for (let i = 0; i < lit.text.length; i++) chars[lit.start + i] = lit.text[i] === '\n' ? '\n' : lit.text[i]!;
    chars[lit.end] = ';';
  }
  return chars.join('');
}

function stringArg(node: ts.Node | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

function stringList(node: ts.Node | undefined): string[] | undefined {
  if (!node) return undefined;
  const single = stringArg(node);
  if (single !== undefined) return [single];
  if (ts.isArrayLiteralExpression(node)) {
    const items = node.elements.map(stringArg);
    return items.every((i) => i !== undefined) ? (items as string[]) : undefined;
  }
  return undefined;
}

/** A call chain `a.b(x).c(y)` as links from the root outwards. */
function chainOf(node: ts.Expression): Array<{ name: string; args: readonly ts.Expression[]; node: ts.CallExpression }> {
  const links: Array<{ name: string; args: readonly ts.Expression[]; node: ts.CallExpression }> = [];
  let current: ts.Expression = node;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
    links.unshift({ name: current.expression.name.text, args: current.arguments, node: current });
    current = current.expression.expression;
  }
  return links;
}

const knexTypes: Record<string, (args: readonly ts.Expression[]) => string> = {
  increments: () => 'integer',
  bigIncrements: () => 'bigint',
  integer: () => 'integer',
  bigInteger: () => 'bigint',
  bigint: () => 'bigint',
  tinyint: () => 'smallint',
  smallint: () => 'smallint',
  string: (a) => `varchar(${a[1] && ts.isNumericLiteral(a[1]) ? a[1].text : '255'})`,
  text: () => 'text',
  boolean: () => 'boolean',
  uuid: () => 'uuid',
  date: () => 'date',
  datetime: () => 'timestamptz',
  timestamp: () => 'timestamptz',
  time: () => 'time',
  json: () => 'json',
  jsonb: () => 'jsonb',
  float: () => 'real',
  double: () => 'double precision',
  decimal: (a) => (a[1] && ts.isNumericLiteral(a[1]) ? `numeric(${a[1].text},${a[2] && ts.isNumericLiteral(a[2]) ? a[2].text : '2'})` : 'numeric(8,2)'),
  binary: () => 'bytea',
  enu: () => 'text',
  enum: () => 'text',
  specificType: (a) => (stringArg(a[1]) ?? 'unknown').toLowerCase(),
  geometry: () => 'geometry',
};

function knexDefault(node: ts.Expression | undefined, source: ts.SourceFile): DefaultSpec | undefined {
  if (!node) return undefined;
  const text = node.getText(source);
  if (/fn\.now\(|CURRENT_TIMESTAMP|now\(\)/i.test(text)) return { text: 'now()', volatile: false };
  if (/fn\.uuid\(|uuid|random|nextval/i.test(text)) return { text, volatile: true };
  const s = stringArg(node);
  if (s !== undefined) return { text: `'${s}'`, volatile: false };
  return { text, volatile: false };
}

interface BuilderCtx {
  path: string;
  source: ts.SourceFile;
  ops: MigrationOp[];
}

/** Column definitions and table changes inside a Knex `createTable`/`alterTable` callback. */
function knexTableCallback(table: string, callback: ts.Expression | undefined, creating: boolean, ctx: BuilderCtx): ColumnSpec[] {
  const columns: ColumnSpec[] = [];
  if (!callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) return columns;
  const param = callback.parameters[0]?.name;
  const tableVar = param && ts.isIdentifier(param) ? param.text : undefined;
  if (!tableVar) return columns;
  const statements: ts.Expression[] = [];
  const collect = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) statements.push(node.expression);
    else if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return;
    ts.forEachChild(node, collect);
  };
  if (ts.isBlock(callback.body)) collect(callback.body);
  else statements.push(callback.body);
  for (const expression of statements) {
    const chain = chainOf(expression);
    const head = chain[0];
    if (!head) continue;
    const root = head.node.expression;
    if (!ts.isPropertyAccessExpression(root) || !ts.isIdentifier(root.expression) || root.expression.text !== tableVar) continue;
    const at = refOf(head.node, ctx.source, ctx.path);
    const names = chain.map((l) => l.name);
    const first = stringArg(head.args[0]);
    if (head.name === 'dropColumn' || head.name === 'dropColumns') {
      for (const a of head.args) for (const c of stringList(a) ?? []) ctx.ops.push({ kind: 'dropColumn', table, column: c, ifExists: false, at });
      continue;
    }
    if (head.name === 'renameColumn' && first !== undefined) {
      const to = stringArg(head.args[1]);
      if (to !== undefined) ctx.ops.push({ kind: 'renameColumn', table, column: first, to, at });
      continue;
    }
    if (head.name === 'index' || head.name === 'unique') {
      const cols = stringList(head.args[0]) ?? [];
      const given = stringArg(head.args[1]) ?? (head.args[1] && ts.isObjectLiteralExpression(head.args[1]) ? objectString(head.args[1], 'indexName') : undefined);
      const name = given ?? `${table}_${cols.join('_')}_${head.name}`;
      // Knex adds `unique` as a constraint (`ALTER TABLE … ADD CONSTRAINT … UNIQUE`), `index` as `CREATE INDEX`.
      if (head.name === 'unique') ctx.ops.push({ kind: 'addConstraint', table, constraint: { type: 'unique', name, columns: cols, notValid: false, at }, at });
      else ctx.ops.push({ kind: 'createIndex', table, name, columns: cols, unique: false, concurrently: false, ifNotExists: false, at });
      continue;
    }
    if (head.name === 'dropIndex' || head.name === 'dropUnique') {
      const name = stringArg(head.args[1]) ?? `${table}_${(stringList(head.args[0]) ?? []).join('_')}_${head.name === 'dropIndex' ? 'index' : 'unique'}`;
      ctx.ops.push({ kind: 'dropIndex', name, concurrently: false, ifExists: false, at });
      continue;
    }
    if (head.name === 'foreign') {
      const cols = stringList(head.args[0]) ?? [];
      const ref = chain.find((l) => l.name === 'references');
      const inTable = chain.find((l) => l.name === 'inTable');
      const target = stringArg(ref?.args[0]) ?? '';
      const [refTable, refColumn] = target.includes('.') ? target.split('.') : [stringArg(inTable?.args[0]) ?? '', target];
      ctx.ops.push({ kind: 'addConstraint', table, constraint: { type: 'foreign', columns: cols, references: { table: refTable ?? '', columns: [refColumn ?? 'id'] }, notValid: false, at }, at });
      continue;
    }
    if (head.name === 'setNullable' && first !== undefined) {
      ctx.ops.push({ kind: 'dropNotNull', table, column: first, at });
      continue;
    }
    if (head.name === 'dropNullable' && first !== undefined) {
      ctx.ops.push({ kind: 'setNotNull', table, column: first, at });
      continue;
    }
    if (head.name === 'timestamps') {
      const notNull = head.args[0]?.kind === ts.SyntaxKind.TrueKeyword;
      const defaultNow = head.args[1]?.kind === ts.SyntaxKind.TrueKeyword;
      for (const name of ['created_at', 'updated_at']) {
        const column: ColumnSpec = { name, type: 'timestamptz', notNull, at, ...(defaultNow ? { default: { text: 'now()', volatile: false } } : {}) };
        if (creating) columns.push(column);
        else ctx.ops.push({ kind: 'addColumn', table, column, ifNotExists: false, at });
      }
      continue;
    }
    const typeOf = knexTypes[head.name];
    if (!typeOf) continue;
    const name = first ?? (head.name.endsWith('ncrements') ? 'id' : undefined);
    if (name === undefined) continue;
    const column: ColumnSpec = { name, type: typeOf(head.args), notNull: names.includes('notNullable'), at };
    if (head.name.endsWith('ncrements')) {
      column.generated = 'serial';
      column.notNull = true;
      column.primaryKey = !(head.args[1] && ts.isObjectLiteralExpression(head.args[1]) && /primaryKey\s*:\s*false/.test(head.args[1].getText(ctx.source)));
      column.default = { text: 'autoincrement()', volatile: true };
    }
    const defaultTo = chain.find((l) => l.name === 'defaultTo');
    const def = knexDefault(defaultTo?.args[0], ctx.source);
    if (def) column.default = def;
    if (names.includes('primary')) column.primaryKey = true;
    if (names.includes('unique')) column.unique = true;
    const references = chain.find((l) => l.name === 'references');
    if (references) {
      const target = stringArg(references.args[0]) ?? '';
      const inTable = chain.find((l) => l.name === 'inTable');
      const [refTable, refColumn] = target.includes('.') ? target.split('.') : [stringArg(inTable?.args[0]) ?? '', target];
      column.references = { table: refTable ?? '', columns: [refColumn ?? 'id'] };
    }
    if (names.includes('alter')) {
      ctx.ops.push({ kind: 'alterColumnType', table, column: name, type: column.type, using: false, inferred: true, at });
      ctx.ops.push(column.notNull ? { kind: 'setNotNull', table, column: name, at } : { kind: 'dropNotNull', table, column: name, at });
      continue;
    }
    if (creating) columns.push(column);
    else {
      ctx.ops.push({ kind: 'addColumn', table, column, ifNotExists: false, at });
      if (column.references) ctx.ops.push({ kind: 'addConstraint', table, constraint: { type: 'foreign', columns: [name], references: column.references, notValid: false, at }, at });
      if (column.unique) ctx.ops.push({ kind: 'createIndex', table, columns: [name], unique: true, concurrently: false, ifNotExists: false, at });
    }
  }
  return columns;
}

function objectString(obj: ts.ObjectLiteralExpression, key: string): string | undefined {
  for (const p of obj.properties) if (ts.isPropertyAssignment(p) && p.name.getText() === key) return stringArg(p.initializer);
  return undefined;
}

function objectFlag(obj: ts.Expression | undefined, key: string): boolean | undefined {
  if (!obj || !ts.isObjectLiteralExpression(obj)) return undefined;
  for (const p of obj.properties) {
    if (!ts.isPropertyAssignment(p) || p.name.getText().replace(/['"]/g, '') !== key) continue;
    if (p.initializer.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (p.initializer.kind === ts.SyntaxKind.FalseKeyword) return false;
  }
  return undefined;
}

const sequelizeTypes: Record<string, string> = {
  STRING: 'varchar(255)',
  CHAR: 'char(255)',
  TEXT: 'text',
  CITEXT: 'citext',
  INTEGER: 'integer',
  BIGINT: 'bigint',
  SMALLINT: 'smallint',
  FLOAT: 'double precision',
  REAL: 'real',
  DOUBLE: 'double precision',
  DECIMAL: 'numeric',
  BOOLEAN: 'boolean',
  DATE: 'timestamptz',
  DATEONLY: 'date',
  TIME: 'time',
  UUID: 'uuid',
  JSON: 'json',
  JSONB: 'jsonb',
  BLOB: 'bytea',
  INET: 'inet',
};

/** Sequelize / node-pg-migrate column options object → column spec. */
function optionsColumn(name: string, options: ts.Expression | undefined, at: SourceRef, source: ts.SourceFile, style: 'sequelize' | 'pgm'): ColumnSpec {
  const text = options?.getText(source) ?? '';
  const typeMatch = style === 'sequelize' ? /type\s*:\s*(?:Sequelize|DataTypes|S)\.(\w+)(\(\s*(\d+)?)?/.exec(text) : /type\s*:\s*['"`]([^'"`]+)['"`]/.exec(text);
  const shorthand = options && (ts.isStringLiteral(options) || ts.isNoSubstitutionTemplateLiteral(options)) ? options.text : undefined;
  let type = (shorthand ?? typeMatch?.[1] ?? 'unknown').toLowerCase();
  if (style === 'sequelize' && typeMatch) {
    const mapped = sequelizeTypes[typeMatch[1]!];
    type = mapped === undefined ? 'unknown' : typeMatch[3] !== undefined && /^(?:varchar|char)/.test(mapped) ? mapped.replace(/\(\d+\)/, `(${typeMatch[3]})`) : mapped;
  }
  const notNull = style === 'sequelize' ? objectFlag(options, 'allowNull') === false : objectFlag(options, 'notNull') === true;
  const column: ColumnSpec = { name, type, notNull, at };
  const defaultMatch = /default(?:Value)?\s*:\s*([^,}\n]+)/.exec(text);
  if (defaultMatch) {
    const d = defaultMatch[1]!.trim();
    column.default = { text: d, volatile: /uuid|random|nextval/i.test(d) && !/now/i.test(d) };
  }
  if (objectFlag(options, 'primaryKey') === true) column.primaryKey = true;
  if (objectFlag(options, 'unique') === true) column.unique = true;
  if (/autoIncrement\s*:\s*true|serial/i.test(text)) column.generated = 'serial';
  return column;
}

/** Builder calls of Knex, Kysely, Sequelize and node-pg-migrate inside `up`, as schema operations. */
function builderOps(body: ts.Node, ctx: BuilderCtx): void {
  const handled = new Set<ts.Node>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && !handled.has(node)) {
      const chain = chainOf(node);
      for (const l of chain) handled.add(l.node);
      interpret(chain, ctx);
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
}

function interpret(chain: ReturnType<typeof chainOf>, ctx: BuilderCtx): void {
  const names = chain.map((l) => l.name);
  const at = (i: number): SourceRef => refOf(chain[i]!.node, ctx.source, ctx.path);
  const rootText = chain[0] ? chain[0].node.expression.getText(ctx.source) : '';
  const schemaChain = /\bschema\b/.test(rootText);
  const kyselyExec = names.includes('execute') || names.includes('compile');
  for (let i = 0; i < chain.length; i++) {
    const { name, args } = chain[i]!;
    const a0 = stringArg(args[0]);
    const a1 = stringArg(args[1]);
    const a2 = stringArg(args[2]);
    // Knex (`knex.schema.createTable('t', (t) => …)`) and Kysely (`db.schema.createTable('t').addColumn(…).execute()`).
    if (schemaChain && (name === 'createTable' || name === 'createTableIfNotExists') && a0 !== undefined) {
      if (args[1]) {
        const columns = knexTableCallback(a0, args[1], true, ctx);
        // Ops are put in source order afterwards; the table's own call starts before its callback's indexes.
        ctx.ops.push({ kind: 'createTable', table: a0, columns, constraints: [], ifNotExists: name === 'createTableIfNotExists', at: at(i) });
        for (const c of columns) {
          if (c.references) ctx.ops.push({ kind: 'addConstraint', table: a0, constraint: { type: 'foreign', columns: [c.name], references: c.references, notValid: false, at: c.at }, at: c.at });
        }
      } else if (kyselyExec) {
        const columns = chain.slice(i + 1).filter((l) => l.name === 'addColumn').map((l) => kyselyColumn(l, ctx));
        ctx.ops.push({ kind: 'createTable', table: a0, columns, constraints: [], ifNotExists: names.includes('ifNotExists'), at: at(i) });
      }
      return;
    }
    if (schemaChain && (name === 'alterTable' || name === 'table') && a0 !== undefined) {
      if (args[1]) {
        knexTableCallback(a0, args[1], false, ctx);
        return;
      }
      if (!kyselyExec) return;
      for (const l of chain.slice(i + 1)) {
        const ref = refOf(l.node, ctx.source, ctx.path);
        const c0 = stringArg(l.args[0]);
        if (l.name === 'addColumn' && c0 !== undefined) ctx.ops.push({ kind: 'addColumn', table: a0, column: kyselyColumn(l, ctx), ifNotExists: false, at: ref });
        else if (l.name === 'dropColumn' && c0 !== undefined) ctx.ops.push({ kind: 'dropColumn', table: a0, column: c0, ifExists: false, at: ref });
        else if (l.name === 'renameColumn' && c0 !== undefined && stringArg(l.args[1]) !== undefined) ctx.ops.push({ kind: 'renameColumn', table: a0, column: c0, to: stringArg(l.args[1])!, at: ref });
        else if (l.name === 'renameTo' && c0 !== undefined) ctx.ops.push({ kind: 'renameTable', table: a0, to: c0, at: ref });
        else if (l.name === 'alterColumn' && c0 !== undefined) {
          const inner = l.args[1]?.getText(ctx.source) ?? '';
          const type = /setDataType\(\s*['"`]([^'"`]+)/.exec(inner)?.[1];
          if (type) ctx.ops.push({ kind: 'alterColumnType', table: a0, column: c0, type: type.toLowerCase(), using: false, at: ref });
          if (/setNotNull\(/.test(inner)) ctx.ops.push({ kind: 'setNotNull', table: a0, column: c0, at: ref });
          if (/dropNotNull\(/.test(inner)) ctx.ops.push({ kind: 'dropNotNull', table: a0, column: c0, at: ref });
        }
      }
      return;
    }
    if (schemaChain && (name === 'dropTable' || name === 'dropTableIfExists') && a0 !== undefined) {
      ctx.ops.push({ kind: 'dropTable', table: a0, ifExists: name === 'dropTableIfExists' || names.includes('ifExists'), at: at(i) });
      return;
    }
    if (schemaChain && name === 'renameTable' && a0 !== undefined && a1 !== undefined) {
      ctx.ops.push({ kind: 'renameTable', table: a0, to: a1, at: at(i) });
      return;
    }
    if (schemaChain && name === 'createIndex' && a0 !== undefined && kyselyExec) {
      const on = stringArg(chain.find((l) => l.name === 'on')?.args[0]);
      const columns = chain.flatMap((l) => (l.name === 'column' || l.name === 'columns' ? (stringList(l.args[0]) ?? []) : []));
      if (on !== undefined) ctx.ops.push({ kind: 'createIndex', table: on, name: a0, columns, unique: names.includes('unique'), concurrently: false, ifNotExists: names.includes('ifNotExists'), at: at(i) });
      return;
    }
    if (schemaChain && name === 'dropIndex' && a0 !== undefined && kyselyExec) {
      ctx.ops.push({ kind: 'dropIndex', name: a0, concurrently: false, ifExists: names.includes('ifExists'), at: at(i) });
      return;
    }
    // Sequelize (`queryInterface.addColumn('t', 'c', {...})`) and node-pg-migrate (`pgm.addColumns('t', {...})`).
    const sequelize = /queryInterface|\bqi\b/.test(rootText) || /queryInterface/.test(chain[0]?.node.getText(ctx.source) ?? '');
    const pgm = /\bpgm\b/.test(rootText);
    if (!sequelize && !pgm) continue;
    const style = sequelize ? 'sequelize' : 'pgm';
    if (name === 'createTable' && a0 !== undefined && args[1] && ts.isObjectLiteralExpression(args[1])) {
      const columns = args[1].properties.flatMap((p) =>
        ts.isPropertyAssignment(p) ? [optionsColumn(p.name.getText(ctx.source).replace(/['"]/g, ''), p.initializer, refOf(p, ctx.source, ctx.path), ctx.source, style)] : [],
      );
      ctx.ops.push({ kind: 'createTable', table: a0, columns, constraints: [], ifNotExists: false, at: at(i) });
    } else if ((name === 'dropTable' || name === 'removeTable') && a0 !== undefined) {
      ctx.ops.push({ kind: 'dropTable', table: a0, ifExists: objectFlag(args[1], 'ifExists') === true, at: at(i) });
    } else if (name === 'renameTable' && a0 !== undefined && a1 !== undefined) {
      ctx.ops.push({ kind: 'renameTable', table: a0, to: a1, at: at(i) });
    } else if (name === 'addColumn' && sequelize && a0 !== undefined && a1 !== undefined) {
      ctx.ops.push({ kind: 'addColumn', table: a0, column: optionsColumn(a1, args[2], at(i), ctx.source, style), ifNotExists: false, at: at(i) });
    } else if ((name === 'addColumns' || name === 'addColumn') && pgm && a0 !== undefined && args[1] && ts.isObjectLiteralExpression(args[1])) {
      for (const p of args[1].properties) {
        if (!ts.isPropertyAssignment(p)) continue;
        const ref = refOf(p, ctx.source, ctx.path);
        ctx.ops.push({ kind: 'addColumn', table: a0, column: optionsColumn(p.name.getText(ctx.source).replace(/['"]/g, ''), p.initializer, ref, ctx.source, style), ifNotExists: false, at: ref });
      }
    } else if ((name === 'removeColumn' || name === 'dropColumn' || name === 'dropColumns') && a0 !== undefined) {
      for (const c of stringList(args[1]) ?? []) ctx.ops.push({ kind: 'dropColumn', table: a0, column: c, ifExists: false, at: at(i) });
    } else if (name === 'renameColumn' && a0 !== undefined && a1 !== undefined && a2 !== undefined) {
      ctx.ops.push({ kind: 'renameColumn', table: a0, column: a1, to: a2, at: at(i) });
    } else if ((name === 'changeColumn' || name === 'alterColumn') && a0 !== undefined && a1 !== undefined) {
      const spec = optionsColumn(a1, args[2], at(i), ctx.source, style);
      if (spec.type !== 'unknown') ctx.ops.push({ kind: 'alterColumnType', table: a0, column: a1, type: spec.type, using: false, inferred: true, at: at(i) });
      if (spec.notNull) ctx.ops.push({ kind: 'setNotNull', table: a0, column: a1, at: at(i) });
    } else if ((name === 'addIndex' || name === 'createIndex') && a0 !== undefined) {
      const columns = stringList(args[1]) ?? [];
      const options = args[2] ?? (sequelize && args[1] && ts.isObjectLiteralExpression(args[1]) ? args[1] : undefined);
      const indexName = options && ts.isObjectLiteralExpression(options) ? objectString(options, 'name') : undefined;
      ctx.ops.push({
        kind: 'createIndex',
        table: a0,
        ...(indexName ? { name: indexName } : {}),
        columns,
        unique: objectFlag(options, 'unique') === true,
        concurrently: objectFlag(options, 'concurrently') === true,
        ifNotExists: objectFlag(options, 'ifNotExists') === true,
        at: at(i),
      });
    }
    return;
  }
}

function kyselyColumn(link: ReturnType<typeof chainOf>[number], ctx: BuilderCtx): ColumnSpec {
  const name = stringArg(link.args[0]) ?? '';
  const typeArg = stringArg(link.args[1]);
  const type = (typeArg ?? 'unknown').toLowerCase();
  const builder = link.args[2]?.getText(ctx.source) ?? '';
  const at = refOf(link.node, ctx.source, ctx.path);
  const column: ColumnSpec = { name, type: type === 'serial' ? 'integer' : type === 'bigserial' ? 'bigint' : type, notNull: /notNull\(\)|primaryKey\(\)/.test(builder), at };
  if (type === 'serial' || type === 'bigserial') {
    column.generated = 'serial';
    column.default = { text: 'autoincrement()', volatile: true };
  }
  if (/primaryKey\(\)/.test(builder)) column.primaryKey = true;
  if (/unique\(\)/.test(builder)) column.unique = true;
  const def = /defaultTo\(([^)]*\)?)\)/.exec(builder)?.[1];
  if (def !== undefined) column.default = { text: def, volatile: /uuid|random|nextval/i.test(def) };
  return column;
}

/** Schema operations of a code migration (TypeORM, Knex, Kysely, Sequelize, node-pg-migrate, MikroORM): SQL literals and builder calls in `up`. */
export async function codeMigrationOps(model: RepoModel, path: string): Promise<{ ops: MigrationOp[]; issues: SourceIssue[] }> {
  const source = model.ts(path);
  const text = model.text(path);
  if (!source || text === undefined) return { ops: [], issues: [] };
  const issues: SourceIssue[] = [];
  const ops: MigrationOp[] = [];
  for (const body of upBodies(source)) {
    const literals = sqlLiterals(body, source);
    const sqlOps: MigrationOp[] = [];
    if (literals.length) {
      const parsed = await parsePg(virtualSql(text, literals));
      sqlOps.push(...(await opsFromPg(parsed, path, text)));
      for (const e of parsed.errors) issues.push({ at: { path, line: e.line, start: e.start, end: e.end }, message: e.message });
    }
    const built: MigrationOp[] = [];
    builderOps(body, { path, source, ops: built });
    // Both kinds interleave in source order.
    ops.push(...[...sqlOps, ...built].sort((a, b) => (a.at.start ?? 0) - (b.at.start ?? 0)));
  }
  return { ops, issues };
}
