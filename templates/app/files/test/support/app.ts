import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

/** Keys per test file, shared by its apps and workers, as one deployment's instances share them. */
export const testEncryptionKey = randomBytes(32).toString('base64');
const jwtSecret = randomBytes(48).toString('base64url');

/** A test configuration against the run's PostgreSQL; rate limits out of the way unless a test sets them. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    MIGRATION_DATABASE_URL: inject('ownerUrl'),
    RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_TENANT_PER_MINUTE: '1000000',
    JWT_SECRET: jwtSecret,
    ENCRYPTION_KEY: testEncryptionKey,
    ...env,
  });
}

export async function createTestApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig(env) });
  await app.ready();
  return app;
}

/** The password of every account the tests create. */
export const password = 'correct horse battery staple';

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

export interface TestTenant {
  accessToken: string;
  refreshToken: string;
  tenantId: string;
  userId: string;
  email: string;
  headers: { authorization: string };
}

/** Signs up a new tenant and its owner through the API. */
export async function signup(app: FastifyInstance, tenantName = 'Acme', options: { remoteAddress?: string } = {}): Promise<TestTenant> {
  const email = `owner-${randomUUID()}@example.com`;
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/signup',
    payload: { email, password, tenantName },
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
  });
  if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
  const body = response.json<{ accessToken: string; refreshToken: string; tenant: { id: string }; user: { id: string } }>();
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    tenantId: body.tenant.id,
    userId: body.user.id,
    email,
    headers: { authorization: `Bearer ${body.accessToken}` },
  };
}

export interface EnrolledMfa {
  secret: string;
  otpauthUri: string;
  /** An access token with a fresh second factor (`mfaAt`), for owner/admin operations. */
  stepUp: string;
}

/** Enrols TOTP for a signed-in user through the API and confirms it with a first code. */
export async function enrolMfa(app: FastifyInstance, user: { headers: { authorization: string } }): Promise<EnrolledMfa> {
  const started = await app.inject({ method: 'POST', url: '/v1/auth/mfa/enroll', headers: user.headers });
  if (started.statusCode !== 200) throw new Error(`MFA enrolment failed: ${started.statusCode} ${started.body}`);
  const { secret, otpauthUri } = started.json<{ secret: string; otpauthUri: string }>();
  const verified = await app.inject({ method: 'POST', url: '/v1/auth/mfa/verify', headers: user.headers, payload: { totp: await generate({ secret }) } });
  if (verified.statusCode !== 200) throw new Error(`MFA confirmation failed: ${verified.statusCode} ${verified.body}`);
  return { secret, otpauthUri, stepUp: verified.json<{ accessToken: string }>().accessToken };
}

/** A new tenant whose owner has TOTP and a fresh step-up token. */
export async function signupWithMfa(app: FastifyInstance, tenantName = 'Acme'): Promise<TestTenant & EnrolledMfa> {
  const owner = await signup(app, tenantName);
  return { ...owner, ...(await enrolMfa(app, owner)) };
}
