import type { RepoModel } from '../model.js';
import { compareTables, type Drift } from './drift-compare.js';
import type { MigrationSet } from './migrations.js';
import { typeormEntities } from './orm/index.js';
import type { TypeormNaming } from './orm/typeorm.js';
import { replaySet } from './sql-replay.js';
import { upRange } from './source-paths.js';

export interface TypeormDrift {
  drifts: Drift[];
  compared: string[];
  /** Migration folders that could not be compared, with the reason. */
  skipped: string[];
}

/** QueryRunner calls that read or wrap, rather than change, the schema. */
const queryRunnerReads = /^(?:query|manager|connection|release|startTransaction|commitTransaction|rollbackTransaction|isTransactionActive|hasTable|hasColumn|hasSchema|hasDatabase|getTable|getTables|getView|getViews|getCurrentSchema|getCurrentDatabase|clearSqlMemory)$/;

/**
 * Why a TypeORM migration cannot be replayed, if it cannot: it builds the schema through the QueryRunner API
 * (`createTable(new Table(…))`, `addColumn`…), or passes SQL held in a variable.
 */
function notReplayable(text: string): string | undefined {
  const { start, end } = upRange(text);
  const up = text.slice(start, end);
  const runner = /(\w+)\s*:\s*QueryRunner\b/.exec(up)?.[1] ?? 'queryRunner';
  // The first character of the first argument, past comments.
  for (const m of up.matchAll(new RegExp(`\\b${runner}\\.(\\w+)\\s*\\(\\s*(?:\\/\\/[^\\n]*\\n\\s*|\\/\\*[\\s\\S]*?\\*\\/\\s*)*(.)`, 'g'))) {
    if (!queryRunnerReads.test(m[1]!)) return `it builds the schema through the QueryRunner API (\`${m[1]}\`)`;
    if (m[1] === 'query' && !/[`'"]/.test(m[2]!)) return 'it passes SQL built at run time to `query`';
  }
  return undefined;
}

/** The naming strategy of the package's data source: TypeORM's default, snake_case, or another (unknown) one. */
function namingOf(model: RepoModel, packageDir: string): TypeormNaming | { other: string } {
  const prefix = packageDir === '.' ? '' : `${packageDir}/`;
  for (const f of model.find((x) => x.path.startsWith(prefix) && /\.[cm]?[jt]s$/.test(x.path))) {
    const text = model.text(f.path) ?? '';
    if (!text.includes('namingStrategy')) continue;
    const m = /\bnamingStrategy\s*:\s*(?:new\s+)?([\w.]+)/.exec(text);
    if (!m) continue;
    return /^SnakeNamingStrategy$/.test(m[1]!) ? 'snake' : /^DefaultNamingStrategy$/.test(m[1]!) ? 'default' : { other: m[1]! };
  }
  return 'default';
}

/** TypeORM's own tables, which no entity declares. */
const typeormTables = new Set(['migrations', 'typeorm_metadata', 'query-result-cache']);

/**
 * TypeORM entities against what their migrations build, where that can be determined: PostgreSQL migrations whose
 * `up` runs literal SQL through `queryRunner.query` (as `migration:generate` writes them), and a default or
 * snake_case naming strategy. Other folders are skipped with the reason.
 */
export async function typeormDrift(model: RepoModel, sets: readonly MigrationSet[]): Promise<TypeormDrift> {
  const result: TypeormDrift = { drifts: [], compared: [], skipped: [] };
  const typeormSets = sets.filter((s) => s.framework === 'typeorm');
  for (const set of typeormSets) {
    const skip = (reason: string): void => void result.skipped.push(`${set.dir}: ${reason}`);
    const texts = set.migrations.map((m) => ({ path: m.path, text: model.text(m.path) ?? '' }));
    const postgres = set.dialect === 'postgresql' || set.dialect === 'cockroachdb' || (set.dialect === 'unknown' && texts.some((t) => /"\w+"/.test(t.text)) && !texts.some((t) => /`\w+`\s*\(/.test(t.text)));
    if (!postgres) {
      skip(`TypeORM migrations for ${set.dialect} are not replayed`);
      continue;
    }
    const blocked = texts.map((t) => ({ path: t.path, why: notReplayable(t.text) })).find((t) => t.why);
    if (blocked) {
      skip(`${blocked.path} cannot be replayed: ${blocked.why}`);
      continue;
    }
    const packageDir = model.file(set.migrations[0]!.path)?.packageDir ?? '.';
    const naming = namingOf(model, packageDir);
    if (typeof naming === 'object') {
      skip(`column names come from the naming strategy \`${naming.other}\`, which is not modelled`);
      continue;
    }
    const entities = typeormEntities(model, naming);
    const samePackage = entities.tables.filter((t) => model.file(t.at.path)?.packageDir === packageDir);
    const own = (samePackage.length || typeormSets.length > 1 ? samePackage : entities.tables).filter((t) => !entities.unsynchronized.includes(t.name));
    if (own.length === 0) {
      skip('no TypeORM entities found for these migrations');
      continue;
    }
    const replay = await replaySet(model, set);
    // Tables TypeORM makes for itself or that no entity column describes are left out of "only in the migrations".
    const unowned = new Set([...typeormTables, ...entities.joinTables, ...entities.unsynchronized].map((n) => n.toLowerCase()));
    const built = { tables: new Map([...replay.tables].filter(([name]) => !unowned.has(name.toLowerCase()))), table: (n: string) => replay.table(n), issues: replay.issues };
    const schemas = [...new Set(['public', ...own.filter((t) => t.name.includes('.')).map((t) => t.name.slice(0, t.name.indexOf('.')))])];
    const confidence = replay.issues.length ? 'low' : 'medium';
    compareTables(own, built, { full: false, compareForeignKeys: false, ormName: 'the TypeORM entities', migrationsDir: set.dir, confidence, schemas }, result.drifts);
    result.compared.push(set.dir);
  }
  return result;
}
