import { ts } from 'ts-morph';
import type { SchemaColumn, SchemaForeignKey, SchemaIndex, SchemaTable, SourceRef } from '../types.js';
import { decoratorsOf, nameOf, objectArg, property, refOf, snakeCase, stringOf, targetName, unwrap, type SourceFile } from './ast.js';

/**
 * TypeORM and MikroORM entities (`@Entity` classes; wrappers such as `@MultiORMEntity`/`@MultiORMColumn` are matched
 * by their suffix). Columns inherited from abstract base classes (`TenantBaseEntity`) are merged across files.
 */

export interface Member {
  prop: string;
  decorators: ReturnType<typeof decoratorsOf>;
  at: SourceRef;
}

export interface ClassInfo {
  name: string;
  extends?: string;
  decorators: ReturnType<typeof decoratorsOf>;
  members: Member[];
  at: SourceRef;
}

const isEntity = (d: string): boolean => /Entity$/.test(d) && !/^(?:View|Child|Base|Abstract)Entity$/.test(d) && !/ViewEntity$/.test(d);
const isColumn = (d: string): boolean => (/Column$/.test(d) && !/JoinColumn$/.test(d) && !/ViewColumn$/.test(d)) || d === 'Property' || d === 'PrimaryKey' || d === 'Enum' || d === 'Formula';
const isPrimary = (d: string): boolean => /^Primary/.test(d) || d === 'PrimaryKey';
const isReference = (d: string): boolean => /(?:ManyToOne|OneToOne)$/.test(d);
const isIndex = (d: string): boolean => /Index$/.test(d) || d === 'Unique';

export function decoratedClasses(file: SourceFile): ClassInfo[] {
  const out: ClassInfo[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) && node.name) {
      const heritage = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
      const base = heritage ? (ts.isIdentifier(heritage) ? heritage.text : ts.isCallExpression(heritage) ? targetName(heritage.arguments[0]) : undefined) : undefined;
      const members: Member[] = [];
      for (const m of node.members) {
        if (!ts.isPropertyDeclaration(m)) continue;
        const prop = nameOf(m.name);
        const decorators = decoratorsOf(m);
        if (prop && decorators.length) members.push({ prop, decorators, at: refOf(file, m) });
      }
      out.push({ name: node.name.text, ...(base ? { extends: base } : {}), decorators: decoratorsOf(node), members, at: refOf(file, node.name) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file.source);
  return out.filter((c) => c.members.length > 0 || c.decorators.some((d) => isEntity(d.name)));
}

function optionString(call: ts.CallExpression | undefined, key: string): string | undefined {
  if (!call) return undefined;
  for (let i = 0; i < call.arguments.length; i++) {
    const v = stringOf(property(objectArg(call, i), key));
    if (v) return v;
  }
  return undefined;
}

function optionTrue(call: ts.CallExpression | undefined, key: string): boolean {
  if (!call) return false;
  return call.arguments.some((_, i) => property(objectArg(call, i), key)?.kind === ts.SyntaxKind.TrueKeyword);
}

function stringList(node: ts.Expression | undefined): string[] {
  if (!node) return [];
  const u = unwrap(node);
  if (ts.isArrayLiteralExpression(u)) return u.elements.flatMap((e) => (stringOf(e) !== undefined ? [stringOf(e)!] : []));
  // `@Index((e: Project) => [e.organizationId, e.name])`
  if (ts.isArrowFunction(u) && !ts.isBlock(u.body)) {
    const body = unwrap(u.body);
    if (ts.isArrayLiteralExpression(body)) return body.elements.flatMap((e) => (ts.isPropertyAccessExpression(e) ? [e.name.text] : []));
  }
  return [];
}

/** Entity tables from the classes of every entity file (inheritance resolved by class name). */
export function typeormTables(classes: readonly ClassInfo[]): SchemaTable[] {
  const byName = new Map<string, ClassInfo>();
  for (const c of classes) if (!byName.has(c.name)) byName.set(c.name, c);
  const chainOf = (c: ClassInfo): ClassInfo[] => {
    const chain: ClassInfo[] = [];
    let current: ClassInfo | undefined = c;
    while (current && chain.length < 8 && !chain.includes(current)) {
      chain.push(current);
      current = current.extends ? byName.get(current.extends) : undefined;
    }
    return chain.reverse();
  };
  const tableOf = (c: ClassInfo): string => {
    const entity = c.decorators.find((d) => isEntity(d.name));
    return stringOf(entity?.call?.arguments[0]) ?? optionString(entity?.call, 'name') ?? optionString(entity?.call, 'tableName') ?? snakeCase(c.name);
  };
  const tables: SchemaTable[] = [];
  for (const c of classes) {
    if (!c.decorators.some((d) => isEntity(d.name))) continue;
    const table: SchemaTable = { name: tableOf(c), model: c.name, source: 'typeorm', columns: [], indexes: [], foreignKeys: [], at: c.at };
    const columnName = (prop: string): string => table.columns.find((col) => (col.field ?? col.name) === prop)?.name ?? prop;
    const classIndexes: Array<{ d: ReturnType<typeof decoratorsOf>[number]; at: SourceRef }> = [];
    for (const k of chainOf(c)) {
      for (const d of k.decorators) if (isIndex(d.name)) classIndexes.push({ d, at: k.at });
      for (const m of k.members) {
        const names = m.decorators.map((d) => d.name);
        const columnDecorator = m.decorators.find((d) => isColumn(d.name));
        if (columnDecorator) {
          const name = optionString(columnDecorator.call, 'name') ?? optionString(columnDecorator.call, 'fieldName') ?? m.prop;
          const column: SchemaColumn = {
            name,
            ...(name !== m.prop ? { field: m.prop } : {}),
            type: stringOf(columnDecorator.call?.arguments[0]) ?? optionString(columnDecorator.call, 'type') ?? columnDecorator.name,
            nullable: optionTrue(columnDecorator.call, 'nullable'),
            at: m.at,
          };
          if (names.some(isPrimary) || optionTrue(columnDecorator.call, 'primary')) {
            column.primaryKey = true;
            table.primaryKey = { columns: [...(table.primaryKey?.columns ?? []), name], at: m.at };
          }
          if (optionTrue(columnDecorator.call, 'unique')) {
            column.unique = true;
            table.indexes.push({ columns: [name], unique: true, constraint: true, at: m.at });
          }
          table.columns = table.columns.filter((existing) => (existing.field ?? existing.name) !== m.prop);
          table.columns.push(column);
        }
        const reference = m.decorators.find((d) => isReference(d.name));
        if (reference) {
          const target = targetName(reference.call?.arguments[0]);
          const join = m.decorators.find((d) => /JoinColumn$/.test(d.name));
          const owning = /ManyToOne$/.test(reference.name) || join !== undefined;
          if (target && owning) {
            const columnOfJoin = optionString(join?.call, 'name') ?? optionString(reference.call, 'joinColumn') ?? optionString(reference.call, 'fieldName') ?? `${m.prop}Id`;
            const fk: SchemaForeignKey = { columns: [columnOfJoin], table: target, referencedColumns: [optionString(join?.call, 'referencedColumnName') ?? 'id'], relation: m.prop, at: m.at };
            table.foreignKeys.push(fk);
            if (!table.columns.some((col) => col.name === columnOfJoin || col.field === columnOfJoin)) {
              table.columns.push({ name: columnOfJoin, type: 'relation', nullable: true, at: m.at });
            }
          }
        }
        const index = m.decorators.find((d) => isIndex(d.name));
        if (index) {
          const fkColumn = reference ? table.foreignKeys.at(-1)?.columns[0] : undefined;
          const column = columnDecorator ? columnName(m.prop) : fkColumn ?? m.prop;
          table.indexes.push({ columns: [column], unique: index.name === 'Unique' || optionTrue(index.call, 'unique'), at: m.at } satisfies SchemaIndex);
        }
      }
    }
    for (const { d, at } of classIndexes) {
      const args = d.call?.arguments ?? [];
      const list = args.map((a) => stringList(a)).find((l) => l.length > 0) ?? [];
      if (list.length === 0) continue;
      const name = stringOf(args[0]);
      table.indexes.push({ ...(name ? { name } : {}), columns: list.map(columnName), unique: d.name === 'Unique' || optionTrue(d.call, 'unique'), at });
    }
    // Relation targets are class names until every class is known.
    table.foreignKeys = table.foreignKeys.map((fk) => {
      const target = byName.get(fk.table);
      return target && target.decorators.some((d) => isEntity(d.name)) ? { ...fk, table: tableOf(target) } : fk;
    });
    tables.push(table);
  }
  return tables;
}
