import { KeywordSet } from '../../keywords.js';
import type { RepoModel } from '../../model.js';
import type { DatabaseSchema, SchemaSource, SchemaTable, SqlDialect } from '../types.js';
import { nonSchemaPath } from '../source-paths.js';
import type { SourceFile } from './ast.js';
import { drizzleTables, linkDrizzle, type DrizzleRelation, type DrizzleTable } from './drizzle.js';
import { collectKysely, kyselyTables, schemaBuilderTables, type KyselyTypes } from './kysely.js';
import { linkSequelize, migrationTables, sequelizeClassTables, sequelizeModels, type SequelizeAssociation, type SequelizeTable } from './sequelize.js';
import { decoratedClasses, typeormOwnTables, typeormTables, type ClassInfo, type TypeormNaming } from './typeorm.js';

const codeFile = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
const declarationFile = /\.d\.[cm]?ts$/;
const migrationPath = /(?:^|\/)migrations?\//i;

const drizzleText = /\b(?:pgTable|mysqlTable|sqliteTable|singlestoreTable|pgTableCreator|mysqlTableCreator|sqliteTableCreator)\b|\.table\(\s*['"`]/;
const decoratorText = /@\w*(?:Entity|Column|ManyToOne|OneToOne|Property|Table)\s*\(/;
const sequelizeText = /\bsequelize\b|\bDataTypes?\.\w+/i;
const kyselyText = /\bkysely\b|\bKysely<|\bGenerated</;
/** A word each of the tests below needs (the decorator names, the substrings they check first): most files have none. */
const ormWords = new KeywordSet(['drizzle-orm', 'Entity', 'Column', 'ManyToOne', 'OneToOne', 'Property', 'Table', 'equelize', 'DataType', 'ysely', 'Generated<']);
const builderWords = new KeywordSet(['createTable', 'addIndex', 'createIndex', 'addConstraint']);

/**
 * The schemas ORM code declares: Drizzle tables, TypeORM/MikroORM entities, Sequelize models and Kysely database
 * interfaces, plus tables that schema-builder migrations (knex, Kysely, Sequelize `queryInterface`) create. Files are
 * picked by a text pre-filter and parsed on the main thread (their file rules then reuse the tree).
 */
export function ormSchemas(model: RepoModel): DatabaseSchema[] {
  return collect(model).schemas;
}

/**
 * TypeORM entities read with TypeORM's exact schema rules and a naming strategy (for schema drift), with the join
 * tables of their many-to-many relations and the entities whose tables TypeORM leaves alone (`synchronize: false`).
 * Only classes of files that import `typeorm` count (MikroORM shares the decorator names).
 */
export function typeormEntities(model: RepoModel, naming: TypeormNaming): { tables: SchemaTable[]; joinTables: string[]; unsynchronized: string[] } {
  const classes = collect(model).classes.filter((c) => /\bfrom\s+['"]typeorm['"]/.test(model.text(c.at.path) ?? ''));
  return { tables: typeormTables(classes, { exact: { naming } }), ...typeormOwnTables(classes) };
}

const collected = new WeakMap<RepoModel, { schemas: DatabaseSchema[]; classes: ClassInfo[] }>();

function collect(model: RepoModel): { schemas: DatabaseSchema[]; classes: ClassInfo[] } {
  const cached = collected.get(model);
  if (cached) return cached;
  const drizzle: DrizzleTable[] = [];
  const relations: DrizzleRelation[] = [];
  const classes: ClassInfo[] = [];
  const sequelize: SequelizeTable[] = [];
  const associations: SequelizeAssociation[] = [];
  const kysely: KyselyTypes = { declarations: new Map(), databases: [] };
  const builders: SchemaTable[] = [];
  const files: Record<'drizzle' | 'typeorm' | 'sequelize' | 'kysely' | 'builder', string[]> = { drizzle: [], typeorm: [], sequelize: [], kysely: [], builder: [] };
  for (const f of model.files) {
    if (!codeFile.test(f.path) || declarationFile.test(f.path) || nonSchemaPath.test(f.path) || /\.(?:test|spec)\.[cm]?[jt]sx?$/.test(f.path)) continue;
    if (!model.mentions(f.path, ormWords) && !(migrationPath.test(f.path) && model.mentions(f.path, builderWords))) continue;
    const text = model.text(f.path);
    if (!text) continue;
    const isDrizzle = text.includes('drizzle-orm') && drizzleText.test(text);
    const isDecorated = text.includes('@') && decoratorText.test(text);
    const isSequelize = (text.includes('equelize') || text.includes('DataType')) && sequelizeText.test(text) && /\.(?:define|init|belongsTo)\s*\(/.test(text);
    const isKysely = (text.includes('ysely') || text.includes('Generated<')) && kyselyText.test(text) && /\b(?:interface|type)\s+\w+/.test(text);
    const isBuilder = migrationPath.test(f.path) && /\b(?:createTable|addIndex|createIndex|addConstraint)\s*\(/.test(text);
    if (!isDrizzle && !isDecorated && !isSequelize && !isKysely && !isBuilder) continue;
    const source = model.ts(f.path);
    if (!source) continue;
    const file: SourceFile = { path: f.path, source };
    if (isDrizzle) {
      const found = drizzleTables(file);
      drizzle.push(...found.tables);
      relations.push(...found.relations);
      if (found.tables.length) files.drizzle.push(f.path);
    }
    if (isDecorated) {
      const found = decoratedClasses(file);
      classes.push(...found);
      if (found.length) files.typeorm.push(f.path);
    }
    if (isSequelize) {
      const found = sequelizeModels(file);
      sequelize.push(...found.tables);
      associations.push(...found.associations);
      if (found.tables.length) files.sequelize.push(f.path);
    }
    if (isKysely) {
      collectKysely(file, kysely);
      files.kysely.push(f.path);
    }
    if (isBuilder) {
      const found = /queryInterface|Sequelize/.test(text) ? migrationTables(file) : schemaBuilderTables(file, /kysely/i.test(text) ? 'kysely' : 'sql');
      builders.push(...found);
      if (found.length) files.builder.push(f.path);
    }
  }
  const schemas: DatabaseSchema[] = [];
  const add = (source: SchemaSource, tables: SchemaTable[], paths: string[], dialect?: SqlDialect): void => {
    if (tables.length) schemas.push({ source, tables, enums: [], files: paths, ...(dialect ? { dialect } : {}) });
  };
  const linked = linkDrizzle(drizzle, relations).map(({ dialect, ...t }) => ({ dialect, t }));
  for (const dialect of ['postgresql', 'mysql', 'sqlite'] as const) add('drizzle', linked.filter((x) => x.dialect === dialect).map((x) => x.t), files.drizzle, dialect);
  add('typeorm', typeormTables(classes), files.typeorm);
  add('sequelize', linkSequelize([...sequelize, ...sequelizeClassTables(classes)], associations), [...files.sequelize, ...files.typeorm]);
  add('kysely', kyselyTables(kysely), files.kysely);
  for (const t of builders) add(t.source, [t], [t.at.path]);
  const result = { schemas, classes };
  collected.set(model, result);
  return result;
}
