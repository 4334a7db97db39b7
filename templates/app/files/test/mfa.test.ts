import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, enrolMfa, password, signup, type TestTenant } from './support/app.js';

let app: FastifyInstance;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

/** The code of the next time step: still accepted (one step of drift either way), and newer than one just used. */
const nextCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
const invite = (token: string, email = `invitee-${Date.now()}@example.com`) =>
  app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(token), payload: { email, role: 'member' } });

async function enrol(owner: TestTenant): Promise<{ secret: string; accessToken: string }> {
  const { secret, otpauthUri, stepUp } = await enrolMfa(app, owner);
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
  expect(otpauthUri).toContain(`secret=${secret}`);
  return { secret, accessToken: stepUp };
}

describe('TOTP enrolment and step-up', () => {
  it('asks an owner without TOTP to enrol before an admin operation', async () => {
    const owner = await signup(app);
    const refused = await invite(owner.accessToken);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ type: string }>().type).toContain('mfa-enrollment-required');
  });

  it('enrols with a first code, then allows admin operations with a fresh check only', async () => {
    const owner = await signup(app);
    const started = await app.inject({ method: 'POST', url: '/v1/auth/mfa/enroll', headers: owner.headers });
    const { secret } = started.json<{ secret: string }>();
    const wrongCode = (Number(await generate({ secret })) + 1) % 1_000_000;
    const wrong = await app.inject({ method: 'POST', url: '/v1/auth/mfa/verify', headers: owner.headers, payload: { totp: String(wrongCode).padStart(6, '0') } });
    expect(wrong.statusCode).toBe(400);

    const enrolmentCode = await generate({ secret });
    const verified = await app.inject({ method: 'POST', url: '/v1/auth/mfa/verify', headers: owner.headers, payload: { totp: enrolmentCode } });
    expect(verified.statusCode).toBe(200);
    const stepUp = verified.json<{ accessToken: string }>().accessToken;
    expect((await app.inject({ method: 'POST', url: '/v1/auth/mfa/enroll', headers: owner.headers })).statusCode).toBe(409);

    // The token from before the check is not enough: RFC 9470 challenge.
    const stale = await invite(owner.accessToken);
    expect(stale.statusCode).toBe(401);
    expect(stale.headers['www-authenticate']).toContain('insufficient_user_authentication');
    expect(stale.json<{ type: string }>().type).toContain('step-up-required');
    expect((await invite(stepUp)).statusCode).toBe(201);

    // A refreshed token does not carry the check over; step-up issues a new one.
    const refreshed = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: owner.refreshToken } });
    const plain = refreshed.json<{ accessToken: string }>().accessToken;
    expect((await invite(plain)).statusCode).toBe(401);
    const badStepUp = await app.inject({ method: 'POST', url: '/v1/auth/mfa/step-up', headers: bearer(plain), payload: { totp: '000000' } });
    expect(badStepUp.statusCode).toBe(401);
    // The code used at enrolment is spent (the same string: a new time step may have begun since); the next one works once.
    const replayed = await app.inject({ method: 'POST', url: '/v1/auth/mfa/step-up', headers: bearer(plain), payload: { totp: enrolmentCode } });
    expect(replayed.statusCode).toBe(401);
    const code = await nextCode(secret);
    const stepped = await app.inject({ method: 'POST', url: '/v1/auth/mfa/step-up', headers: bearer(plain), payload: { totp: code } });
    expect(stepped.statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/mfa/step-up', headers: bearer(plain), payload: { totp: code } })).statusCode).toBe(401);
    expect((await invite(stepped.json<{ accessToken: string }>().accessToken)).statusCode).toBe(201);
  });

  it('requires the TOTP code at login once enrolled', async () => {
    const owner = await signup(app);
    const { secret } = await enrol(owner);
    const withoutCode = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password } });
    expect(withoutCode.statusCode).toBe(401);
    expect(withoutCode.json<{ type: string }>().type).toContain('mfa-required');
    const wrongCode = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password, totp: '000000' } });
    expect(wrongCode.statusCode).toBe(401);
    const ok = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password, totp: await nextCode(secret) } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<{ user: { mfaEnabled: boolean } }>().user.mfaEnabled).toBe(true);
    // A login with the code counts as a fresh check.
    expect((await invite(ok.json<{ accessToken: string }>().accessToken)).statusCode).toBe(201);
  });

  it('refuses step-up and verification without enrolment', async () => {
    const owner = await signup(app);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/mfa/step-up', headers: owner.headers, payload: { totp: '123456' } })).statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: '/v1/auth/mfa/verify', headers: owner.headers, payload: { totp: '123456' } })).statusCode).toBe(409);
  });
});
