import { ts } from '../../parsers/ts.cjs';
import type { SchemaColumn, SchemaTable, SourceRef } from '../types.js';
import { upRange } from '../source-paths.js';
import { chainOf, nameOf, refOf, stringOf, unwrap, type SourceFile } from './ast.js';

/**
 * Kysely: the `Database`/`DB` interface whose members are tables (`kysely-codegen` output or hand-written), and the
 * `db.schema.createTable(...).addColumn(...)` / `createIndex(...).on(...).columns(...)` builders of migrations.
 */

type TypeDecl = ts.InterfaceDeclaration | ts.TypeAliasDeclaration;

function membersOf(decl: TypeDecl): readonly ts.TypeElement[] {
  if (ts.isInterfaceDeclaration(decl)) return decl.members;
  return ts.isTypeLiteralNode(decl.type) ? decl.type.members : [];
}

/** Names used as the database type: `Kysely<DB>`, `Transaction<Database>`, `interface DB`/`Database`. */
function databaseTypeNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && /^(?:Kysely|Transaction|Selectable|ExpressionBuilder)$/.test(node.typeName.text)) {
      const arg = node.typeArguments?.[0];
      if (arg && ts.isTypeReferenceNode(arg) && ts.isIdentifier(arg.typeName) && node.typeName.text !== 'Selectable') names.add(arg.typeName.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

export interface KyselyTypes {
  /** Interface/type-alias declarations by name (table row types may live in other files). */
  declarations: Map<string, { file: SourceFile; decl: TypeDecl }>;
  databases: Array<{ file: SourceFile; decl: TypeDecl }>;
}

export function collectKysely(file: SourceFile, into: KyselyTypes): void {
  const used = databaseTypeNames(file.source);
  for (const s of file.source.statements) {
    if (!ts.isInterfaceDeclaration(s) && !ts.isTypeAliasDeclaration(s)) continue;
    into.declarations.set(s.name.text, { file, decl: s });
    if (used.has(s.name.text) || /^(?:DB|Database|KyselyDatabase|Tables|DatabaseSchema)$/.test(s.name.text)) into.databases.push({ file, decl: s });
  }
}

/** Columns of a row type: `interface Project { id: Generated<string>; org_id: string | null }`. */
function columnsOf(decl: { file: SourceFile; decl: TypeDecl }): SchemaColumn[] {
  return membersOf(decl.decl).flatMap((m) => {
    if (!ts.isPropertySignature(m)) return [];
    const name = nameOf(m.name);
    if (!name) return [];
    const type = m.type?.getText(decl.file.source) ?? 'unknown';
    return [{ name, type, nullable: /\bnull\b/.test(type) || Boolean(m.questionToken), ...(/^Generated</.test(type) ? { generated: true } : {}), at: refOf(decl.file, m) }];
  });
}

export function kyselyTables(types: KyselyTypes): SchemaTable[] {
  const out: SchemaTable[] = [];
  const seen = new Set<string>();
  for (const db of types.databases) {
    const members = membersOf(db.decl);
    // A database interface maps table names to row types; a row type maps columns to scalar types.
    const tableMembers = members.filter((m): m is ts.PropertySignature => ts.isPropertySignature(m) && !!m.type && ts.isTypeReferenceNode(m.type));
    if (tableMembers.length === 0 || tableMembers.length < members.length / 2) continue;
    for (const m of tableMembers) {
      const name = nameOf(m.name);
      const typeName = ts.isTypeReferenceNode(m.type!) ? m.type.typeName.getText(db.file.source) : undefined;
      const row = typeName ? types.declarations.get(typeName) : undefined;
      if (!name || !row || seen.has(name)) continue;
      const columns = columnsOf(row);
      if (columns.length === 0) continue;
      seen.add(name);
      out.push({ name, model: name, source: 'kysely', columns, indexes: [], foreignKeys: [], at: refOf(db.file, m) });
    }
  }
  return out;
}

/** Tables and indexes a Kysely or knex schema builder creates in migrations. */
export function schemaBuilderTables(file: SourceFile, source: SchemaTable['source']): SchemaTable[] {
  const tables = new Map<string, SchemaTable>();
  const get = (name: string, at: SourceRef): SchemaTable => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { name, source, columns: [], indexes: [], foreignKeys: [], at }));
    return t;
  };
  const strings = (args: readonly ts.Expression[]): string[] =>
    args.flatMap((a) => {
      const u = unwrap(a);
      if (ts.isArrayLiteralExpression(u)) return strings(u.elements);
      const s = stringOf(u);
      return s !== undefined ? [s] : [];
    });
  const applied = upRange(file.source.text);
  const visit = (node: ts.Node): void => {
    if (node.pos > applied.end || node.end < applied.start) return;
    // Only the outermost call of a chain: `db.schema.createTable('t').addColumn(...).execute()`.
    if (ts.isCallExpression(node) && !(ts.isPropertyAccessExpression(node.parent) && ts.isCallExpression(node.parent.parent))) {
      const chain = chainOf(node);
      const createTable = chain.find((l) => l.name === 'createTable' || l.name === 'alterTable');
      const createIndex = chain.find((l) => l.name === 'createIndex');
      if (createTable && stringOf(createTable.call.arguments[0])) {
        const t = get(stringOf(createTable.call.arguments[0])!, refOf(file, createTable.call));
        const knexCallback = createTable.call.arguments[1] ? unwrap(createTable.call.arguments[1]) : undefined;
        if (knexCallback && (ts.isArrowFunction(knexCallback) || ts.isFunctionExpression(knexCallback))) readKnexCallback(file, knexCallback, t);
        for (const l of chain) {
          const args = l.call.arguments;
          if (l.name === 'addColumn' && stringOf(args[0])) {
            const col: SchemaColumn = { name: stringOf(args[0])!, type: args[1]?.getText(file.source) ?? 'unknown', nullable: true, at: refOf(file, l.call) };
            const cb = args[2]?.getText(file.source) ?? '';
            if (/\.notNull\(\)/.test(cb)) col.nullable = false;
            if (/\.primaryKey\(\)/.test(cb)) t.primaryKey = { columns: [col.name], at: col.at! };
            if (/\.unique\(\)/.test(cb)) t.indexes.push({ columns: [col.name], unique: true, constraint: true, at: col.at! });
            const ref = /\.references\(\s*['"]([\w.]+)\.(\w+)['"]/.exec(cb);
            if (ref) t.foreignKeys.push({ columns: [col.name], table: ref[1]!, referencedColumns: [ref[2]!], at: col.at! });
            t.columns.push(col);
          } else if ((l.name === 'addPrimaryKeyConstraint' || l.name === 'addUniqueConstraint') && args[1]) {
            const columns = strings([args[1]]);
            if (l.name === 'addPrimaryKeyConstraint') t.primaryKey = { columns, at: refOf(file, l.call) };
            else t.indexes.push({ columns, unique: true, constraint: true, at: refOf(file, l.call) });
          } else if (l.name === 'addForeignKeyConstraint' && args[1] && args[2]) {
            t.foreignKeys.push({ columns: strings([args[1]]), table: stringOf(args[2]) ?? '', referencedColumns: args[3] ? strings([args[3]]) : ['id'], at: refOf(file, l.call) });
          }
        }
      } else if (createIndex) {
        const on = chain.find((l) => l.name === 'on');
        const table = stringOf(on?.call.arguments[0]);
        const columns = chain.filter((l) => l.name === 'column' || l.name === 'columns').flatMap((l) => strings(l.call.arguments));
        if (table && columns.length) get(table, refOf(file, node)).indexes.push({ name: stringOf(createIndex.call.arguments[0]) ?? '', columns, unique: chain.some((l) => l.name === 'unique'), at: refOf(file, node) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.source);
  return [...tables.values()];
}

/** `knex.schema.createTable('t', (table) => { table.uuid('org_id').references('id').inTable('orgs'); table.index(['org_id']); })`. */
function readKnexCallback(file: SourceFile, fn: ts.ArrowFunction | ts.FunctionExpression, t: SchemaTable): void {
  const param = fn.parameters[0] && ts.isIdentifier(fn.parameters[0].name) ? fn.parameters[0].name.text : undefined;
  if (!param) return;
  const strings = (e: ts.Expression | undefined): string[] => {
    if (!e) return [];
    const u = unwrap(e);
    if (ts.isArrayLiteralExpression(u)) return u.elements.flatMap((x) => (stringOf(x) !== undefined ? [stringOf(x)!] : []));
    return stringOf(u) !== undefined ? [stringOf(u)!] : [];
  };
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) {
      const chain = chainOf(node.expression);
      const root = chain[0];
      const rootCallee = root ? unwrap(root.call.expression) : undefined;
      if (root && rootCallee && ts.isPropertyAccessExpression(rootCallee) && ts.isIdentifier(rootCallee.expression) && rootCallee.expression.text === param) {
        const at = refOf(file, node);
        const first = strings(root.call.arguments[0]);
        if (root.name === 'index' || root.name === 'unique') {
          if (first.length) t.indexes.push({ columns: first, unique: root.name === 'unique', at });
        } else if (root.name === 'primary') {
          if (first.length) t.primaryKey = { columns: first, at };
        } else if (root.name === 'foreign') {
          const target = chain.find((l) => l.name === 'inTable');
          const refs = chain.find((l) => l.name === 'references');
          const table = stringOf(target?.call.arguments[0]) ?? stringOf(refs?.call.arguments[0])?.split('.')[0];
          if (table && first.length) t.foreignKeys.push({ columns: first, table, referencedColumns: ['id'], at });
        } else if (first.length === 1 && root.name && !/^(?:drop|rename|timestamps|comment|engine|charset|collate|inherits|specificType)/.test(root.name)) {
          const name = first[0]!;
          const col: SchemaColumn = { name, type: root.name, nullable: !chain.some((l) => l.name === 'notNullable'), at };
          if (root.name === 'increments' || root.name === 'bigIncrements' || chain.some((l) => l.name === 'primary')) t.primaryKey = { columns: [name], at };
          if (chain.some((l) => l.name === 'unique')) t.indexes.push({ columns: [name], unique: true, constraint: true, at });
          if (chain.some((l) => l.name === 'index')) t.indexes.push({ columns: [name], unique: false, at });
          const refs = chain.find((l) => l.name === 'references');
          const inTable = chain.find((l) => l.name === 'inTable');
          const target = stringOf(inTable?.call.arguments[0]) ?? (stringOf(refs?.call.arguments[0])?.includes('.') ? stringOf(refs?.call.arguments[0])!.split('.')[0] : undefined);
          if (target) t.foreignKeys.push({ columns: [name], table: target, referencedColumns: ['id'], at });
          t.columns = t.columns.filter((c) => c.name !== name);
          t.columns.push(col);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
}
