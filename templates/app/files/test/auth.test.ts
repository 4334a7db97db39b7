import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { and, eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, users } from '../src/db/schema.js';
import { withSystem, withTenant } from '../src/db/tenant.js';
import { bearer, createTestApp, password, signup } from './support/app.js';

let app: FastifyInstance;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

interface Pair {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
  tenant: { id: string; name: string; role: string };
}

const login = (payload: Record<string, unknown>, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/v1/auth/login', payload, headers });
const refresh = (refreshToken: string) => app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });
const sessionsOf = (token: string) => app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: bearer(token) });

describe('sign-up and login', () => {
  it('creates a tenant with its owner and signs in', async () => {
    const signups = async () => (await app.metrics.signups.get()).values[0]?.value ?? 0;
    const signupsBefore = await signups();
    const email = `Ada-${randomUUID()}@Example.com`;
    const created = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { email, password, tenantName: 'Analytical' } });
    expect(created.statusCode).toBe(201);
    const body = created.json<Pair>();
    expect(body.tenant).toMatchObject({ name: 'Analytical', role: 'owner' });
    expect(body.user.email).toBe(email.toLowerCase());
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await signups()).toBe(signupsBefore + 1);

    const signedIn = await login({ email: email.toUpperCase(), password });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json<Pair>().tenant.id).toBe(body.tenant.id);

    const members = await app.inject({ method: 'GET', url: '/v1/members', headers: bearer(signedIn.json<Pair>().accessToken) });
    expect(members.statusCode).toBe(200);
    expect(members.json()).toMatchObject({ items: [{ userId: body.user.id, role: 'owner' }] });
  });

  it('refuses a second account with the same e-mail and weak input', async () => {
    const owner = await signup(app);
    const again = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { email: owner.email.toUpperCase(), password, tenantName: 'Dup' } });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    const short = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { email: `x-${randomUUID()}@example.com`, password: 'short', tenantName: 'X' } });
    expect(short.statusCode).toBe(400);
  });

  it('answers an unknown e-mail exactly like a wrong password', async () => {
    const owner = await signup(app);
    const wrong = await login({ email: owner.email, password: 'not the password' });
    const unknown = await login({ email: `nobody-${randomUUID()}@example.com`, password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const { instance: _a, ...a } = wrong.json<Record<string, unknown>>();
    const { instance: _b, ...b } = unknown.json<Record<string, unknown>>();
    expect(a).toEqual(b);
  });

  it('rejects missing, forged and foreign access tokens', async () => {
    const owner = await signup(app);
    expect((await sessionsOf('')).statusCode).toBe(401);
    const [header, payload] = owner.accessToken.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    expect((await app.inject({ method: 'GET', url: '/v1/auth/sessions', headers: bearer(none) })).statusCode).toBe(401);
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: randomUUID() })).toString('base64url')}.${owner.accessToken.split('.')[2]}`;
    expect((await sessionsOf(tampered)).statusCode).toBe(401);
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, string>;
    const foreignToken = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode('a'.repeat(48)));
    const foreign = await sessionsOf(foreignToken);
    expect(foreign.statusCode).toBe(401);
    expect(foreign.headers['www-authenticate']).toContain('invalid_token');
  });
});

describe('refresh tokens', () => {
  it('rotates on every use and revokes the family when a rotated token is reused', async () => {
    const owner = await signup(app);
    const first = await refresh(owner.refreshToken);
    expect(first.statusCode).toBe(200);
    const pair1 = first.json<Pair>();
    expect(pair1.refreshToken).not.toBe(owner.refreshToken);
    const second = await refresh(pair1.refreshToken);
    expect(second.statusCode).toBe(200);
    const pair2 = second.json<Pair>();
    expect((await sessionsOf(pair2.accessToken)).statusCode).toBe(200);

    // The first token was rotated away: presenting it again means it leaked.
    const reused = await refresh(owner.refreshToken);
    expect(reused.statusCode).toBe(401);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    // The whole family is gone: the newest refresh token and the access tokens of the session.
    expect((await refresh(pair2.refreshToken)).statusCode).toBe(401);
    expect((await sessionsOf(pair2.accessToken)).statusCode).toBe(401);
    const audit = await withTenant(owner.tenantId, (tx) =>
      tx.select().from(auditLog).where(and(eq(auditLog.tenantId, owner.tenantId), eq(auditLog.action, 'session.refresh_token_reused'))),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.data).toMatchObject({ userId: owner.userId, ip: '127.0.0.1' });
  });

  it('lets exactly one of two concurrent uses of a token win', async () => {
    const owner = await signup(app);
    const results = await Promise.all([refresh(owner.refreshToken), refresh(owner.refreshToken)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('rejects unknown tokens', async () => {
    expect((await refresh('A'.repeat(43))).statusCode).toBe(401);
  });
});

describe('sessions', () => {
  it('lists sessions with device details and ends one, the current one, or all', async () => {
    const owner = await signup(app);
    const laptop = await login({ email: owner.email, password }, { 'user-agent': 'Laptop/1.0' });
    const phone = await login({ email: owner.email, password }, { 'user-agent': 'Phone/2.0' });
    const phonePair = phone.json<Pair>();

    const listed = await sessionsOf(phonePair.accessToken);
    expect(listed.statusCode).toBe(200);
    const items = listed.json<{ items: { id: string; userAgent: string | null; ip: string; createdAt: string; lastUsedAt: string; current: boolean }[] }>().items;
    expect(items).toHaveLength(3);
    const current = items.find((s) => s.current);
    expect(current).toMatchObject({ userAgent: 'Phone/2.0', ip: '127.0.0.1' });
    expect(Date.parse(current!.createdAt)).toBeGreaterThan(0);
    expect(items.filter((s) => s.current)).toHaveLength(1);

    // Rotation keeps the session's identity.
    const rotated = (await refresh(phonePair.refreshToken)).json<Pair>();
    const afterRotation = (await sessionsOf(rotated.accessToken)).json<{ items: { id: string; current: boolean }[] }>().items;
    expect(afterRotation.find((s) => s.current)?.id).toBe(current!.id);

    // End the laptop session from the phone.
    const laptopId = items.find((s) => s.userAgent === 'Laptop/1.0')!.id;
    expect((await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${laptopId}`, headers: bearer(rotated.accessToken) })).statusCode).toBe(204);
    expect((await sessionsOf(laptop.json<Pair>().accessToken)).statusCode).toBe(401);
    expect((await refresh(laptop.json<Pair>().refreshToken)).statusCode).toBe(401);
    expect((await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${laptopId}`, headers: bearer(rotated.accessToken) })).statusCode).toBe(404);

    // Logout ends the current session only.
    expect((await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(rotated.accessToken) })).statusCode).toBe(204);
    expect((await sessionsOf(rotated.accessToken)).statusCode).toBe(401);
    expect((await refresh(rotated.refreshToken)).statusCode).toBe(401);
    expect((await sessionsOf(owner.accessToken)).statusCode).toBe(200);

    // Logout everywhere ends the rest.
    expect((await app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: owner.headers })).statusCode).toBe(204);
    expect((await sessionsOf(owner.accessToken)).statusCode).toBe(401);
    expect((await refresh(owner.refreshToken)).statusCode).toBe(401);
  });

  it('never shows or ends another tenant’s sessions', async () => {
    const acme = await signup(app, 'Acme');
    const globex = await signup(app, 'Globex');
    const acmeSessions = (await sessionsOf(acme.accessToken)).json<{ items: { id: string }[] }>().items;
    const globexSessions = (await sessionsOf(globex.accessToken)).json<{ items: { id: string }[] }>().items;
    expect(acmeSessions).toHaveLength(1);
    expect(globexSessions).toHaveLength(1);
    const ended = await app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${acmeSessions[0]!.id}`, headers: globex.headers });
    expect(ended.statusCode).toBe(404);
    expect((await sessionsOf(acme.accessToken)).statusCode).toBe(200);
    const globexMembers = (await app.inject({ method: 'GET', url: '/v1/members', headers: globex.headers })).json<{ items: { userId: string }[] }>().items;
    expect(globexMembers.map((m) => m.userId)).toEqual([globex.userId]);
  });
});

describe('lockout', () => {
  it('locks the account after repeated failures, with the same answer as a wrong password', async () => {
    const owner = await signup(app);
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await login({ email: owner.email, password: 'wrong password' })).statusCode).toBe(401);
    const [locked] = await withSystem((tx) => tx.select().from(users).where(eq(users.id, owner.userId)));
    expect(locked?.failedLoginCount).toBe(5);
    expect(locked?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());

    const whileLocked = await login({ email: owner.email, password });
    expect(whileLocked.statusCode).toBe(401);
    const wrong = await login({ email: `nobody-${randomUUID()}@example.com`, password });
    expect(whileLocked.json<{ detail: string }>().detail).toBe(wrong.json<{ detail: string }>().detail);

    // When the lock has run out, the right password works again and clears the counter.
    await withSystem((tx) => tx.update(users).set({ lockedUntil: new Date(Date.now() - 1000) }).where(eq(users.id, owner.userId)));
    expect((await login({ email: owner.email, password })).statusCode).toBe(200);
    const [cleared] = await withSystem((tx) => tx.select().from(users).where(eq(users.id, owner.userId)));
    expect(cleared).toMatchObject({ failedLoginCount: 0, lockedUntil: null });
  });
});
