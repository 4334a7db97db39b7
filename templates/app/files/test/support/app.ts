import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

/** A test configuration against the run's PostgreSQL; rate limits out of the way unless a test sets them. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    MIGRATION_DATABASE_URL: inject('ownerUrl'),
    RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_TENANT_PER_MINUTE: '1000000',
    ...env,
  });
}

export async function createTestApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig(env) });
  await app.ready();
  return app;
}

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
    payload: { email, password: 'correct horse battery staple', tenantName },
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
