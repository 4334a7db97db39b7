import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import observability, { loggerOptions, metrics, requestIdOptions, type ObservabilityOptions } from '../src/observability/plugin.js';
import { createTestApp, signup } from './support/app.js';

interface LogLine {
  [key: string]: unknown;
  msg: string;
  level: number;
}

/** An app with only the observability plugin, its JSON log lines collected in memory. */
async function probeApp(options: Partial<ObservabilityOptions> = {}): Promise<{ app: FastifyInstance; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const app = Fastify({ logger: { ...loggerOptions({ logLevel: 'info', nodeEnv: 'test' }), stream }, ...requestIdOptions });
  app.decorateRequest('auth', null);
  await app.register(observability, { checkDatabase: async () => undefined, ...options });
  app.get('/things/:id', async (request) => {
    request.auth = { tenantId: '11111111-1111-4111-8111-111111111111', userId: '22222222-2222-4222-8222-222222222222', role: 'member', sessionId: 's', mfaEnabled: false };
    return { ok: true };
  });
  app.get('/boom', async () => {
    throw new Error('kaput');
  });
  app.get('/leaky', async (request) => {
    request.log.info({ req: { headers: { authorization: 'Bearer secret-token', cookie: 'sid=1' } }, body: { password: 'hunter2' }, password: 'x' }, 'careless');
    return {};
  });
  await app.ready();
  return { app, lines };
}

describe('request ids', () => {
  let app: FastifyInstance;
  let lines: LogLine[];
  beforeAll(async () => ({ app, lines } = await probeApp()));
  afterAll(async () => app.close());

  it('echoes a valid x-request-id and binds it to every log line of the request', async () => {
    const response = await app.inject({ method: 'GET', url: '/things/1', headers: { 'x-request-id': 'abc.DEF-123_4' } });
    expect(response.headers['x-request-id']).toBe('abc.DEF-123_4');
    const completed = lines.filter((line) => line.requestId === 'abc.DEF-123_4');
    expect(completed.map((line) => line.msg)).toContain('request completed');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['log injection', 'abc\ninjected'],
    ['other characters', 'id with spaces'],
  ])('replaces an invalid one (%s) with a UUID', async (_label, id) => {
    const response = await app.inject({ method: 'GET', url: '/things/1', headers: { 'x-request-id': id } });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('generates one when absent, also on 404 and 500 responses', async () => {
    for (const url of ['/nowhere', '/boom']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('request logs', () => {
  let app: FastifyInstance;
  let lines: LogLine[];
  beforeAll(async () => ({ app, lines } = await probeApp()));
  afterAll(async () => app.close());

  it('writes one completion line with tenant, user, route, status and duration', async () => {
    await app.inject({ method: 'GET', url: '/things/42', headers: { 'x-request-id': 'log-1' } });
    const completed = lines.filter((line) => line.requestId === 'log-1' && line.msg === 'request completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      method: 'GET',
      route: '/things/:id',
      statusCode: 200,
      tenantId: '11111111-1111-4111-8111-111111111111',
      userId: '22222222-2222-4222-8222-222222222222',
      level: 30,
    });
    expect(typeof completed[0]!.durationMs).toBe('number');
  });

  it('logs server errors at error level', async () => {
    await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'log-2' } });
    const completed = lines.find((line) => line.requestId === 'log-2' && line.msg === 'request completed');
    expect(completed).toMatchObject({ statusCode: 500, route: '/boom', level: 50 });
  });

  it('redacts credentials and passwords', async () => {
    await app.inject({ method: 'GET', url: '/leaky', headers: { 'x-request-id': 'log-3' } });
    const line = lines.find((entry) => entry.requestId === 'log-3' && entry.msg === 'careless');
    expect(JSON.stringify(line)).not.toMatch(/secret-token|sid=1|hunter2/);
    expect(line).toMatchObject({ password: '[redacted]', body: { password: '[redacted]' } });
  });
});

describe('metrics', () => {
  let app: FastifyInstance;
  beforeAll(async () => ({ app } = await probeApp()));
  afterAll(async () => app.close());

  it('exports latency by route template, errors and business counters in Prometheus format', async () => {
    await app.inject({ method: 'GET', url: '/things/7' });
    await app.inject({ method: 'GET', url: '/boom' });
    await app.inject({ method: 'GET', url: '/no/such/path' });
    metrics.signups.inc();
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/things\/:id",status_code="200"\}/);
    expect(text).toMatch(/http_request_errors_total\{method="GET",route="\/boom",status_code="500"\} 1/);
    // Unmatched URLs share one series instead of creating one per path.
    expect(text).toMatch(/route="unmatched",status_code="404"/);
    expect(text).not.toContain('/no/such/path');
    expect(text).toMatch(/^signups_total [1-9]/m);
    expect(text).toMatch(/tenant_api_requests_total\{tenant_id="11111111-1111-4111-8111-111111111111"\} [1-9]/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('lets several apps live in one process, each with its own registry', async () => {
    const other = await probeApp();
    try {
      const response = await other.app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toMatch(/route="\/boom"/);
    } finally {
      await other.app.close();
    }
  });

  it('requires the bearer token when one is configured', async () => {
    const guarded = await probeApp({ metricsToken: 'scrape-token-0123456789' });
    try {
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      const ok = await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(ok.statusCode).toBe(200);
    } finally {
      await guarded.app.close();
    }
  });
});

describe('health probes', () => {
  it('answers liveness without touching the database', async () => {
    const { app } = await probeApp({ checkDatabase: () => Promise.reject(new Error('down')) });
    try {
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });

  it('fails readiness with 503 when the database check fails or hangs', async () => {
    const failing = await probeApp({ checkDatabase: () => Promise.reject(new Error('connection refused')) });
    const hanging = await probeApp({ checkDatabase: () => new Promise(() => undefined), readinessTimeoutMs: 50 });
    try {
      const down = await failing.app.inject({ method: 'GET', url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: 'database unavailable' });
      expect(failing.lines.some((line) => line.msg === 'readiness check failed: database unavailable')).toBe(true);
      expect((await hanging.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    } finally {
      await failing.app.close();
      await hanging.app.close();
    }
  });
});

describe('the application', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  it('is ready when PostgreSQL answers', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('returns the request id on errors too', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/projects', headers: { 'x-request-id': 'client-abc' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-request-id']).toBe('client-abc');
  });

  it('counts API calls per tenant', async () => {
    const tenant = await signup(app, 'Metrics Inc');
    await app.inject({ method: 'GET', url: '/v1/projects', headers: tenant.headers });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(`tenant_api_requests_total{tenant_id="${tenant.tenantId}"} 1`);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/projects",status_code="200"\} [1-9]/);
  });
});
