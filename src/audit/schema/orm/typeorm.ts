import { ts } from '../../parsers/ts.cjs';
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

function optionFalse(call: ts.CallExpression | undefined, key: string): boolean {
  if (!call) return false;
  return call.arguments.some((_, i) => property(objectArg(call, i), key)?.kind === ts.SyntaxKind.FalseKeyword);
}

/** TypeORM's `camelCase` (used by its default naming strategy for join columns): `photo_id` → `photoId`. */
function camelCase(text: string): string {
  return text.replace(/^([A-Z])|[\s_-]+(\w)/g, (match, first: string | undefined, next: string | undefined, offset: number) => (next ? next.toUpperCase() : offset === 0 ? first!.toLowerCase() : first!));
}

/** How column, join-column and join-table names are derived: TypeORM's default strategy, or snake_case ones. */
export type TypeormNaming = 'default' | 'snake';

export interface TypeormTableOptions {
  /**
   * Apply TypeORM's schema rules exactly, as schema drift needs: relation columns take the relation's `nullable`,
   * `@DeleteDateColumn` is nullable, embedded columns are expanded, single-table children add their columns to the
   * parent. Tenancy reads relations as nullable and is left on the approximate reading.
   */
  exact?: { naming: TypeormNaming };
}

/** `@Column(() => Profile, { prefix })`: an embedded class whose columns are stored in the entity's table. */
function embeddedOf(decorator: Member['decorators'][number] | undefined): { target: string; prefix: string | false | undefined } | undefined {
  const first = decorator?.call?.arguments[0];
  if (!first || !/^(?:Column|Embedded)$/.test(decorator.name)) return undefined;
  const u = unwrap(first);
  if (!ts.isArrowFunction(u) && !ts.isFunctionExpression(u)) return undefined;
  const target = targetName(first);
  if (!target) return undefined;
  const prefix = property(objectArg(decorator.call!, 1), 'prefix');
  return { target, prefix: prefix?.kind === ts.SyntaxKind.FalseKeyword ? false : stringOf(prefix) };
}

/**
 * Tables of entity classes that TypeORM does not derive from their columns: the join tables of owning `@ManyToMany`
 * sides (`@JoinTable`: its `name`, or `<table>_<property>_<target table>` in snake_case, which the default and the
 * snake_case strategies agree on), and entities marked `synchronize: false`, whose tables are managed by hand.
 */
export function typeormOwnTables(classes: readonly ClassInfo[]): { joinTables: string[]; unsynchronized: string[] } {
  const tables = typeormTables(classes);
  const tableOfClass = new Map(tables.map((t) => [t.model!, t.name]));
  const joinTables: string[] = [];
  const unsynchronized: string[] = [];
  for (const c of classes) {
    const owner = tableOfClass.get(c.name);
    if (!owner) continue;
    if (optionFalse(c.decorators.find((d) => isEntity(d.name))?.call, 'synchronize')) unsynchronized.push(owner);
    for (const m of c.members) {
      const join = m.decorators.find((d) => /JoinTable$/.test(d.name));
      const many = m.decorators.find((d) => /ManyToMany$/.test(d.name));
      if (!join || !many) continue;
      const explicit = optionString(join.call, 'name');
      const target = tableOfClass.get(targetName(many.call?.arguments[0]) ?? '');
      if (explicit) joinTables.push(explicit);
      else if (target) joinTables.push(snakeCase(`${owner}_${m.prop}_${target}`));
    }
  }
  return { joinTables, unsynchronized };
}

/** Entity tables from the classes of every entity file (inheritance resolved by class name). */
export function typeormTables(classes: readonly ClassInfo[], options: TypeormTableOptions = {}): SchemaTable[] {
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
  const exact = options.exact;
  const snake = exact?.naming === 'snake';
  /** The column name TypeORM derives for a property (inside embedded classes, under their prefixes). */
  const derivedName = (prop: string, custom: string | undefined, prefixes: readonly string[]): string => {
    if (!exact) return custom ?? prop;
    if (snake) return (prefixes.length ? `${snakeCase(prefixes.join('_'))}_` : '') + (custom ?? snakeCase(prop));
    const own = custom ?? prop;
    return prefixes.length ? camelCase(prefixes.join('_')) + own.charAt(0).toUpperCase() + own.slice(1) : own;
  };
  /** Members stored in an entity's table: its own and inherited ones, and those of single-table-inheritance children. */
  const membersOf = (c: ClassInfo): ClassInfo[] => {
    const chain = chainOf(c);
    if (!exact || !c.decorators.some((d) => d.name === 'TableInheritance')) return chain;
    const children = classes.filter((k) => k !== c && k.decorators.some((d) => /ChildEntity$/.test(d.name)) && chainOf(k).includes(c));
    return [...chain, ...children];
  };
  const tables: SchemaTable[] = [];
  for (const c of classes) {
    if (!c.decorators.some((d) => isEntity(d.name))) continue;
    const table: SchemaTable = { name: tableOf(c), model: c.name, source: 'typeorm', columns: [], indexes: [], foreignKeys: [], at: c.at };
    const columnName = (prop: string): string => table.columns.find((col) => (col.field ?? col.name) === prop)?.name ?? prop;
    const classIndexes: Array<{ d: ReturnType<typeof decoratorsOf>[number]; at: SourceRef }> = [];
    const inheritance = exact ? c.decorators.find((d) => d.name === 'TableInheritance') : undefined;
    if (inheritance) {
      const discriminator = property(objectArg(inheritance.call!, 0), 'column');
      const name = discriminator && ts.isObjectLiteralExpression(unwrap(discriminator)) ? stringOf(property(unwrap(discriminator) as ts.ObjectLiteralExpression, 'name')) : stringOf(discriminator);
      table.columns.push({ name: name ?? 'type', type: 'discriminator', nullable: false, at: c.at });
    }
    for (const k of membersOf(c)) {
      for (const d of k.decorators) if (isIndex(d.name)) classIndexes.push({ d, at: k.at });
      for (const m of k.members) {
        const names = m.decorators.map((d) => d.name);
        const columnDecorator = m.decorators.find((d) => isColumn(d.name));
        const embedded = exact ? embeddedOf(columnDecorator) : undefined;
        if (embedded) {
          const inner = byName.get(embedded.target);
          const prefixes = embedded.prefix === false ? [] : [embedded.prefix ?? m.prop];
          for (const im of inner?.members ?? []) {
            const d = im.decorators.find((x) => isColumn(x.name));
            if (!d || embeddedOf(d)) continue;
            const name = derivedName(im.prop, optionString(d.call, 'name'), prefixes);
            table.columns.push({ name, field: `${m.prop}.${im.prop}`, type: d.name, nullable: optionTrue(d.call, 'nullable'), at: m.at });
          }
          continue;
        }
        if (columnDecorator) {
          const name = derivedName(m.prop, optionString(columnDecorator.call, 'name') ?? optionString(columnDecorator.call, 'fieldName'), []);
          // A soft-delete column is empty until a row is deleted: TypeORM creates it nullable.
          const nullableByDefault = exact !== undefined && /DeleteDateColumn$/.test(columnDecorator.name);
          const column: SchemaColumn = {
            name,
            ...(name !== m.prop ? { field: m.prop } : {}),
            type: stringOf(columnDecorator.call?.arguments[0]) ?? optionString(columnDecorator.call, 'type') ?? columnDecorator.name,
            nullable: nullableByDefault ? !optionFalse(columnDecorator.call, 'nullable') : optionTrue(columnDecorator.call, 'nullable'),
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
            const referenced = optionString(join?.call, 'referencedColumnName') ?? 'id';
            const derived = !exact ? `${m.prop}Id` : snake ? snakeCase(`${m.prop}_${referenced}`) : camelCase(`${m.prop}_${referenced}`);
            const columnOfJoin = optionString(join?.call, 'name') ?? optionString(reference.call, 'joinColumn') ?? optionString(reference.call, 'fieldName') ?? derived;
            const fk: SchemaForeignKey = { columns: [columnOfJoin], table: target, referencedColumns: [referenced], relation: m.prop, at: m.at };
            table.foreignKeys.push(fk);
            if (!table.columns.some((col) => col.name === columnOfJoin || col.field === columnOfJoin)) {
              // TypeORM makes a relation's column NOT NULL only for `nullable: false` (or a primary relation).
              const nullable = !exact || (!optionFalse(reference.call, 'nullable') && !optionTrue(reference.call, 'primary'));
              table.columns.push({ name: columnOfJoin, type: 'relation', nullable, at: m.at });
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
