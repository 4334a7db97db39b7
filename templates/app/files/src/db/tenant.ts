/**
 * The only doors to the data. Each helper runs its callback in one transaction whose settings the
 * row-level-security policies read (`set_config(…, true)` is `SET LOCAL`: it ends with the transaction, so
 * a pooled connection never carries a tenant over to the next request).
 *
 * - `withTenant(tenantId, fn)`: tenant data; routed to the tenant's database under the hybrid model.
 * - `withTenantIdentity(tenantId, fn)`: the tenant's memberships, sessions and invitations (shared database).
 * - `withUser(userId, fn)`: a user's own memberships and tenants, before a tenant is chosen (login).
 * - `withRefreshToken(hash, fn)` / `withInvitationToken(hash, fn)`: the one session or invitation that token names.
 * - `withSystem(fn)`: global tables only (users, rate_limits); every tenant table looks empty.
 */
import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { database } from './database.js';

export type { Tx } from './client.js';

interface Settings {
  tenantId?: string;
  userId?: string;
  refreshTokenHash?: string;
  invitationTokenHash?: string;
}

const settingNames: Record<keyof Settings, string> = {
  tenantId: 'app.tenant_id',
  userId: 'app.user_id',
  refreshTokenHash: 'app.refresh_token_hash',
  invitationTokenHash: 'app.invitation_token_hash',
};

async function run<T>(db: Db, settings: Settings, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const assignments = (Object.entries(settings) as [keyof Settings, string | undefined][])
    .filter((entry): entry is [keyof Settings, string] => entry[1] !== undefined)
    .map(([key, value]) => sql`set_config(${settingNames[key]}, ${value}, true)`);
  return db.transaction(async (tx) => {
    // One round trip for all settings: every statement of a request's transaction costs latency.
    if (assignments.length > 0) await tx.execute(sql`select ${sql.join(assignments, sql`, `)}`);
    return fn(tx);
  });
}

export interface TenantOptions {
  /** Also sets `app.user_id` (the acting user), for policies and triggers that want it. */
  userId?: string;
}

export function withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, options: TenantOptions = {}): Promise<T> {
  return run(database().forTenant(tenantId), { tenantId, userId: options.userId }, fn);
}

export function withTenantIdentity<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, options: TenantOptions = {}): Promise<T> {
  return run(database().shared, { tenantId, userId: options.userId }, fn);
}

export function withUser<T>(userId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return run(database().shared, { userId }, fn);
}

export function withRefreshToken<T>(refreshTokenHash: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return run(database().shared, { refreshTokenHash }, fn);
}

export function withInvitationToken<T>(invitationTokenHash: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return run(database().shared, { invitationTokenHash }, fn);
}

export function withSystem<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return run(database().shared, {}, fn);
}
