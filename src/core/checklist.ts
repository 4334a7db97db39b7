/** The checklist from CHECKLIST.md: the spine every rule and every generated file answers to. */

export const sections = {
  TEN: 'Multi-tenancy',
  API: 'API-first design',
  DB: 'Database',
  SEC: 'Security',
  OBS: 'Observability',
  CI: 'Delivery',
  SCL: 'Scalability and resilience',
  OPS: 'Day-one foundations',
} as const;

export type SectionId = keyof typeof sections;

export interface ChecklistItem {
  readonly id: string;
  readonly section: SectionId;
  readonly title: string;
  /** What the audit looks at, from the checklist's Audit column. */
  readonly audit: string;
}

export const checklist: readonly ChecklistItem[] = [
  { id: 'TEN-1', section: 'TEN', title: 'Every read and write of tenant-owned data is scoped to the current tenant.', audit: 'Query call sites on tenant-owned models/tables without a tenant filter: Prisma, Drizzle, Kysely, Knex, TypeORM, Sequelize, and raw SQL through pg / postgres.js / mysql2. Which models are tenant-owned is inferred from the schema (a tenant key column) and can be configured.' },
  { id: 'TEN-2', section: 'TEN', title: 'Isolation is enforced at the data layer, not only in handlers.', audit: 'Tenant tables without RLS in migrations; or no central scoping mechanism (ORM extension/middleware) at all.' },
  { id: 'TEN-3', section: 'TEN', title: 'The tenant key leads the indexes of tenant tables.', audit: 'Tenant tables whose tenant column is not the leading column of any index.' },
  { id: 'TEN-4', section: 'TEN', title: 'A tenant can be moved to dedicated resources without a rewrite (hybrid model).', audit: 'Informational.' },
  { id: 'API-1', section: 'API', title: 'The API is versioned.', audit: 'Routes without a version segment or version negotiation.' },
  { id: 'API-2', section: 'API', title: 'The contract is written down (OpenAPI) and kept in sync.', audit: 'No spec; spec that does not match the routes.' },
  { id: 'API-3', section: 'API', title: 'Authentication and authorization are enforced at the API layer.', audit: 'Route registrations without an auth guard.' },
  { id: 'API-4', section: 'API', title: 'Every input is validated.', audit: 'Handlers reading body/query/params without a schema or validator.' },
  { id: 'API-5', section: 'API', title: 'Requests are rate limited.', audit: 'No rate limiting in a server that exposes routes.' },
  { id: 'API-6', section: 'API', title: 'Errors follow one format and never leak internals.', audit: 'Handlers that send `err.stack`/raw errors; no central error handler.' },
  { id: 'DB-1', section: 'DB', title: 'Every schema change has a migration.', audit: 'ORM schema (Prisma, Drizzle, TypeORM entities) that differs from what the migrations build; DB dependency with no migrations at all.' },
  { id: 'DB-2', section: 'DB', title: 'Migrations are safe and backward-compatible.', audit: 'Dropping/renaming columns or tables, NOT NULL without default, non-concurrent index creation, type changes, and similar (the territory of squawk / strong_migrations).' },
  { id: 'DB-3', section: 'DB', title: 'Connections are pooled.', audit: 'A client or pool created per request; no pool at all.' },
  { id: 'DB-4', section: 'DB', title: 'Deletes are soft where data matters.', audit: 'Tenant tables without a soft-delete column (informational).' },
  { id: 'DB-5', section: 'DB', title: 'Sensitive actions leave an audit trail.', audit: 'No audit log anywhere.' },
  { id: 'DB-6', section: 'DB', title: 'Backups and point-in-time recovery are configured.', audit: 'Database resources in IaC without backups/PITR/deletion protection.' },
  { id: 'SEC-1', section: 'SEC', title: 'No secret is hardcoded or committed.', audit: 'Provider keys, tokens, private keys, passwords and connection strings with credentials in source, config and committed `.env` files; high-entropy assignments to secret-like names.' },
  { id: 'SEC-2', section: 'SEC', title: 'Secrets handling is set up.', audit: '`.env` not ignored or committed; no example file.' },
  { id: 'SEC-3', section: 'SEC', title: 'Access tokens are short-lived; refresh tokens rotate with reuse detection.', audit: 'Tokens signed without expiry or with long expiry.' },
  { id: 'SEC-4', section: 'SEC', title: 'Tokens are verified strictly.', audit: 'Verification without pinned algorithms, `none`, decode used as verify, hardcoded signing keys.' },
  { id: 'SEC-5', section: 'SEC', title: 'Passwords are hashed with a password hash.', audit: 'md5/sha1/sha256 on passwords; low bcrypt cost.' },
  { id: 'SEC-6', section: 'SEC', title: 'Authorization is role-based and checked on the server.', audit: 'No authorization checks at all on mutating routes (heuristic).' },
  { id: 'SEC-7', section: 'SEC', title: 'Administrative and sensitive operations require MFA.', audit: 'Informational: no MFA capability.' },
  { id: 'SEC-8', section: 'SEC', title: 'Sessions can be revoked; devices are tracked.', audit: 'Informational.' },
  { id: 'SEC-9', section: 'SEC', title: 'No injection.', audit: 'SQL/shell/code built from strings with interpolated input; `eval`/`new Function`.' },
  { id: 'SEC-10', section: 'SEC', title: 'Browser-facing hardening.', audit: 'No security headers; `origin: \'*\'` with credentials; raw HTML sinks.' },
  { id: 'SEC-11', section: 'SEC', title: 'Encryption in transit.', audit: '`rejectUnauthorized: false`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, plain-HTTP listeners in IaC, weak TLS policies.' },
  { id: 'SEC-12', section: 'SEC', title: 'Encryption at rest.', audit: 'Unencrypted storage resources in IaC.' },
  { id: 'SEC-13', section: 'SEC', title: 'Dependencies are locked and scanned.', audit: 'No lockfile; no dependency scanning in CI.' },
  { id: 'SEC-14', section: 'SEC', title: 'Secure randomness and safe parsing.', audit: '`Math.random` for tokens/ids; unsafe deserialization.' },
  { id: 'OBS-1', section: 'OBS', title: 'Logs are structured JSON.', audit: 'No structured logger; `console.*` in server code.' },
  { id: 'OBS-2', section: 'OBS', title: 'Every request has a correlation ID; logs carry tenant, user, operation, duration, status.', audit: 'No request-ID handling.' },
  { id: 'OBS-3', section: 'OBS', title: 'Latency (p50/p95/p99), error-rate and business metrics are exported.', audit: 'No metrics.' },
  { id: 'OBS-4', section: 'OBS', title: 'Liveness and readiness are exposed.', audit: 'No health endpoint.' },
  { id: 'OBS-5', section: 'OBS', title: 'Alerts are actionable and have runbooks.', audit: 'No alert definitions or runbooks.' },
  { id: 'OBS-6', section: 'OBS', title: 'Errors are never swallowed.', audit: 'Empty catch blocks; promises without handling.' },
  { id: 'CI-1', section: 'CI', title: 'Every change goes through CI.', audit: 'No CI configuration.' },
  { id: 'CI-2', section: 'CI', title: 'CI runs the tests and enforces a coverage threshold.', audit: 'CI that runs no tests; no coverage threshold.' },
  { id: 'CI-3', section: 'CI', title: 'CI runs lint, type checks, SAST, dependency scanning and this audit before merge.', audit: 'Missing steps.' },
  { id: 'CI-4', section: 'CI', title: 'Build artifacts are immutable and promoted, never rebuilt.', audit: '`latest` tags; rebuilds per environment.' },
  { id: 'CI-5', section: 'CI', title: 'Releases are progressive with automatic rollback.', audit: 'No rollback strategy.' },
  { id: 'CI-6', section: 'CI', title: 'Migrations run separately from application deploys.', audit: 'Migrations run at app start-up.' },
  { id: 'CI-7', section: 'CI', title: 'The pipeline itself is hardened.', audit: 'Unpinned third-party actions, write-all permissions, dangerous triggers.' },
  { id: 'CI-8', section: 'CI', title: 'Container images are minimal and run as non-root.', audit: 'Dockerfile problems.' },
  { id: 'SCL-1', section: 'SCL', title: 'Servers are stateless.', audit: 'In-memory session stores; module-level mutable caches of request data.' },
  { id: 'SCL-2', section: 'SCL', title: 'Uploads go to object storage.', audit: 'Uploads written to local disk.' },
  { id: 'SCL-3', section: 'SCL', title: 'Long work runs on a queue.', audit: 'Email/report/export work inline in request handlers; no queue.' },
  { id: 'SCL-4', section: 'SCL', title: 'Caching is deliberate, with explicit invalidation.', audit: 'Informational.' },
  { id: 'SCL-5', section: 'SCL', title: 'Shutdown is graceful.', audit: 'No signal handling in a server.' },
  { id: 'SCL-6', section: 'SCL', title: 'Failures downstream degrade gracefully.', audit: 'Outbound HTTP without timeouts.' },
  { id: 'OPS-1', section: 'OPS', title: 'Infrastructure is code, and staging can be rebuilt from it.', audit: 'No IaC.' },
  { id: 'OPS-2', section: 'OPS', title: 'Critical paths have integration tests.', audit: 'No integration tests.' },
  { id: 'OPS-3', section: 'OPS', title: 'Builds are reproducible.', audit: 'No pinned runtime; no lockfile.' },
  { id: 'OPS-4', section: 'OPS', title: 'The repository explains itself.', audit: 'No README / setup instructions.' },
];

export type ChecklistId = string;

const byId = new Map(checklist.map((item) => [item.id, item]));

export function checklistItem(id: string): ChecklistItem | undefined {
  return byId.get(id);
}

export function sectionOf(id: string): SectionId {
  const item = byId.get(id);
  if (!item) throw new Error(`unknown checklist ID ${id}`);
  return item.section;
}
