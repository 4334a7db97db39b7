import type { Confidence } from '../../core/types.js';
import type { RepoModel } from '../model.js';
import { compareTables, type Drift } from './drift-compare.js';
import { drizzleDrift } from './drift-drizzle.js';
import { typeormDrift } from './drift-typeorm.js';
import { migrationSets, type MigrationSet } from './migrations.js';
import { prismaSchemas, type PrismaSchemaInfo } from './prisma.js';
import { replaySet } from './sql-replay.js';

export type { Drift } from './drift-compare.js';

export interface DriftResult {
  drifts: Drift[];
  /** ORM schemas compared with their migrations. */
  compared: string[];
  /** Migration folders of an ORM that could not be compared, with the reason ("not assessed"). */
  skipped: string[];
}

function comparePrisma(info: PrismaSchemaInfo, set: MigrationSet, replay: Awaited<ReturnType<typeof replaySet>>, drifts: Drift[]): void {
  const confidence: Confidence = replay.issues.length ? 'medium' : 'high';
  compareTables(info.schema.tables, replay, { full: true, compareForeignKeys: !info.emulatedRelations, ormName: 'schema.prisma', migrationsDir: set.dir, confidence, schemas: info.schemas }, drifts);
  for (const e of info.schema.enums) {
    const sql = replay.enums.get(e.name) ?? [...replay.enums.values()].find((x) => x.name.toLowerCase() === e.name.toLowerCase());
    if (!sql) {
      drifts.push({ messageId: 'enumWithoutMigration', data: { enum: e.name, dir: set.dir }, at: e.at, confidence, key: `enum:${e.name}` });
      continue;
    }
    for (const value of e.values) {
      if (sql.values.includes(value)) continue;
      drifts.push({ messageId: 'enumValueWithoutMigration', data: { enum: e.name, value, dir: set.dir }, at: e.valueAt?.[value] ?? e.at, confidence, key: `enumValue:${e.name}:${value}` });
    }
  }
}

const resultCache = new WeakMap<RepoModel, Promise<DriftResult>>();

/**
 * Differences between ORM schemas and the schema their migrations build: Prisma schemas against `prisma/migrations`,
 * Drizzle tables against drizzle-kit's migrations or snapshot, TypeORM entities against their SQL migrations.
 */
export function schemaDrift(model: RepoModel): Promise<DriftResult> {
  let cached = resultCache.get(model);
  if (!cached) resultCache.set(model, (cached = computeDrift(model)));
  return cached;
}

async function computeDrift(model: RepoModel): Promise<DriftResult> {
  await model.whenParsedElsewhere();
  const drifts: Drift[] = [];
  const compared: string[] = [];
  const sets = migrationSets(model);
  for (const info of prismaSchemas(model)) {
    const set = sets.find((s) => s.dir === info.migrationsDir && s.framework === 'prisma');
    const dialect = info.schema.dialect ?? set?.dialect;
    if (!set || (dialect !== 'postgresql' && dialect !== 'cockroachdb') || set.dialect !== dialect) continue;
    comparePrisma(info, set, await replaySet(model, set), drifts);
    compared.push(info.root);
  }
  const drizzle = await drizzleDrift(model, sets);
  const typeorm = await typeormDrift(model, sets);
  return {
    drifts: [...drifts, ...drizzle.drifts, ...typeorm.drifts],
    compared: [...compared, ...drizzle.compared, ...typeorm.compared],
    skipped: [...drizzle.skipped, ...typeorm.skipped],
  };
}
