import { randomInt, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitHook } from '../src/rate-limit/rate-limit.js';
import { createTestApp, signup } from './support/app.js';

let app: FastifyInstance;

beforeAll(async () => {
  app = await createTestApp({ RATE_LIMIT_PER_IP_PER_MINUTE: '3', RATE_LIMIT_PER_TENANT_PER_MINUTE: '2' });
});
afterAll(async () => {
  await app.close();
});

/** A fresh address per test: counters live in PostgreSQL and are shared with every other test file. */
const address = (): string => `10.${randomInt(250)}.${randomInt(250)}.${randomInt(250)}`;

/**
 * Counters are kept per fixed minute: a burst that straddles the end of one would be counted in two windows and never
 * reach the limit. A burst that could starts in the next minute instead.
 */
async function clearOfWindowEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 2_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('rate limits', () => {
  it('limits requests per IP across the whole API, with Retry-After', async () => {
    const remoteAddress = address();
    const statuses: number[] = [];
    let last;
    await clearOfWindowEnd();
    for (let i = 0; i < 4; i += 1) {
      last = await app.inject({ method: 'GET', url: '/v1/projects', remoteAddress });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(last?.headers['retry-after']).toMatch(/^\d+$/);
    expect(last?.headers['content-type']).toContain('application/problem+json');
  });

  it('never limits the probes', async () => {
    const remoteAddress = address();
    for (let i = 0; i < 5; i += 1) expect((await app.inject({ method: 'GET', url: '/healthz', remoteAddress })).statusCode).toBe(200);
  });

  it('limits requests per tenant, whatever the address', async () => {
    const tenant = await signup(app, `Busy ${randomUUID()}`, { remoteAddress: address() });
    const statuses: number[] = [];
    await clearOfWindowEnd();
    for (let i = 0; i < 3; i += 1) {
      const response = await app.inject({ method: 'GET', url: '/v1/projects', headers: tenant.headers, remoteAddress: address() });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('fails open when the counter store is down', async () => {
    const hook = rateLimitHook({ hit: () => Promise.reject(new Error('down')) }, { name: 'x', limit: 1, windowMs: 1000, key: () => 'k' });
    const warnings: unknown[] = [];
    const request = { log: { warn: (...args: unknown[]) => warnings.push(args) } } as never;
    await expect(hook(request, {} as never)).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
