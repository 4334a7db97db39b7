import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { createHttpMetrics, metrics, type BusinessMetrics, type HttpMetrics } from './metrics.js';

export { metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The business counters, this app's registry (add gauges to it) and the HTTP metrics. */
    metrics: BusinessMetrics & { registry: Registry; http: HttpMetrics };
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';
const validRequestId = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's `x-request-id` when it is safe to log and echo, a fresh UUID otherwise. */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  return typeof header === 'string' && validRequestId.test(header) ? header : randomUUID();
}

/** Route template, never the raw URL: unmatched paths would otherwise create one metric series per URL. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * One completion line per request carrying who (tenant, user), what (method, route), the outcome and the duration.
 * The request id is already bound to `request.log` under `requestId`.
 */
class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ method: request.method, url: request.url }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    // `request.auth` is set by the auth plugin's `app.authenticate` on authenticated routes.
    const line = {
      method: request.method,
      route: routeOf(request),
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      tenantId: request.auth?.tenantId,
      userId: request.auth?.userId,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (reply.statusCode >= 500) reply.log.error(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}

/**
 * Request-id options for `Fastify({ logger: loggerOptions(config), ...requestIdOptions })`.
 * `requestIdHeader` stays off because Fastify would trust the header verbatim; `genReqId` validates it instead.
 */
export const requestIdOptions = {
  requestIdHeader: false,
  genReqId: requestIdFor,
  logController: new RequestLogController({ requestIdLogLabel: 'requestId' }),
} satisfies FastifyServerOptions;

/** Fields that must never reach a log line, wherever they are nested in what is logged. */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...['password', 'newPassword', 'currentPassword', 'token', 'accessToken', 'refreshToken', 'secret', 'totp'].flatMap((key) => [
    key,
    `*.${key}`,
    `*.*.${key}`,
  ]),
];

/** pino options for the `logger` option of Fastify, and for the worker's logger (JSON lines on stdout; OBS-1). */
export function loggerOptions(config: Pick<Config, 'logLevel' | 'nodeEnv'>, service = 'api') {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service, env: config.nodeEnv },
    // Correlates log lines with traces when tracing is on; `trace` is a no-op without the SDK.
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
  } satisfies FastifyServerOptions['logger'];
}

export interface ObservabilityOptions {
  /** Resolves when the database answers (e.g. `() => pool.query('select 1')`); `/readyz` is 503 when it rejects. */
  checkDatabase: () => Promise<unknown>;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`: the series carry tenant ids. */
  metricsToken?: string | undefined;
  readinessTimeoutMs?: number;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const Status = Type.Object({ status: Type.String() });
/** Probes and scrapes: no auth, no rate limit, not part of the public API contract. */
const infrastructureRoute = { hide: true, tags: ['infrastructure'] };

async function observability(app: FastifyInstance, options: ObservabilityOptions): Promise<void> {
  const http = createHttpMetrics();
  app.decorate('metrics', { ...metrics, registry: http.registry, http });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: routeOf(request), status_code: String(reply.statusCode) };
    http.duration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) http.errors.inc(labels);
    const tenantId = request.auth?.tenantId;
    if (tenantId) metrics.tenantApiCalls.inc({ tenant_id: tenantId });
  });

  app.get(
    '/healthz',
    { schema: { ...infrastructureRoute, response: { 200: Status } }, config: { public: true, rateLimit: false } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { ...infrastructureRoute, response: { 200: Status, 503: Status } }, config: { public: true, rateLimit: false } },
    async (request, reply) => {
      try {
        await withTimeout(options.checkDatabase(), options.readinessTimeoutMs ?? 2000);
        return { status: 'ready' };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed: database unavailable');
        return reply.code(503).send({ status: 'database unavailable' });
      }
    },
  );

  app.get('/metrics', { schema: infrastructureRoute, config: { public: true, rateLimit: false } }, async (request, reply) => {
    const token = options.metricsToken;
    if (token) {
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!sameSecret(given, token)) return reply.code(401).header('www-authenticate', 'Bearer').send();
    }
    return reply.type(http.registry.contentType).send(await http.registry.metrics());
  });
}

export default fp(observability, { name: 'observability', fastify: '5.x' });
