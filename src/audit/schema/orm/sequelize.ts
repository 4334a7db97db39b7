import { ts } from '../../parsers/ts.cjs';
import type { SchemaColumn, SchemaForeignKey, SchemaIndex, SchemaTable, SourceRef } from '../types.js';
import { calleeName, nameOf, objectArg, pluralize, property, refOf, stringOf, targetName, unwrap, type SourceFile } from './ast.js';
import type { ClassInfo } from './typeorm.js';
import { upRange } from '../source-paths.js';

/**
 * Sequelize models: `sequelize.define('Project', attrs, options)`, `class Project extends Model {}; Project.init(attrs,
 * options)`, sequelize-typescript `@Table` classes with `@Column`/`@ForeignKey`/`@BelongsTo`/`@Index`, `belongsTo`
 * associations, and `queryInterface.addIndex/createTable` in migrations.
 */

export interface SequelizeTable extends SchemaTable {
  /** FK targets as model names until every model is known. */
  targets: string[];
}

function readAttributes(file: SourceFile, attrs: ts.ObjectLiteralExpression, table: SequelizeTable): void {
  for (const p of attrs.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const field = nameOf(p.name);
    if (!field) continue;
    const value = unwrap(p.initializer);
    const opts = ts.isObjectLiteralExpression(value) ? value : undefined;
    // `{ type: DataTypes.VIRTUAL }` is no column.
    if (opts && /VIRTUAL/.test(property(opts, 'type')?.getText(file.source) ?? '')) continue;
    const name = stringOf(property(opts, 'field')) ?? field;
    const at = refOf(file, p);
    const column: SchemaColumn = {
      name,
      ...(name !== field ? { field } : {}),
      type: (opts ? property(opts, 'type') : value)?.getText(file.source) ?? 'unknown',
      nullable: property(opts, 'allowNull')?.kind !== ts.SyntaxKind.FalseKeyword,
      at,
    };
    if (property(opts, 'primaryKey')?.kind === ts.SyntaxKind.TrueKeyword) {
      column.primaryKey = true;
      table.primaryKey = { columns: [...(table.primaryKey?.columns ?? []), name], at };
    }
    const unique = property(opts, 'unique');
    if (unique && unique.kind !== ts.SyntaxKind.FalseKeyword) {
      column.unique = true;
      table.indexes.push({ columns: [name], unique: true, constraint: true, at });
    }
    const references = property(opts, 'references');
    const refObj = references && ts.isObjectLiteralExpression(unwrap(references)) ? (unwrap(references) as ts.ObjectLiteralExpression) : undefined;
    const target = refObj ? (stringOf(property(refObj, 'model')) ?? targetName(property(refObj, 'model'))) : undefined;
    if (target) {
      table.foreignKeys.push({ columns: [name], table: target, referencedColumns: [stringOf(property(refObj, 'key')) ?? 'id'], at });
      table.targets.push(target);
    }
    table.columns.push(column);
  }
}

function readOptions(file: SourceFile, opts: ts.ObjectLiteralExpression | undefined, table: SequelizeTable): void {
  const tableName = stringOf(property(opts, 'tableName'));
  if (tableName) table.name = tableName;
  else if (property(opts, 'freezeTableName')?.kind === ts.SyntaxKind.TrueKeyword) table.name = stringOf(property(opts, 'modelName')) ?? table.model ?? table.name;
  const indexes = property(opts, 'indexes');
  const list = indexes ? unwrap(indexes) : undefined;
  if (!list || !ts.isArrayLiteralExpression(list)) return;
  const col = (field: string): string => table.columns.find((c) => (c.field ?? c.name) === field)?.name ?? field;
  for (const e of list.elements) {
    const o = unwrap(e);
    if (!ts.isObjectLiteralExpression(o)) continue;
    const fields = property(o, 'fields');
    const arr = fields ? unwrap(fields) : undefined;
    if (!arr || !ts.isArrayLiteralExpression(arr)) continue;
    const columns = arr.elements.flatMap((f) => {
      const s = stringOf(f);
      if (s !== undefined) return [col(s)];
      const fo = unwrap(f);
      const n = ts.isObjectLiteralExpression(fo) ? (stringOf(property(fo, 'name')) ?? stringOf(property(fo, 'attribute'))) : undefined;
      return n ? [col(n)] : [];
    });
    const name = stringOf(property(o, 'name'));
    if (columns.length) table.indexes.push({ ...(name ? { name } : {}), columns, unique: property(o, 'unique')?.kind === ts.SyntaxKind.TrueKeyword, at: refOf(file, o) } satisfies SchemaIndex);
  }
}

function emptyTable(model: string, name: string, at: SourceRef): SequelizeTable {
  return { name, model, source: 'sequelize', columns: [], indexes: [], foreignKeys: [], targets: [], at };
}

export interface SequelizeAssociation {
  model: string;
  target: string;
  foreignKey?: string;
  relation?: string;
}

/** `define`/`init` models and `belongsTo` associations of one file. */
export function sequelizeModels(file: SourceFile): { tables: SequelizeTable[]; associations: SequelizeAssociation[] } {
  const tables: SequelizeTable[] = [];
  const associations: SequelizeAssociation[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      const callee = unwrap(node.expression);
      if (name === 'define' && stringOf(node.arguments[0]) && objectArg(node, 1)) {
        const modelName = stringOf(node.arguments[0])!;
        const parent = node.parent;
        const variable = ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name.text : modelName;
        const table = emptyTable(variable, pluralize(modelName), refOf(file, node));
        readAttributes(file, objectArg(node, 1)!, table);
        readOptions(file, objectArg(node, 2), table);
        tables.push(table);
      } else if (name === 'init' && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && objectArg(node, 0) && objectArg(node, 1)) {
        const opts = objectArg(node, 1)!;
        if (property(opts, 'sequelize') || property(opts, 'tableName') || property(opts, 'modelName')) {
          const model = callee.expression.text;
          const table = emptyTable(model, pluralize(stringOf(property(opts, 'modelName')) ?? model), refOf(file, node));
          readAttributes(file, objectArg(node, 0)!, table);
          readOptions(file, opts, table);
          tables.push(table);
        }
      } else if (name === 'belongsTo' && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
        const target = targetName(node.arguments[0]);
        const opts = objectArg(node, 1);
        const fk = property(opts, 'foreignKey');
        const fkName = stringOf(fk) ?? (fk && ts.isObjectLiteralExpression(unwrap(fk)) ? stringOf(property(unwrap(fk) as ts.ObjectLiteralExpression, 'name')) : undefined);
        const relation = stringOf(property(opts, 'as'));
        if (target) associations.push({ model: callee.expression.text, target, ...(fkName ? { foreignKey: fkName } : {}), ...(relation ? { relation } : {}) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.source);
  return { tables, associations };
}

/** sequelize-typescript classes (`@Table` or `@Column` members), with inherited columns. */
export function sequelizeClassTables(classes: readonly ClassInfo[]): SequelizeTable[] {
  const byName = new Map(classes.map((c) => [c.name, c]));
  const out: SequelizeTable[] = [];
  for (const c of classes) {
    const tableDecorator = c.decorators.find((d) => d.name === 'Table');
    if (!tableDecorator) continue;
    const opts = objectArg(tableDecorator.call, 0);
    const modelName = stringOf(property(opts, 'modelName')) ?? c.name;
    const table = emptyTable(c.name, stringOf(property(opts, 'tableName')) ?? (property(opts, 'freezeTableName')?.kind === ts.SyntaxKind.TrueKeyword ? modelName : pluralize(modelName)), c.at);
    const chain: ClassInfo[] = [];
    for (let k: ClassInfo | undefined = c; k && chain.length < 8 && !chain.includes(k); k = k.extends ? byName.get(k.extends) : undefined) chain.unshift(k);
    const pendingBelongs: Array<{ prop: string; target: string; fk?: string; at: SourceRef }> = [];
    for (const k of chain) {
      for (const m of k.members) {
        const names = m.decorators.map((d) => d.name);
        const column = m.decorators.find((d) => d.name === 'Column' || d.name === 'PrimaryKey' || d.name === 'ForeignKey');
        const belongs = m.decorators.find((d) => d.name === 'BelongsTo');
        if (belongs) {
          const target = targetName(belongs.call?.arguments[0]);
          const fkArg = belongs.call?.arguments[1];
          const fk = stringOf(fkArg) ?? (fkArg && ts.isObjectLiteralExpression(unwrap(fkArg)) ? stringOf(property(unwrap(fkArg) as ts.ObjectLiteralExpression, 'foreignKey')) : undefined);
          if (target) pendingBelongs.push({ prop: m.prop, target, ...(fk ? { fk } : {}), at: m.at });
          continue;
        }
        if (!column || names.some((n) => /^(?:HasMany|HasOne|BelongsToMany)$/.test(n))) continue;
        const colOpts = objectArg(m.decorators.find((d) => d.name === 'Column')?.call, 0);
        const name = stringOf(property(colOpts, 'field')) ?? m.prop;
        const col: SchemaColumn = { name, ...(name !== m.prop ? { field: m.prop } : {}), type: 'unknown', nullable: !names.includes('AllowNull') && !names.includes('PrimaryKey'), at: m.at };
        if (names.includes('PrimaryKey')) {
          col.primaryKey = true;
          table.primaryKey = { columns: [...(table.primaryKey?.columns ?? []), name], at: m.at };
        }
        if (names.includes('Unique')) {
          col.unique = true;
          table.indexes.push({ columns: [name], unique: true, constraint: true, at: m.at });
        }
        const index = m.decorators.find((d) => d.name === 'Index');
        if (index) {
          const indexOpts = objectArg(index.call, 0);
          const indexName = stringOf(index.call?.arguments[0]) ?? stringOf(property(indexOpts, 'name'));
          table.indexes.push({ ...(indexName ? { name: indexName } : {}), columns: [name], unique: property(indexOpts, 'unique')?.kind === ts.SyntaxKind.TrueKeyword, at: m.at });
        }
        const foreign = m.decorators.find((d) => d.name === 'ForeignKey');
        const target = targetName(foreign?.call?.arguments[0]);
        if (target) {
          table.foreignKeys.push({ columns: [name], table: target, referencedColumns: ['id'], at: m.at });
          table.targets.push(target);
        }
        table.columns = table.columns.filter((x) => (x.field ?? x.name) !== m.prop);
        table.columns.push(col);
      }
    }
    for (const b of pendingBelongs) {
      const fkField = b.fk ?? `${b.prop}Id`;
      const fkColumn = table.columns.find((x) => (x.field ?? x.name) === fkField)?.name ?? fkField;
      const existing = table.foreignKeys.find((fk) => fk.columns[0] === fkColumn);
      if (existing) existing.relation = b.prop;
      else {
        table.foreignKeys.push({ columns: [fkColumn], table: b.target, referencedColumns: ['id'], relation: b.prop, at: b.at });
        table.targets.push(b.target);
      }
    }
    out.push(table);
  }
  return out;
}

/** Resolves FK targets (model names) to table names and applies `belongsTo` associations. */
export function linkSequelize(tables: SequelizeTable[], associations: readonly SequelizeAssociation[]): SchemaTable[] {
  const byModel = new Map(tables.map((t) => [t.model!, t]));
  const byTable = new Map(tables.map((t) => [t.name.toLowerCase(), t]));
  for (const a of associations) {
    const t = byModel.get(a.model);
    if (!t) continue;
    const fkField = a.foreignKey ?? `${a.relation ?? a.target.charAt(0).toLowerCase() + a.target.slice(1)}Id`;
    const fkColumn = t.columns.find((c) => (c.field ?? c.name) === fkField)?.name ?? fkField;
    const existing = t.foreignKeys.find((fk) => fk.columns[0] === fkColumn);
    const relation = a.relation ?? a.target.charAt(0).toLowerCase() + a.target.slice(1);
    if (existing) existing.relation ??= relation;
    else {
      t.foreignKeys.push({ columns: [fkColumn], table: a.target, referencedColumns: ['id'], relation });
      t.targets.push(a.target);
    }
  }
  return tables.map(({ targets, ...t }) => ({
    ...t,
    foreignKeys: t.foreignKeys.map((fk, i): SchemaForeignKey => {
      const target = byModel.get(targets[i] ?? fk.table) ?? byTable.get(fk.table.toLowerCase());
      return target ? { ...fk, table: target.name } : fk;
    }),
  }));
}

/** Tables and indexes that Sequelize/knex code migrations create (`createTable`, `addIndex`, `addColumn`). */
export function migrationTables(file: SourceFile): SchemaTable[] {
  const tables = new Map<string, SchemaTable>();
  const get = (name: string, at: SourceRef): SchemaTable => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { name, source: 'sequelize', columns: [], indexes: [], foreignKeys: [], at }));
    return t;
  };
  const applied = upRange(file.source.text);
  const visit = (node: ts.Node): void => {
    // `down` reverses the migration; replaying it would undo what `up` created.
    if (node.pos > applied.end || node.end < applied.start) return;
    if (ts.isCallExpression(node)) {
      const name = calleeName(node);
      const table = stringOf(node.arguments[0]);
      const at = refOf(file, node);
      if (table && name === 'createTable' && objectArg(node, 1)) {
        const t = get(table, at);
        for (const p of objectArg(node, 1)!.properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const col = nameOf(p.name);
          const opts = ts.isObjectLiteralExpression(unwrap(p.initializer)) ? (unwrap(p.initializer) as ts.ObjectLiteralExpression) : undefined;
          if (!col) continue;
          t.columns.push({ name: col, type: 'unknown', nullable: property(opts, 'allowNull')?.kind !== ts.SyntaxKind.FalseKeyword, at: refOf(file, p) });
          if (property(opts, 'primaryKey')?.kind === ts.SyntaxKind.TrueKeyword) t.primaryKey = { columns: [col], at: refOf(file, p) };
          const refs = property(opts, 'references');
          const target = refs && ts.isObjectLiteralExpression(unwrap(refs)) ? stringOf(property(unwrap(refs) as ts.ObjectLiteralExpression, 'model')) : undefined;
          if (target) t.foreignKeys.push({ columns: [col], table: target, referencedColumns: ['id'], at: refOf(file, p) });
        }
      } else if (table && name === 'addIndex') {
        const cols = node.arguments[1] ? unwrap(node.arguments[1]) : undefined;
        const opts = objectArg(node, ts.isArrayLiteralExpression(cols ?? node) ? 2 : 1);
        const fields = cols && ts.isArrayLiteralExpression(cols) ? cols : property(opts, 'fields') && unwrap(property(opts, 'fields')!);
        const columns =
          fields && ts.isArrayLiteralExpression(fields)
            ? fields.elements.flatMap((e) => {
                const s = stringOf(e);
                const o = unwrap(e);
                return s !== undefined ? [s] : ts.isObjectLiteralExpression(o) && stringOf(property(o, 'name')) ? [stringOf(property(o, 'name'))!] : [];
              })
            : [];
        if (columns.length) get(table, at).indexes.push({ columns, unique: property(opts, 'unique')?.kind === ts.SyntaxKind.TrueKeyword, at });
      } else if (table && name === 'addConstraint') {
        const opts = objectArg(node, 1);
        const type = stringOf(property(opts, 'type'))?.toLowerCase();
        const fields = property(opts, 'fields');
        const list = fields ? unwrap(fields) : undefined;
        const columns = list && ts.isArrayLiteralExpression(list) ? list.elements.flatMap((e) => (stringOf(e) !== undefined ? [stringOf(e)!] : [])) : [];
        if (columns.length && type === 'unique') get(table, at).indexes.push({ columns, unique: true, constraint: true, at });
        else if (columns.length && type === 'primary key') get(table, at).primaryKey = { columns, at };
        else if (columns.length && type === 'foreign key') {
          const refs = property(opts, 'references');
          const target = refs && ts.isObjectLiteralExpression(unwrap(refs)) ? stringOf(property(unwrap(refs) as ts.ObjectLiteralExpression, 'table')) : undefined;
          if (target) get(table, at).foreignKeys.push({ columns, table: target, referencedColumns: ['id'], at });
        }
      } else if (table && name === 'addColumn' && stringOf(node.arguments[1])) {
        get(table, at).columns.push({ name: stringOf(node.arguments[1])!, type: 'unknown', nullable: true, at });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file.source);
  return [...tables.values()];
}
