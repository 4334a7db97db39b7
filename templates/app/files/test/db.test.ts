import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Database, database, useDatabase } from '../src/db/database.js';
import { loadTenantRouting } from '../src/db/routing.js';

const tenant = '11111111-1111-4111-8111-111111111111';

function routingFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'routing-')), 'tenants.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('tenant-to-database routing', () => {
  it('is empty without a routing file', () => {
    expect(loadTenantRouting(undefined)).toEqual([]);
  });

  it('reads connection strings from the variables the file names', () => {
    const file = routingFile({ tenants: { [tenant.toUpperCase()]: { database: 'dedicated', urlEnv: 'ACME_DB', migrationUrlEnv: 'ACME_OWNER_DB' } } });
    expect(loadTenantRouting(file, { ACME_DB: 'postgres://app@acme/app', ACME_OWNER_DB: 'postgres://owner@acme/app' })).toEqual([
      { tenantId: tenant, url: 'postgres://app@acme/app', migrationUrl: 'postgres://owner@acme/app' },
    ]);
    expect(loadTenantRouting(routingFile({ tenants: { [tenant]: { urlEnv: 'ACME_DB' } } }), { ACME_DB: 'postgres://app@acme/app' })[0]?.migrationUrl).toBe(
      'postgres://app@acme/app',
    );
  });

  it('explains what is wrong with a routing file', () => {
    expect(() => loadTenantRouting('/nonexistent/tenants.json')).toThrow(/cannot be read/);
    expect(() => loadTenantRouting(routingFile('{'))).toThrow(/cannot be read/);
    expect(() => loadTenantRouting(routingFile({}))).toThrow(/must have a "tenants" object/);
    const file = routingFile({ tenants: { acme: { urlEnv: 'X' }, [tenant]: {}, '22222222-2222-4222-8222-222222222222': { urlEnv: 'UNSET' } } });
    expect(() => loadTenantRouting(file, {})).toThrow(/"acme" is not a tenant id[\s\S]*needs "urlEnv"[\s\S]*UNSET is not set/);
    const badMigration = routingFile({ tenants: { [tenant]: { urlEnv: 'ACME_DB', migrationUrlEnv: 'UNSET' } } });
    expect(() => loadTenantRouting(badMigration, { ACME_DB: 'postgres://x' })).toThrow(/migrationUrlEnv/);
  });

  it('sends routed tenants to their own pool and everyone else to the shared one', async () => {
    const url = inject('databaseUrl');
    const db = new Database({ url, poolMax: 1, routes: [{ tenantId: tenant, url, migrationUrl: url }], onError: () => undefined });
    try {
      expect(db.forTenant(tenant.toUpperCase())).not.toBe(db.shared);
      expect(db.forTenant('33333333-3333-4333-8333-333333333333')).toBe(db.shared);
      await expect(db.ping()).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('refuses data access before the database is open', () => {
    useDatabase(undefined);
    expect(() => database()).toThrow(/not open/);
  });
});
