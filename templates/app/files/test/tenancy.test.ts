/**
 * Tenant isolation, proved twice: through the API (tenant B cannot see or touch tenant A's projects) and
 * in the database itself (row-level security returns nothing across tenants even when the application's
 * own `tenant_id` filter is left out, and it is FORCEd, so even the table owner is confined).
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditLog, projects } from '../src/db/schema.js';
import { withSystem, withTenant } from '../src/db/tenant.js';
import { createTestApp, signup, type TestTenant } from './support/app.js';

let app: FastifyInstance;
let a: TestTenant;
let b: TestTenant;
let projectOfA: { id: string; name: string };

beforeAll(async () => {
  app = await createTestApp();
  a = await signup(app, 'Tenant A');
  b = await signup(app, 'Tenant B');
  const created = await app.inject({ method: 'POST', url: '/v1/projects', headers: a.headers, payload: { name: 'A secret plan' } });
  projectOfA = created.json();
});
afterAll(async () => {
  await app.close();
});

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('tenant isolation through the API', () => {
  it('tenant B cannot list tenant A’s projects', async () => {
    const list = await app.inject({ method: 'GET', url: '/v1/projects', headers: b.headers });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { id: string }[] }>().items.map((p) => p.id)).not.toContain(projectOfA.id);
  });

  it('tenant B cannot read, update or delete tenant A’s project', async () => {
    const url = `/v1/projects/${projectOfA.id}`;
    expect((await app.inject({ method: 'GET', url, headers: b.headers })).statusCode).toBe(404);
    expect((await app.inject({ method: 'PATCH', url, headers: b.headers, payload: { name: 'pwned' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url, headers: b.headers })).statusCode).toBe(404);
    const stillThere = await app.inject({ method: 'GET', url, headers: a.headers });
    expect(stillThere.json()).toMatchObject({ id: projectOfA.id, name: 'A secret plan' });
  });
});

describe('row-level security in the database', () => {
  it('returns nothing across tenants even without the application’s tenant filter', async () => {
    const seenByB = await withTenant(b.tenantId, (tx) => tx.select().from(projects));
    expect(seenByB.map((p) => p.id)).not.toContain(projectOfA.id);
    expect(seenByB.every((p) => p.tenantId === b.tenantId)).toBe(true);
    const byIdAsB = await withTenant(b.tenantId, (tx) => tx.select().from(projects).where(eq(projects.id, projectOfA.id)));
    expect(byIdAsB).toEqual([]);
    const seenByA = await withTenant(a.tenantId, (tx) => tx.select().from(projects).where(eq(projects.id, projectOfA.id)));
    expect(seenByA).toHaveLength(1);
  });

  it('shows no tenant rows at all when no tenant is set', async () => {
    const rows = await withSystem((tx) => tx.select().from(projects));
    expect(rows).toEqual([]);
  });

  it('cannot change another tenant’s rows or write rows into it', async () => {
    const updated = await withTenant(b.tenantId, (tx) => tx.update(projects).set({ name: 'pwned' }).where(eq(projects.id, projectOfA.id)).returning());
    expect(updated).toEqual([]);
    await expect(withTenant(b.tenantId, (tx) => tx.insert(projects).values({ tenantId: a.tenantId, name: 'planted' }))).rejects.toThrow();
  });

  it('does not carry the tenant over to the next transaction on the same connection', async () => {
    await withTenant(a.tenantId, async () => undefined);
    const setting = await withSystem((tx) => tx.execute<{ tenant: string | null }>(sql`select current_setting('app.tenant_id', true) as tenant`));
    expect(setting.rows[0]?.tenant ?? '').toBe('');
  });

  it('connects as a role that neither owns the tables nor bypasses RLS', async () => {
    const [role] = await query<{ rolsuper: boolean; rolbypassrls: boolean; owns: boolean }>(
      inject('databaseUrl'),
      `select r.rolsuper, r.rolbypassrls,
              exists (select 1 from pg_tables t where t.schemaname = 'public' and pg_has_role(current_user, t.tableowner, 'USAGE')) as owns
         from pg_roles r where r.rolname = current_user`,
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, owns: false });
  });

  it('enables and FORCEs RLS, with a policy and a leading tenant_id index, on every table with a tenant_id', async () => {
    const tables = await query<{ table: string; enabled: boolean; forced: boolean; policies: number; leading_index: boolean }>(
      inject('ownerUrl'),
      `select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
              (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies,
              exists (select 1 from pg_index i join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
                       where i.indrelid = c.oid and a.attname = 'tenant_id') as leading_index
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        order by 1`,
    );
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['audit_log', 'idempotency_keys', 'invitations', 'memberships', 'projects', 'sessions']));
    for (const table of tables) expect(table, table.table).toMatchObject({ enabled: true, forced: true, leading_index: true });
    for (const table of tables) expect(table.policies, table.table).toBeGreaterThan(0);
  });

  it('confines even the table owner, because RLS is forced', async () => {
    const owner = inject('ownerUrl');
    const [isSuper] = await query<{ rolsuper: boolean }>(owner, 'select rolsuper from pg_roles where rolname = current_user');
    // A superuser bypasses RLS whatever FORCE says; the embedded database migrates as a plain owner role.
    if (isSuper?.rolsuper) return;
    expect(await query(owner, 'select id from projects')).toEqual([]);
    const scoped = await query<{ id: string }>(
      owner,
      `with t as (select set_config('app.tenant_id', $1, false)) select p.id from t, projects p`,
      [a.tenantId],
    );
    expect(scoped.map((r) => r.id)).toContain(projectOfA.id);
  });
});

describe('the audit log', () => {
  it('records each change in the same transaction, readable only by its tenant', async () => {
    const entries = await withTenant(a.tenantId, (tx) => tx.select().from(auditLog).where(eq(auditLog.targetId, projectOfA.id)));
    expect(entries.map((e) => e.action)).toContain('project.created');
    expect(entries[0]).toMatchObject({ tenantId: a.tenantId, actorUserId: a.userId, targetType: 'project' });
    const asB = await withTenant(b.tenantId, (tx) => tx.select().from(auditLog).where(eq(auditLog.targetId, projectOfA.id)));
    expect(asB).toEqual([]);
  });

  it('is append-only for the application role, and projects cannot be hard-deleted', async () => {
    const denied = async (work: Promise<unknown>): Promise<string | undefined> =>
      work.then(
        () => undefined,
        (error: unknown) => ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string })).code,
      );
    const insufficientPrivilege = '42501';
    expect(await denied(withTenant(a.tenantId, (tx) => tx.update(auditLog).set({ action: 'forged' })))).toBe(insufficientPrivilege);
    expect(await denied(withTenant(a.tenantId, (tx) => tx.delete(auditLog)))).toBe(insufficientPrivilege);
    expect(await denied(withTenant(a.tenantId, (tx) => tx.delete(projects).where(eq(projects.id, randomUUID()))))).toBe(insufficientPrivilege);
  });
});
