import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessCache } from '../src/auth/access-cache.js';
import { AccessChangeListener } from '../src/auth/access-changes.js';
import type { InvitationMessage } from '../src/auth/invitations.js';
import { revokeAllUserSessions } from '../src/auth/sessions.js';
import { withTenantIdentity } from '../src/db/tenant.js';
import { buildApp } from '../src/app.js';
import { database } from '../src/db/database.js';
import { bearer, createTestApp, password, signup, signupWithMfa, testConfig } from './support/app.js';

const session = (userId: string, tenantId = 't1', sessionId = 's1') => ({ tenantId, userId, sessionId });

describe('AccessCache', () => {
  it('answers from memory until the TTL runs out', () => {
    let now = 0;
    const cache = new AccessCache(1000, 10, () => now);
    cache.set(session('u1'), { role: 'owner', mfaEnabled: false }, cache.generation);
    expect(cache.get(session('u1'))).toEqual({ role: 'owner', mfaEnabled: false });
    now = 999;
    expect(cache.get(session('u1'))).toBeDefined();
    now = 1000;
    expect(cache.get(session('u1'))).toBeUndefined();
  });

  it('drops exactly the entries a write changed', () => {
    const cache = new AccessCache(60_000);
    const keys = [session('u1', 't1', 's1'), session('u1', 't1', 's2'), session('u1', 't2', 's3'), session('u2', 't1', 's4')];
    const fill = () => keys.forEach((key) => cache.set(key, { role: 'member', mfaEnabled: false }, cache.generation));
    const cached = () => keys.map((key) => cache.get(key) !== undefined);

    fill();
    cache.invalidate({ userId: 'u1', tenantId: 't1', sessionId: 's1' });
    expect(cached()).toEqual([false, true, true, true]);
    fill();
    cache.invalidate({ userId: 'u1', tenantId: 't1' });
    expect(cached()).toEqual([false, false, true, true]);
    fill();
    cache.invalidate({ userId: 'u1' });
    expect(cached()).toEqual([false, false, false, true]);
  });

  it('does not store an answer loaded before an invalidation, nor anything with a TTL of 0', () => {
    const cache = new AccessCache(60_000);
    const before = cache.generation;
    cache.invalidate({ userId: 'u9' });
    cache.set(session('u1'), { role: 'owner', mfaEnabled: false }, before);
    expect(cache.get(session('u1'))).toBeUndefined();
    const off = new AccessCache(0);
    off.set(session('u1'), { role: 'owner', mfaEnabled: false }, off.generation);
    expect(off.size).toBe(0);
  });

  it('evicts the oldest entry when full', () => {
    const cache = new AccessCache(60_000, 2);
    for (const id of ['a', 'b', 'c']) cache.set(session(id), { role: 'member', mfaEnabled: false }, cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.get(session('a'))).toBeUndefined();
    expect(cache.get(session('c'))).toBeDefined();
  });
});

describe('authentication through the cache', () => {
  let app: FastifyInstance;
  const sent: InvitationMessage[] = [];
  beforeAll(async () => {
    // A long TTL: only the invalidations can make these tests pass.
    app = await createTestApp({ AUTH_CACHE_TTL_MS: '60000' });
    app.sendInvitation = async (invitation) => {
      sent.push(invitation);
    };
  });
  afterAll(async () => {
    await app.close();
  });

  const projects = (token: string) => app.inject({ method: 'GET', url: '/v1/projects', headers: bearer(token) });
  const refresh = (refreshToken: string) => app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });

  it('serves repeated requests from the cache, which is why every revoking write must invalidate it', async () => {
    const owner = await signup(app, 'Cached');
    expect((await projects(owner.accessToken)).statusCode).toBe(200);
    // Revoked behind the API's back (no invalidation): this instance still trusts the session, within the TTL.
    await withTenantIdentity(owner.tenantId, (tx) => revokeAllUserSessions(tx, owner.tenantId, owner.userId));
    expect((await projects(owner.accessToken)).statusCode).toBe(200);
    app.authService.accessCache.invalidate({ userId: owner.userId });
    expect((await projects(owner.accessToken)).statusCode).toBe(401);
  });

  it('refuses the next request after logout, logout everywhere, or refresh-token reuse', async () => {
    const a = await signupWithMfa(app, 'Logout');
    expect((await projects(a.accessToken)).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(a.accessToken) })).statusCode).toBe(204);
    expect((await projects(a.accessToken)).statusCode).toBe(401);

    const b = await signupWithMfa(app, 'LogoutAll');
    expect((await projects(b.stepUp)).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: bearer(b.accessToken) })).statusCode).toBe(204);
    expect((await projects(b.stepUp)).statusCode).toBe(401);

    const c = await signupWithMfa(app, 'Reuse');
    const rotated = (await refresh(c.refreshToken)).json<{ accessToken: string }>();
    expect((await projects(rotated.accessToken)).statusCode).toBe(200);
    expect((await refresh(c.refreshToken)).statusCode).toBe(401);
    expect((await projects(rotated.accessToken)).statusCode).toBe(401);
  });

  it('applies a role change and a removal to the member’s very next request', async () => {
    const owner = await signupWithMfa(app, 'Roles');
    const email = `admin-${crypto.randomUUID()}@example.com`;
    const invited = await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(owner.stepUp), payload: { email, role: 'admin' } });
    expect(invited.statusCode).toBe(201);
    const { token } = sent.find((message) => message.email === email)!;
    const admin = (await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token, password } })).json<{
      accessToken: string;
      user: { id: string };
    }>();
    const project = (await app.inject({ method: 'POST', url: '/v1/projects', headers: bearer(admin.accessToken), payload: { name: 'Kept' } })).json<{ id: string }>();
    // Cached as admin.
    expect((await projects(admin.accessToken)).statusCode).toBe(200);

    const demoted = await app.inject({ method: 'PATCH', url: `/v1/members/${admin.user.id}`, headers: bearer(owner.stepUp), payload: { role: 'member' } });
    expect(demoted.statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/v1/projects/${project.id}`, headers: bearer(admin.accessToken) })).statusCode).toBe(403);

    const removed = await app.inject({ method: 'DELETE', url: `/v1/members/${admin.user.id}`, headers: bearer(owner.stepUp) });
    expect(removed.statusCode).toBe(204);
    expect((await projects(admin.accessToken)).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/members', headers: bearer(owner.accessToken) })).json<{ items: { userId: string }[] }>().items.map((m) => m.userId)).not.toContain(admin.user.id);
  });

  it('reaches the cache of another instance through PostgreSQL NOTIFY, long before the TTL', async () => {
    // A second instance of the same deployment; it shares the process's pool, which the first app closes.
    const other = await buildApp({ config: testConfig({ AUTH_CACHE_TTL_MS: '60000' }), database: database() });
    try {
      const owner = await signup(app, 'TwoInstances');
      const onOther = () => other.inject({ method: 'GET', url: '/v1/projects', headers: bearer(owner.accessToken) });
      expect((await onOther()).statusCode).toBe(200);
      expect(other.authService.accessCache.size).toBeGreaterThan(0);
      expect((await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(owner.accessToken) })).statusCode).toBe(204);
      await expect.poll(async () => (await onOther()).statusCode, { timeout: 3000, interval: 50 }).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('bypasses the cache while it cannot listen for changes', async () => {
    const cache = new AccessCache(60_000);
    const warnings: string[] = [];
    const listener = new AccessChangeListener('postgres://nobody@127.0.0.1:9/none', cache, { warn: (_object, message) => warnings.push(message) });
    await listener.start();
    await listener.close();
    cache.set(session('u1'), { role: 'owner', mfaEnabled: false }, cache.generation);
    expect(cache.get(session('u1'))).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('access cache is bypassed')]);
  });

  it('keeps the last owner', async () => {
    const owner = await signupWithMfa(app, 'LastOwner');
    expect((await app.inject({ method: 'DELETE', url: `/v1/members/${owner.userId}`, headers: bearer(owner.stepUp) })).statusCode).toBe(409);
    expect((await projects(owner.accessToken)).statusCode).toBe(200);
  });
});
