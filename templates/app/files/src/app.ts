/**
 * Builds the Fastify app: the same function serves the server, the tests (`app.inject`) and the OpenAPI
 * generator. Order matters: observability first (request ids, logs, metrics, probes), then security headers,
 * CORS and the per-IP limit, the OpenAPI collector, authentication, and the `/v1` routes.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { AccessChangeListener } from './auth/access-changes.js';
import authPlugin from './auth/plugin.js';
import authRoutes from './auth/routes.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import docs from './docs/plugin.js';
import { ProblemSchema, registerErrorHandling } from './errors.js';
import { createFieldEncryption, type FieldEncryption } from './encryption/index.js';
import { createJobQueue, type JobQueue } from './jobs/queue.js';
import { exportRoutes } from './jobs/routes.js';
import { queueInvitationEmail } from './jobs/send-invitation.js';
import { createStorage, type ObjectStorage } from './storage/index.js';
import observability, { loggerOptions, requestIdOptions } from './observability/plugin.js';
import { projectRoutes } from './projects/routes.js';
import { rateLimitHook, type RateLimitHook } from './rate-limit/rate-limit.js';
import { PostgresRateLimitStore, type RateLimitStore } from './rate-limit/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-tenant rate limit; add it after `app.authenticate` (`app.addHook('preHandler', app.tenantRateLimit)`). */
    tenantRateLimit: RateLimitHook;
  }
  interface FastifyContextConfig {
    /** `false` exempts a route (probes, metrics) from the per-IP limit. */
    rateLimit?: boolean;
    /** Marks a route that needs no authentication (documentation for readers and the audit). */
    public?: boolean;
  }
}

export interface BuildAppOptions {
  config: Config;
  /** Defaults to opening the configured databases; the app closes what it opened. */
  database?: Database;
  rateLimitStore?: RateLimitStore;
  /** Defaults to pg-boss on DATABASE_URL; closed with the app when opened here. */
  jobQueue?: JobQueue;
  /** Defaults to the configured object storage (STORAGE_DRIVER). */
  storage?: ObjectStorage;
  /** Defaults to the configured key-encryption key (ENCRYPTION_KEY_PROVIDER). */
  encryption?: FieldEncryption;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const production = config.nodeEnv === 'production';
  const app = Fastify({
    logger: loggerOptions(config),
    ...requestIdOptions,
    // Only the configured number of proxy hops may set X-Forwarded-For, so request.ip is the client's address.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Slow clients cannot hold connections open: whole request within 30 s, idle keep-alive 72 s (above common LB idle timeouts).
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const database = options.database ?? openDatabase(config, (error) => app.log.error({ err: error }, 'idle database client failed'));
  const jobQueue = options.jobQueue ?? createJobQueue(config.databaseUrl, (error) => app.log.error({ err: error }, 'job queue error'));
  // Closed in this order after the in-flight requests drained: the queue first (it may still be sending), then the pools.
  if (!options.jobQueue) app.addHook('onClose', async () => jobQueue.close());
  if (!options.database) app.addHook('onClose', async () => database.close());

  registerErrorHandling(app);
  app.addSchema(ProblemSchema);

  await app.register(observability, { checkDatabase: () => database.ping(), metricsToken: config.metricsToken });
  await app.register(helmet, {
    // The API serves JSON; only the development /docs page needs scripts and styles (it sets its own CSP).
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['location', 'x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'idempotency-replayed'],
    maxAge: 600,
  });

  const store = options.rateLimitStore ?? new PostgresRateLimitStore();
  const perIp = rateLimitHook(store, { name: 'ip', limit: config.rateLimitPerIpPerMinute, windowMs: 60_000, key: (request) => request.ip });
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.rateLimit === false) return;
    await perIp(request, reply);
  });
  app.decorate(
    'tenantRateLimit',
    rateLimitHook(store, { name: 'tenant', limit: config.rateLimitPerTenantPerMinute, windowMs: 60_000, key: (request) => request.auth?.tenantId }),
  );

  await app.register(docs, { production });
  const encryption = options.encryption ?? createFieldEncryption(config);
  await app.register(authPlugin, { config, encryption, sendInvitation: queueInvitationEmail(jobQueue, encryption) });
  if (config.authCacheTtlMs > 0) {
    const accessChanges = new AccessChangeListener(config.databaseUrl, app.authService.accessCache, app.log);
    await accessChanges.start();
    app.addHook('onClose', async () => accessChanges.close());
  }
  await app.register(authRoutes, { prefix: '/v1/auth' });
  await app.register(projectRoutes, { prefix: '/v1' });
  await app.register(exportRoutes, { prefix: '/v1', queue: jobQueue, storage: options.storage ?? createStorage(config) });
  return app;
}
