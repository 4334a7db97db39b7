import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';
import type { Confidence, Severity } from '../../../src/core/types.js';
import { parsePg } from '../../../src/audit/parsers/pg.js';
import { tenancyOf, type CentralScoping, type Tenancy, type TenantTable } from '../../../src/audit/schema/tenancy.js';
import { tenancyOptions, tenancySettings } from '../_tenancy/options.js';
import { helperName, judgeHelpers, parametersUsed, startupFunction, uniquenessCheck, type HelperSignal, type HelperTable } from './helpers.js';
import { judgeSql, sqlCandidate, sqlTableOf, type SqlSignal, type SqlVerdict } from './raw-sql.js';
import { derivedValue, fromPrincipal, judgeMentions, judgeObject, isScoped, onlyTested, outerFunction, resultChecked, resultFiltered, valueVerified, type TableIndex, type Verdict } from './scope.js';
import { membershipNames, membershipVerified } from './membership.js';
import { backgroundTask, importsTaskSdk, publicProcedure, sharedSecretEndpoint } from './contexts.js';
import { classRepositories, drizzleSite, knexSite, kyselySite, prismaSite, sequelizeSite, typeormSite, type Lookup, type QuerySite } from './sites.js';

type Prepared = Pick<Tenancy, 'tables' | 'rootNames' | 'principalNames' | 'scopeRootNames' | 'scoping' | 'supabase' | 'requestGuards'> & {
  /** Lower-cased names of the user↔tenant membership tables (see membership.ts). */
  membershipNames: string[];
};

/**
 * Code that works across tenants on purpose: tests, seeds, scripts, migrations, admin back offices, cron jobs and
 * background tasks (`trigger/` is where Trigger.dev looks for tasks). Their queries are not request paths of one tenant.
 */
const skippedPath =
  /(?:^|\/)(?:__tests__|__mocks__|tests?|specs?|e2e|fixtures?|__fixtures__|mocks?|seeds?|seeders?|seeding|scripts?|migrations?|migrate|alterations?|upgrades?|stories|storybook|playwright|cypress|backoffice|cron|crons|jobs?|workers?|queues?|schedules|startup|trigger)(?:\/|$)|(?:^|\/)admin[\w-]*(?:\/|$)|(?:^|\/)(?:webhook|callback|oauth|auth|emails?|mailers?|notifications?\/templates|subscribers?|listeners?|telemetry|schedulers?)(?:\/|$)|(?:subscriber|listener)\.[cm]?[jt]s$|(?:Task|Job|Processor|Consumer|Worker|Cron)\.[cm]?[jt]s$|[.-](?:task|job|processor|consumer|worker|cron)\.[cm]?[jt]s$|(?:^|\/)[\w-]*webhook(?:-handler)?\.[cm]?[jt]s$|(?:^|\/)[\w-]*telemetry\.[cm]?[jt]s$|\.(?:test|spec|e2e-spec|stories|seed)\.[cm]?[jt]sx?$|(?:^|\/)(?:seed|admin)[-_.][^/]*$/i;

/** Method names that end a query chain or call a data-access API, across the supported libraries. */
const interestingCalls = new Set([
  // Prisma / MikroORM / TypeORM repositories / Sequelize
  'findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'update', 'updateMany', 'updateManyAndReturn', 'delete', 'deleteMany',
  'upsert', 'count', 'aggregate', 'groupBy', 'find', 'findOne', 'findBy', 'findOneBy', 'findAndCount', 'findAndCountBy', 'findOneOrFail', 'findOneByOrFail',
  'countBy', 'exist', 'exists', 'existsBy', 'softDelete', 'restore', 'sum', 'average', 'minimum', 'maximum', 'increment', 'decrement', 'findAll',
  'nativeUpdate', 'nativeDelete', 'findByCursor', 'findAndCountAll', 'destroy', 'findByPk', 'max', 'min', 'findOrCreate',
  // query builders (drizzle, Kysely, knex, TypeORM QueryBuilder): the outermost call of a chain
  'where', 'andWhere', 'orWhere', 'whereIn', 'whereRaw', 'from', 'set', 'limit', 'offset', 'orderBy', 'returning', 'execute', 'executeTakeFirst',
  'executeTakeFirstOrThrow', 'stream', 'then', 'get', 'all', 'values', 'run', 'prepare', 'first', 'select', 'del', 'pluck', 'innerJoin', 'leftJoin',
  'getMany', 'getOne', 'getOneOrFail', 'getRawMany', 'getRawOne', 'getManyAndCount', 'getCount', 'getExists', 'getRawAndEntities', 'groupBy', 'having',
  'for', '$dynamic', 'forUpdate', 'countDistinct', 'onConflictDoNothing', 'onConflictDoUpdate',
  // raw SQL
  'query', 'raw', '$queryRawUnsafe', '$executeRawUnsafe', '$queryRaw', '$executeRaw', 'unsafe', 'many', 'one', 'any', 'oneOrNone', 'manyOrNone',
  'none', 'result', 'maybeOne', 'maybeOneFirst', 'manyFirst', 'exec',
]);
/** knex's table call: `knex('projects')`, `db('projects')`, `trx('projects')`. */
const knexLike = /^(?:knex|db|database|trx|tx|transaction|k|pg|sql|conn|connection|client|\w*(?:Knex|Db|DB|Trx))$/;

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

interface Prepped {
  lookup: Lookup;
  index: TableIndex;
  words: RegExp[];
  /** Every tenant key name of the schema (a selection that reads one back returns the rows' tenants). */
  tenantKeyNames: string[];
  members: ReadonlySet<string>;
  sequelizeModels: Set<string>;
  byTable: Map<string, TenantTable>;
}

const memo = new WeakMap<object, Prepped>();

function prep(prepared: Prepared): Prepped {
  const hit = memo.get(prepared);
  if (hit) return hit;
  const lookup: Lookup = { prisma: new Map(), code: new Map(), sql: new Map() };
  const byTable = new Map<string, TenantTable>();
  const sequelizeModels = new Set<string>();
  const accessors = new Set<string>();
  const codeNames = new Set<string>();
  const tableNames = new Set<string>();
  for (const t of prepared.tables) {
    byTable.set(t.table.toLowerCase(), t);
    lookup.sql.set(t.table.toLowerCase(), t);
    lookup.sql.set(t.table.replace(/^.*\./, '').toLowerCase(), t);
    tableNames.add(t.table.replace(/^.*\./, ''));
    for (const m of t.models) {
      if (m.source === 'prisma') {
        lookup.prisma.set(lowerFirst(m.name), t);
        accessors.add(lowerFirst(m.name));
      } else {
        lookup.code.set(m.name, t);
        codeNames.add(m.name);
        if (m.source === 'sequelize') sequelizeModels.add(m.name);
      }
      byTable.set(m.name.toLowerCase(), t);
    }
  }
  const has = (names: Record<string, string>, name: string): boolean => names[name.toLowerCase()] !== undefined;
  const index: TableIndex = {
    byName: (name) => byTable.get(name.toLowerCase()),
    isRoot: (name) => has(prepared.rootNames, name),
    isPrincipal: (name) => has(prepared.principalNames, name),
    isScopeRoot: (name) => has(prepared.scopeRootNames, name),
  };
  // The text pre-filter: a Prisma accessor followed by an operation, a table variable or class by its exact name, or a
  // table name where SQL or a query builder names tables. Most files of an application mention none of them.
  const alternation = (names: Set<string>): string | undefined => {
    const list = [...names].filter((w) => w.length > 1).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return list.length > 0 ? list.join('|') : undefined;
  };
  // A pattern without names matches nothing, yet a regular expression would still try it at every position of a text.
  const accessorNames = alternation(accessors);
  const variableNames = alternation(codeNames);
  const sqlNames = alternation(tableNames);
  const usage = [
    ...(accessorNames ? [`\\.(?:${accessorNames})\\s*\\.\\s*(?:find|update|delete|count|aggregate|groupBy|upsert)`] : []),
    ...(variableNames ? [`\\b(?:${variableNames})\\b`] : []),
  ];
  const words = [
    ...(usage.length > 0 ? [new RegExp(usage.join('|'))] : []),
    ...(sqlNames ? [new RegExp(`(?:(?:from|join|update|into|table|selectFrom|updateTable|deleteFrom)\\s*\\(?\\s*|\\(\\s*)["'\`]?(?:\\w+["'\`]?\\.["'\`]?)?(?:${sqlNames})\\b`, 'i')] : []),
  ];
  const tenantKeyNames = [...new Set(prepared.tables.flatMap((t) => t.tenantColumns.flatMap((c) => (c.field ? [c.name, c.field] : [c.name]))))];
  const result: Prepped = { lookup, index, words, sequelizeModels, byTable, tenantKeyNames, members: new Set(prepared.membershipNames) };
  memo.set(prepared, result);
  return result;
}

/** `import { segment as dbSegment } from './schema'`: the file's own names for the tables the code refers to by variable. */
function withImportAliases(p: Prepped, source: ts.SourceFile): Prepped {
  let code: Map<string, TenantTable> | undefined;
  const alias = (local: string, original: string | undefined): void => {
    const table = original ? p.lookup.code.get(original) : undefined;
    if (!table || p.lookup.code.has(local)) return;
    code ??= new Map(p.lookup.code);
    code.set(local, table);
  };
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && s.importClause?.namedBindings && ts.isNamedImports(s.importClause.namedBindings)) {
      for (const el of s.importClause.namedBindings.elements) alias(el.name.text, el.propertyName?.text);
    } else if (ts.isVariableStatement(s)) {
      // `const { journey: dbJourney } = schema;`, `const dbJourney = schema.journey;`
      for (const d of s.declarationList.declarations) {
        if (ts.isObjectBindingPattern(d.name)) {
          for (const el of d.name.elements) if (ts.isIdentifier(el.name)) alias(el.name.text, el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : undefined);
        } else if (ts.isIdentifier(d.name) && d.initializer && ts.isPropertyAccessExpression(d.initializer)) alias(d.name.text, d.initializer.name.text);
      }
    }
  }
  return code ? { ...p, lookup: { ...p.lookup, code } } : p;
}

/** What a correct filter looks like for this table, in the words of its ORM. */
function expectedFor(table: TenantTable, index: TableIndex, depth = 0): string {
  const direct = table.tenantColumns.map((c) => c.field ?? c.name);
  if (direct.length > 0) return direct.join(' or ');
  const hop = table.path[0];
  if (!hop || depth > 4) return 'a tenant key';
  const parent = index.byName(hop.to);
  const inner = parent ? expectedFor(parent, index, depth + 1) : 'its tenant key';
  if (hop.relation) return `${hop.relation}: { ${inner} }`;
  return `${hop.columns.map((c) => c.field ?? c.name).join(', ')} of a ${parent?.models[0]?.name ?? hop.to} checked for ${inner}`;
}

/** Finder options that name the tenant or the signed-in user (`findByPk(id, { userId: user.id })`, a custom scoped finder). */
function scopingOptions(options: ts.Expression, table: TenantTable): boolean {
  if (!ts.isObjectLiteralExpression(options)) return false;
  const keys = new Set([...table.tenantColumns, ...table.ownerColumns].flatMap((c) => [c.name, c.field]).filter(Boolean));
  return options.properties.some((p) => {
    if (!ts.isPropertyAssignment(p) && !ts.isShorthandPropertyAssignment(p)) return false;
    const key = p.name.getText();
    const value = ts.isPropertyAssignment(p) ? p.initializer : p.name;
    return keys.has(key) || /^(?:userId|teamId|tenantId|workspaceId|organizationId|orgId|accountId)$/.test(key) || fromPrincipal(value);
  });
}

/** `select: { id: true }`, `attributes: ['id']`: the query reads back nothing but the id. */
function selectsOnlyId(call: ts.Node): boolean {
  if (!ts.isCallExpression(call)) return false;
  return call.arguments.some((a) => {
    if (!ts.isObjectLiteralExpression(a)) return false;
    return a.properties.some((p) => {
      if (!ts.isPropertyAssignment(p)) return false;
      const key = p.name.getText();
      const text = p.initializer.getText().replace(/\s+/g, '');
      return (key === 'select' && /^\{id:true,?\}$/.test(text)) || (key === 'attributes' && /^\[['"]id['"]\]$/.test(text));
    });
  });
}

/** `select: { workspaceId: true }`, `select: { survey: { select: { workspaceId: true } } }`: the row's tenant is read back. */
function selectsTenant(call: ts.Node, table: TenantTable, prepKeys: readonly string[] = []): boolean {
  if (!ts.isCallExpression(call)) return false;
  const arg = call.arguments[0];
  if (!arg || !ts.isObjectLiteralExpression(arg)) return false;
  const select = arg.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === 'select');
  if (!select || !ts.isObjectLiteralExpression(select.initializer)) return false;
  // Anywhere in the selection: `select: { workspaces: { select: { workspaceId: true } } }` reads the tenants back too.
  const keys = [...table.tenantColumns.flatMap((c) => [c.name, c.field]), ...(table.path[0]?.relation ? [table.path[0].relation] : []), ...prepKeys].filter((k): k is string => Boolean(k));
  const text = select.initializer.getText();
  return keys.some((k) => new RegExp(`\\b${k}\\s*:`).test(text));
}

/** A time bucket named in a selection: `fn('DATE_TRUNC', [...]).as('month')`, `DATE_TRUNC('month', d) AS month`. */
const timeBucketAlias = /(?:DATE_TRUNC|date_trunc|strftime|toStartOf(?:Month|Week|Day))\b[^;]*?(?:\.as\(\s*|\bAS\s+)['"`]?(\w+)/g;

/**
 * Platform statistics: counts or sums grouped by a time bucket (`DATE_TRUNC('month', ...)`), directly or through the
 * alias the selection gives it (`groupBy('month')`): no row of any tenant.
 */
function timeSeriesStatistics(text: string): boolean {
  if (!/\b(?:fn\.count|fn\.sum|count|sum)\s*(?:<[^>]*>)?\(/i.test(text)) return false;
  if (/groupBy\s*\([^;]*?(?:DATE_TRUNC|date_trunc|strftime|toStartOf(?:Month|Week|Day))/.test(text)) return true;
  return [...text.matchAll(timeBucketAlias)].some((m) => new RegExp(`groupBy\\s*\\(\\s*['"\`]${m[1]}['"\`]|GROUP\\s+BY\\s+"?${m[1]}\\b`, 'i').test(text));
}

/** What a helper's callers are judged against (plain data: signals cross from the workers). */
function helperTableOf(table: TenantTable): HelperTable {
  return { tenantColumns: table.tenantColumns, ownerColumns: table.ownerColumns, scopeColumns: table.scopeColumns, parentColumns: table.parentColumns, uniqueColumns: [], relations: table.relations, ...(table.scopeRelations ? { scopeRelations: table.scopeRelations } : {}) };
}

function displayName(table: TenantTable): string {
  return table.models[0]?.name ?? table.table;
}

function centralFor(site: QuerySite, scoping: readonly CentralScoping[]): CentralScoping | undefined {
  // A scoped base class only covers calls that go through it; a direct repository call is exactly what bypasses it.
  if (site.orm !== 'prisma') return undefined;
  return scoping.find((s) => s.kind !== 'base-repository' && (!s.models || s.models.some((m) => lowerFirst(m) === lowerFirst(displayName(site.table)))));
}

/** Row-level security the database enforces on its own: enabled, forced (or Supabase, whose API role is no owner), with a policy. */
function databaseEnforced(table: TenantTable, supabase: boolean): boolean {
  const rls = table.rls;
  return Boolean(rls?.enabled && (rls.forced || supabase) && rls.policies.length > 0);
}

/**
 * Raw SQL in a named function that narrows rows by an id its caller passes in (or by nothing at all) is judged by the
 * callers, as an ORM query there is; the table's shape for that judgement travelled with the signal.
 */
function sqlHelper(signal: SqlSignal, verdict: SqlVerdict, data: Record<string, string>): HelperSignal | undefined {
  const table = signal.helperTables?.[verdict.table.table];
  if (!signal.helper || !table) return undefined;
  const unscoped = verdict.strength === 'none';
  if (signal.helper.params.length === 0 && !unscoped) return undefined;
  return {
    kind: 'helper',
    name: signal.helper.name,
    ...(signal.helper.className ? { className: signal.helper.className } : {}),
    params: signal.helper.params,
    messageId: 'rawSql',
    unscoped,
    data,
    start: signal.start,
    end: signal.end,
    table,
    tenantKeyNames: signal.tenantKeyNames ?? [],
  };
}

export default defineRule({
  meta: {
    id: 'tenant-query-unscoped',
    category: 'tenancy',
    checklist: 'TEN-1',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      unscoped:
        '`{{call}}` {{verb}} {{model}} rows without a tenant filter; {{model}} is tenant-owned because {{reason}}, so this query {{reach}} every tenant\'s rows. Add `{{expected}}` with the tenant from the signed-in context to the filter.',
      byIdOnly:
        '`{{call}}` finds {{model}} by its id alone and nothing afterwards compares the row with the caller\'s tenant; {{model}} is tenant-owned because {{reason}}, so whoever knows or guesses an id reaches another tenant\'s row. Add `{{expected}}` to the filter, or check the row\'s tenant before using it.',
      parentOnly:
        '`{{call}}` narrows {{model}} only to a parent record ({{parentKeys}}), not to the tenant; {{model}} is tenant-owned because {{reason}}, so the query is only safe if that parent id was checked against the caller first. Filter through the tenant as well (`{{expected}}`).',
      helperUnchecked:
        '`{{helper}}` looks {{model}} up by an id its caller passes in (`{{call}}`, no tenant filter), and some callers use it without checking that id or the returned row against the signed-in tenant ({{callers}}); {{model}} is tenant-owned because {{reason}}, so a request through those callers can reach another tenant\'s row. Add `{{expected}}` to the helper\'s filter, or check the row\'s tenant in those callers.',
      publicRead:
        '`{{call}}` {{verb}} {{model}} rows in a public tRPC procedure (`publicProcedure`: no signed-in user) without a tenant filter; {{model}} is tenant-owned because {{reason}}. There is no tenant to scope by here, so this is only safe for rows meant to be public (a published page found by its public slug): make sure the filter admits nothing else, or move the call to an authenticated procedure.',
      requestTenant:
        'The tenant filter `{{key}}` of `{{call}}` takes its value from the request (`{{value}}`), so a caller can name another tenant and read or change its {{model}} rows. Take the tenant from the authenticated session or context, or verify the caller\'s membership of that tenant first.',
      centrallyScoped:
        '`{{call}}` has no tenant filter of its own and relies on {{mechanism}} to add one for {{model}} (tenant-owned because {{reason}}). If this call reaches the database through another client, it sees every tenant\'s rows; make sure it uses the scoped client, or add `{{expected}}`.',
      rawSql:
        'This {{verb}} on the tenant-owned table {{model}} has no condition on {{expected}} in WHERE or in its JOIN, so it {{reach}} every tenant\'s rows ({{model}} is tenant-owned because {{reason}}). Constrain the tenant column to the current tenant, passed as a parameter.',
    },
    options: tenancyOptions,
    docs: {
      summary: 'Queries on tenant-owned models or tables without a tenant filter (Prisma, drizzle, Kysely, knex, TypeORM, Sequelize, raw SQL).',
      why: 'In a shared-schema multi-tenant application one missing `where teamId = ...` returns or changes another customer\'s data. Such a gap passes every test that only ever creates one tenant, and it is found by a customer or an attacker who changes an id in a URL (an insecure direct object reference).',
      howToFix:
        'Scope every read and write of tenant-owned data to the tenant of the signed-in user: add the tenant key (or a relation filter to the tenant) to the `where`, look single rows up with `findFirst({ where: { id, teamId } })` rather than by id alone, or check the row\'s tenant right after loading it. Better still, enforce it centrally: a Prisma client extension or a repository that always adds the tenant, and PostgreSQL row-level security (see tenant-rls-missing).',
      examples: {
        invalid: [
          {
            file: 'src/projects.ts',
            code: "import { prisma } from './db';\n\nexport async function renameProject(projectId: string, name: string) {\n  return prisma.project.update({ where: { id: projectId }, data: { name } });\n}\n",
            context: {
              'prisma/schema.prisma': 'model Team {\n  id       String    @id\n  projects Project[]\n}\n\nmodel Project {\n  id     String @id\n  name   String\n  teamId String\n  team   Team   @relation(fields: [teamId], references: [id])\n\n  @@index([teamId])\n}\n',
            },
            note: 'Project has a `teamId`, so it is tenant-owned; the update finds the row by its id alone.',
          },
          {
            file: 'src/tasks.ts',
            code: "import { pool } from './db';\n\nexport async function openTasks() {\n  const { rows } = await pool.query('SELECT * FROM tasks WHERE done = false');\n  return rows;\n}\n",
            context: {
              'migrations/001_init.sql': 'CREATE TABLE orgs (id uuid PRIMARY KEY);\nCREATE TABLE tasks (\n  id uuid PRIMARY KEY,\n  org_id uuid NOT NULL REFERENCES orgs (id),\n  done boolean NOT NULL DEFAULT false\n);\nCREATE INDEX tasks_org_id_idx ON tasks (org_id);\n',
            },
          },
        ],
        valid: [
          {
            file: 'src/projects.ts',
            code: "import { prisma } from './db';\n\nexport async function renameProject(session: { teamId: string }, projectId: string, name: string) {\n  return prisma.project.updateMany({ where: { id: projectId, teamId: session.teamId }, data: { name } });\n}\n",
            context: {
              'prisma/schema.prisma': 'model Team {\n  id       String    @id\n  projects Project[]\n}\n\nmodel Project {\n  id     String @id\n  name   String\n  teamId String\n  team   Team   @relation(fields: [teamId], references: [id])\n\n  @@index([teamId])\n}\n',
            },
          },
          {
            file: 'src/projects.ts',
            code: "import { prisma } from './db';\n\nexport async function getProject(user: { teamId: string }, id: string) {\n  const project = await prisma.project.findUnique({ where: { id } });\n  if (!project || project.teamId !== user.teamId) throw new Error('Not found');\n  return project;\n}\n",
            context: {
              'prisma/schema.prisma': 'model Team {\n  id       String    @id\n  projects Project[]\n}\n\nmodel Project {\n  id     String @id\n  teamId String\n  team   Team   @relation(fields: [teamId], references: [id])\n\n  @@index([teamId])\n}\n',
            },
            note: 'A lookup by id whose result is compared with the caller\'s tenant in the same function is fine.',
          },
        ],
      },
      peers: ['Semgrep community rules for IDOR are per framework; no general linter judges tenant filters against the schema.'],
      limitations: [
        'Which tables are tenant-owned is inferred from the schema (a tenant key column such as `teamId`/`org_id`, or a required reference to such a table); configure `tenantKeys`, `tenantOwned` and `global` when the inference is wrong.',
        'A filter the rule cannot see whole (built by a helper function, passed in as a parameter, spread from an unknown value) is trusted; only filters written out in the same function are judged.',
        'Code that works across tenants on purpose is skipped: tests, seeds, scripts, migrations, `admin*/`, `cron/`, `jobs/`, `workers/`, `queues/`, `schedulers/`, `trigger/`, `telemetry/` and `*telemetry.ts` files, incoming `webhook/` and `callback/`/`oauth/`/`auth/` handlers, email templates, ORM subscribers, and `*Task`/`*Job`/`*Processor` files; also the `run` of a Trigger.dev `task({ id, run })`, and files whose handlers turn a request away unless it carries a secret of the deployment (`token !== process.env.INTERNAL_API_KEY`, `CRON_SECRET`).',
        'A tenant id from the request is trusted once the function has checked, before the query, that the signed-in user belongs to that tenant: a lookup on a membership table (one carrying the tenant key and a users key, with both in one primary key or unique index, or named like `TeamMember`/`UserTeam`), a tenant lookup through its members (`users: { some: { userId } }`) whose result is tested, or the members loaded and searched for the user (`team.users.some((u) => u.userId === userId)`, `include: { users: { where: { userId } } }` then `users.length`). A filter that itself pairs the rows with the signed-in user is that check.',
        'Queries in a tRPC `publicProcedure` have no signed-in tenant: they are reported with low confidence (`publicRead`), as only rows meant to be public may be read there.',
        'Values the function already loaded or checked are trusted: an id read from a row it fetched (`project.id`, `rows.map((r) => r.id)`), an id passed to an earlier lookup or access check in the same function, a secret the caller holds (`token`, `code`, key hashes), the signed-in user (`user.id`, `session.user.email`) and configuration (`env.X`). So are lookups that only test for existence or select the row\'s tenant for the caller to check, and counts that narrow by no key (`count()`, `count({ where: { createdAt: ... } })`) or are grouped by a time bucket, directly or through its alias (`groupBy(\'month\')`).',
        'A users table is only reported when every user is listed; a workspace that users join through its own membership table (a project inside an organisation) is a tenant for the tables below it, and lookups of the workspace by its own id are not reported.',
        'A helper that looks rows up by an id its caller passes in (`findProjectById(id)`, `ProjectsService.findOne(id)`) is judged by its callers across the repository: it is not reported when every caller checks the returned row or the id against the tenant, passes an id it loaded, or runs in skipped code; it is reported, naming the unchecked callers, when one does not; a helper nothing calls is reported with low confidence. Callers are found by name (an imported function, or a method called on a property named after its class). Raw SQL in such a helper is judged the same way, and so is a query in a thunk a helper returns (`cache((id) => async () => ...)`).',
        'Start-up code (a parameterless `init*`/`setup*`/`bootstrap*` function) and reads in functions named for uniqueness or existence checks (`isSlugTaken`, `validUniqueName`) are not reported.',
        'A filter on a parent record only (`where: { projectId }` for a task that reaches the tenant through its project) is reported as `parentOnly` with low confidence: it is safe when that parent id was checked elsewhere.',
        'Tables with row-level security enabled and forced by the migrations, with a policy, are left to the database and not reported.',
        'A Prisma client extension or middleware that adds a tenant filter lowers findings on the models it covers to low severity: the rule cannot tell which client a call uses.',
        'A tenant id taken from the request is not reported when a hook, middleware or guard compares the request\'s tenant with the signed-in one (`workspaceId !== workspace.id` in a `preHandler`, a NestJS `CanActivate` guard).',
        'Raw SQL is judged when it is a literal (or a template whose holes are values) that PostgreSQL\'s parser accepts; SQL assembled from pieces is not.',
      ],
    },
  },
  scope: 'file',
  files: {
    languages: ['ts'],
    keywords: ['.find', '.update', '.delete', '.count', '.aggregate', '.groupBy', '.upsert', 'where', 'query', 'sql`', 'queryRaw', 'executeRaw', 'select', 'destroy', 'findAll', 'findOne', 'findByPk', 'QueryBuilder', '.first(', 'execute', '.raw('],
  },
  async prepare({ model, options }) {
    const tenancy = await tenancyOf(model, tenancySettings(options));
    // The summary step parses raw SQL synchronously with the same parser; load it here, on the main thread.
    if (tenancy.tables.length > 0) await parsePg('SELECT 1');
    const prepared: Prepared = {
      tables: tenancy.tables,
      rootNames: tenancy.rootNames,
      principalNames: tenancy.principalNames,
      scopeRootNames: tenancy.scopeRootNames,
      scoping: tenancy.scoping,
      supabase: tenancy.supabase,
      requestGuards: tenancy.requestGuards,
      membershipNames: tenancy.tables.length > 0 ? await membershipNames(model, tenancy.tables, tenancy.rootNames) : [],
    };
    return prepared;
  },
  check(ctx) {
    const prepared = ctx.prepared;
    if (prepared.tables.length === 0 || skippedPath.test(ctx.file.path)) return;
    const shared = prep(prepared);
    const text = ctx.file.text;
    // Client components never reach the database.
    if (/^\s*(?:\/\/[^\n]*\n\s*)*['"]use client['"]/.test(text) || !shared.words.some((w) => w.test(text))) return;
    // Endpoints only the deployment's own services can call (a scheduler, a queue) work across tenants on purpose.
    if (sharedSecretEndpoint(text)) return;
    const p = withImportAliases(shared, ctx.ast());
    const importsPrisma = /@prisma\/client|from\s+['"][^'"]*(?:prisma|\/db|database)[^'"]*['"]/.test(text);
    const classRepos = new Map<ts.Node, ReturnType<typeof classRepositories>>();
    const reposFor = (node: ts.Node): ReturnType<typeof classRepositories> => {
      let cls: ts.Node | undefined = node.parent;
      while (cls && !ts.isClassDeclaration(cls) && !ts.isClassExpression(cls)) cls = cls.parent;
      const key = cls ?? ctx.file;
      let repos = classRepos.get(key as ts.Node);
      if (!repos) classRepos.set(key as ts.Node, (repos = classRepositories(cls as ts.ClassLikeDeclaration | undefined, p.lookup)));
      return repos;
    };
    // Asked of the file once, and of each function once, not once per query.
    let taskFile: boolean | undefined;
    const statistics = new Map<ts.Node, boolean>();
    const statisticsIn = (fn: ts.FunctionLikeDeclaration): boolean => {
      let found = statistics.get(fn);
      if (found === undefined) statistics.set(fn, (found = timeSeriesStatistics(fn.getText())));
      return found;
    };
    const judge = (site: QuerySite): void => {
      const table = site.table;
      if (databaseEnforced(table, prepared.supabase) || ((taskFile ??= importsTaskSdk(text)) && backgroundTask(site.node))) return;
      let verdict: Verdict;
      if (site.noFilter) verdict = { strength: 'none' };
      else if (site.byKey) {
        // `findByPk(row.parentId)`, or a custom finder scoped by options (`findByPk(id, { userId: user.id })`).
        verdict = {
          strength: (site.keyValue && (derivedValue(site.keyValue, site.node) || fromPrincipal(site.keyValue))) || (site.keyOptions && scopingOptions(site.keyOptions, table)) ? 'owner' : 'unique',
        };
      }
      else if (site.filter) verdict = judgeObject(site.filter, table, { tables: p.index, query: site.node });
      else {
        // Every name this file knows the table by (the Drizzle variable, import aliases) refers to its columns.
        const receivers = new Set(site.receivers);
        for (const [name, t] of p.lookup.code) if (t === table) receivers.add(name);
        verdict = judgeMentions(site.mentions ?? [], table, receivers);
        // `from(apps).innerJoin(projects, ...).where(eq(projects.orgId, orgId))`: the joined parent carries the tenant.
        for (const j of site.joined ?? []) {
          if (isScoped(verdict.strength) || verdict.fromRequest) break;
          const v = judgeMentions(site.mentions ?? [], j.table, new Set([j.name]));
          if (v.strength === 'tenant' || v.strength === 'owner' || v.fromRequest) verdict = v;
        }
      }
      const fn = outerFunction(site.node);
      const data = { call: site.call, model: displayName(table), reason: table.reason, expected: expectedFor(table, p.index) };
      // Nobody is signed in: a tenant id in the input is the caller's choice by design, and so is a lookup by id.
      const reportPublic = (): void => {
        const writes = /update|delete|destroy|upsert|increment|decrement|restore/i.test(site.op);
        ctx.report({ messageId: 'publicRead', node: site.node, data: { ...data, verb: writes ? 'changes' : 'reads' }, severity: 'medium', confidence: 'low' });
      };
      if (verdict.fromRequest) {
        const value = verdict.fromRequest.value;
        // A hook or guard compares the request's tenant with the signed-in one before any handler runs; a filter that
        // also pairs the row with the signed-in user (a membership row, `team: { users: { some: { userId } } }`) is
        // that check itself.
        if (prepared.requestGuards.length > 0 || verdict.principal) return;
        const verified = (v: string): boolean => valueVerified(v, fn, site.node) || membershipVerified(v, fn, site.node, p.members);
        if (!verified(value.replace(/^.*\./, '')) && !verified(value)) {
          if (publicProcedure(site.node)) return reportPublic();
          ctx.report({ messageId: 'requestTenant', node: verdict.fromRequest.node, data: { ...data, key: verdict.fromRequest.key, value: value.length > 60 ? `${value.slice(0, 57)}...` : value } });
        }
        return;
      }
      if (isScoped(verdict.strength)) return;
      const writes = /update|delete|destroy|upsert|increment|decrement|restore/i.test(site.op);
      // Users tables: lookups by the user's own keys are sign-in and profile code; only listing every user is reported.
      if (table.principal && !(site.noFilter && !site.single)) return;
      // A workspace looked up by its own id: the id is the tenant handle itself (like a team).
      if (table.workspace && (site.single || verdict.strength === 'unique')) return;
      // Start-up code (`initCronJobs()`) works across tenants on purpose; a uniqueness check reads no tenant data.
      if (startupFunction(fn) || (uniquenessCheck(fn) && !/update|delete|destroy|upsert/i.test(site.op))) return;
      if ((site.single || verdict.strength === 'unique' || verdict.strength === 'parent') && resultChecked(site.resultCall, table, fn)) return;
      if (!site.single && resultFiltered(site.resultCall, table, fn, p.tenantKeyNames)) return;
      // An existence check (only the id read back, or the row only tested for presence) reveals no tenant data; a
      // lookup that selects the row's tenant (`select: { workspaceId: true }`) is an ownership lookup for the caller.
      if (site.single && (selectsOnlyId(site.node) || onlyTested(site.resultCall, fn))) return;
      if (!/update|delete|destroy|upsert/i.test(site.op) && selectsTenant(site.node, table, p.tenantKeyNames)) return;
      // A count that narrows by no key (all rows, or all rows of a year) is usage statistics, not a read of tenant
      // data; so are counts per month or week.
      if (verdict.strength === 'none' && /^(?:count|aggregate)$/.test(site.op)) return;
      if (!writes && fn && statisticsIn(fn)) return;
      const central = centralFor(site, prepared.scoping);
      if (central) {
        const mechanism = central.kind === 'prisma-extension' ? `the Prisma client extension at ${central.path}:${central.line}` : central.kind === 'prisma-middleware' ? `the Prisma middleware at ${central.path}:${central.line}` : `the scoped repository at ${central.path}:${central.line}`;
        ctx.report({ messageId: 'centrallyScoped', node: site.node, data: { ...data, mechanism }, severity: 'low', confidence: 'low' });
        return;
      }
      if (publicProcedure(site.node)) return reportPublic();
      const severity: Severity | undefined = verdict.strength === 'parent' ? 'medium' : undefined;
      const confidence: Confidence | undefined = verdict.strength === 'parent' ? 'low' : undefined;
      const messageId = verdict.strength === 'parent' ? 'parentOnly' : verdict.strength === 'unique' ? 'byIdOnly' : 'unscoped';
      const parentKeys = table.parentColumns.map((c) => c.field ?? c.name).join(', ') || 'a parent id';
      // A helper that looks a row up by an id its caller passes in is judged by its callers, in the summary.
      const helper = fn ? helperName(fn) : undefined;
      const params = helper && fn ? parametersUsed([...(site.filter ? [site.filter] : []), ...(site.mentions ?? []), ...(site.keyValue ? [site.keyValue] : [])], fn) : [];
      // An unscoped query is only the callers' business when they can narrow it: by the id they pass, or by filtering
      // what it returns. A lookup by a column the caller passes in (`pullRequestId`) is judged by its callers too.
      if (helper && (params.length > 0 || messageId === 'unscoped')) {
        const signal: HelperSignal = {
          kind: 'helper',
          ...helper,
          params,
          messageId,
          data: { ...data, verb: writes ? 'changes' : 'reads', reach: writes ? 'changes' : 'reads', parentKeys },
          start: site.node.getStart(),
          end: site.node.getEnd(),
          ...(severity ? { severity } : {}),
          ...(confidence ? { confidence } : {}),
          table: helperTableOf(table),
          tenantKeyNames: p.tenantKeyNames,
        };
        ctx.emit(signal);
        return;
      }
      ctx.report({
        messageId,
        node: site.node,
        data: { ...data, verb: writes ? 'changes' : site.op === 'count' || site.op === 'aggregate' ? 'counts' : 'reads', reach: writes ? 'changes' : 'reads', parentKeys },
        ...(severity ? { severity } : {}),
        ...(confidence ? { confidence } : {}),
      });
    };
    return {
      CallExpression(node) {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
        // One set lookup rejects the calls of ordinary code (`useState`, `map`, `t`) before any chain is examined.
        if (name === undefined || (!interestingCalls.has(name) && !(ts.isIdentifier(callee) && knexLike.test(name)))) return;
        const site =
          prismaSite(call, p.lookup, importsPrisma) ??
          drizzleSite(call, p.lookup) ??
          sequelizeSite(call, p.lookup, p.sequelizeModels) ??
          typeormSite(call, p.lookup, () => reposFor(call)) ??
          kyselySite(call, p.lookup) ??
          knexSite(call, p.lookup);
        if (site) {
          judge(site);
          return;
        }
        emitSql(call);
      },
      TaggedTemplateExpression(node) {
        emitSql(node);
      },
    };

    function emitSql(node: ts.Node): void {
      const candidate = sqlCandidate(node, p.lookup);
      if (!candidate) return;
      const tables = [...p.byTable.values()].filter((t, i, all) => all.indexOf(t) === i && new RegExp(`\\b${t.table.replace(/^.*\./, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(candidate.sql));
      const direct = tables.filter((t) => !databaseEnforced(t, prepared.supabase));
      if (direct.length === 0) return;
      // SQL in a named function is judged by its callers in the summary, like an ORM query (once parsed there).
      const fn = outerFunction(candidate.node);
      const helper = fn ? helperName(fn) : undefined;
      const signal: SqlSignal = {
        kind: 'sql',
        sql: candidate.sql,
        start: candidate.node.getStart(),
        end: candidate.node.getEnd(),
        requestParams: candidate.requestParams,
        tables: direct.map((t) => sqlTableOf(t, t.tenantColumns.map((c) => c.name).join(' or ') || expectedFor(t, p.index))),
        call: candidate.call,
        ...(prepared.requestGuards.length > 0 ? { guarded: true } : {}),
        ...(helper && fn ? { helper: { ...helper, params: parametersUsed(candidate.values, fn) }, helperTables: Object.fromEntries(direct.map((t) => [t.table, helperTableOf(t)])), tenantKeyNames: p.tenantKeyNames } : {}),
      };
      ctx.emit(signal);
    }
  },
  summarize(ctx, signals) {
    const helpers = new Map<HelperSignal, string>();
    for (const { path, value } of signals) if ((value as HelperSignal).kind === 'helper') helpers.set(value as HelperSignal, path);
    const guarded = signals.some((s) => (s.value as { guarded?: boolean }).guarded);
    for (const { path, value } of signals) {
      const signal = value as SqlSignal;
      if (signal.kind !== 'sql') continue;
      const verdict = judgeSql(signal);
      if (!verdict) continue;
      const range = { start: signal.start, end: signal.end };
      if ('fromRequest' in verdict && verdict.fromRequest) {
        if (guarded) continue;
        ctx.report({ messageId: 'requestTenant', path, range, data: { key: verdict.fromRequest, call: signal.call, value: 'a request parameter', model: verdict.table.table } });
        continue;
      }
      const writes = verdict.verb !== 'SELECT';
      const data = { verb: verdict.verb, model: verdict.table.table, expected: verdict.table.expected, reason: verdict.table.reason, reach: writes ? 'changes' : 'reads', call: signal.call };
      const helper = sqlHelper(signal, verdict as SqlVerdict, data);
      if (helper) helpers.set(helper, path);
      else ctx.report({ messageId: 'rawSql', path, range, data });
    }
    if (helpers.size === 0) return;
    const verdicts = judgeHelpers(ctx.model, [...helpers.keys()], helpers, skippedPath);
    for (const [h, verdict] of verdicts) {
      if (verdict.kind === 'verified') continue;
      const common = { path: helpers.get(h)!, range: { start: h.start, end: h.end }, ...(h.severity ? { severity: h.severity } : {}), ...(h.confidence ? { confidence: h.confidence } : {}) };
      if (verdict.kind === 'uncalled') {
        // Nothing in the repository calls the helper: a latent gap rather than a reachable one.
        ctx.report({ messageId: h.messageId, data: h.data, ...common, confidence: 'low' });
        continue;
      }
      if (h.messageId === 'unscoped' || h.unscoped) {
        ctx.report({ messageId: h.messageId, data: h.data, ...common });
        continue;
      }
      const shown = verdict.callers.slice(0, 3).join(', ') + (verdict.callers.length > 3 ? ` and ${verdict.callers.length - 3} more` : '');
      ctx.report({ messageId: 'helperUnchecked', data: { ...h.data, helper: h.className ? `${h.className}.${h.name}` : h.name, callers: shown }, ...common });
    }
  },
});
