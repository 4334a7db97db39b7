/**
 * Every environment variable the application reads, validated once at start-up. A bad value stops the
 * process with one line per problem, naming the variable and what it expects.
 */
import { randomBytes } from 'node:crypto';

export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  nodeEnv: NodeEnv;
  logLevel: LogLevel;
  port: number;
  host: string;
  /** The application role (RLS applies to it). */
  databaseUrl: string;
  /** The owner role, for migrations; falls back to databaseUrl. */
  migrationDatabaseUrl: string;
  databasePoolMax: number;
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  corsOrigins: string[];
  storageDriver: 's3' | 'local';
  s3Bucket: string | undefined;
  s3Region: string | undefined;
  s3Endpoint: string | undefined;
  localStorageDir: string;
  emailTransport: 'smtp' | 'log';
  smtpUrl: string | undefined;
  emailFrom: string;
  otelExporterOtlpEndpoint: string | undefined;
  tenantRoutingFile: string | undefined;
  outboundTimeoutMs: number;
  /** Bearer token `/metrics` requires; open when unset (keep it on a private network then). */
  metricsToken: string | undefined;
  /** Proxy hops in front of the API (1 behind a load balancer), so `request.ip` is the client's address. */
  trustProxy: number;
  rateLimitPerIpPerMinute: number;
  rateLimitPerTenantPerMinute: number;
  /** Who wraps the data keys of encrypted columns: AWS KMS (production) or a key from configuration. */
  encryptionKeyProvider: 'kms' | 'local';
  kmsKeyId: string | undefined;
  /** The current local key-encryption key (32 bytes). */
  encryptionKey: Buffer;
  /** Retired local keys, still accepted for decryption until `npm run encryption:rotate` has re-encrypted their data. */
  encryptionPreviousKeys: Buffer[];
  /** How long an instance trusts a cached session/membership check; 0 turns the cache off. */
  authCacheTtlMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Values that are obviously copied from an example and must never protect a production deployment. */
const placeholder = /change[-_ ]?me|placeholder|example|secret|password|replace|todo|xxx|^(.)\1+$/i;

/** Readers of typed variables; each bad value adds one line to `problems`. */
function readers(env: Env, problems: string[]) {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = read(name) ?? fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (protocols.includes(parsed.protocol)) return raw;
      problems.push(`${name} must be a ${protocols.join(' or ')} URL (got protocol "${parsed.protocol}")`);
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return undefined;
  };
  return { read, oneOf, integer, url };
}

const postgres = ['postgres:', 'postgresql:'];

/** The migration runner's configuration: the owner role's URL (MIGRATION_DATABASE_URL, else DATABASE_URL) and the tenant routing. */
export type MigrationConfig = Pick<Config, 'migrationDatabaseUrl' | 'tenantRoutingFile'>;

function readMigrationConfig(env: Env, problems: string[]): MigrationConfig & { databaseUrl: string | undefined } {
  const { read, url } = readers(env, problems);
  const databaseUrl = url('DATABASE_URL', postgres);
  const migrationDatabaseUrl = url('MIGRATION_DATABASE_URL', postgres) ?? databaseUrl ?? '';
  return { databaseUrl, migrationDatabaseUrl, tenantRoutingFile: read('TENANT_ROUTING_FILE') };
}

/** For `db:migrate`, which runs as its own task with the owner's URL only, not the API's whole configuration. */
export function loadMigrationConfig(env: Env = process.env): MigrationConfig {
  const problems: string[] = [];
  const { migrationDatabaseUrl, tenantRoutingFile } = readMigrationConfig(env, problems);
  if (!migrationDatabaseUrl && problems.length === 0) problems.push('Set MIGRATION_DATABASE_URL (the owner role) or DATABASE_URL to migrate');
  if (problems.length) throw new ConfigError(problems);
  return { migrationDatabaseUrl, tenantRoutingFile };
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const { read, oneOf, integer, url } = readers(env, problems);

  const nodeEnv = oneOf<NodeEnv>('NODE_ENV', ['development', 'test', 'production'], 'development');
  const production = nodeEnv === 'production';
  const logLevel = oneOf<LogLevel>('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], nodeEnv === 'test' ? 'silent' : 'info');
  const port = integer('PORT', 3000, 0, 65_535);
  const host = read('HOST') ?? (production ? '0.0.0.0' : '127.0.0.1');

  const { databaseUrl, migrationDatabaseUrl, tenantRoutingFile } = readMigrationConfig(env, problems);
  if (!databaseUrl && read('DATABASE_URL') === undefined) {
    problems.push('DATABASE_URL is required (`npm run dev` and `npm test` start an embedded PostgreSQL when it is unset)');
  }

  let jwtSecret = read('JWT_SECRET');
  if (jwtSecret === undefined) {
    if (production) problems.push('JWT_SECRET is required in production (at least 32 random characters: `openssl rand -base64 48`)');
    // Outside production a missing key is replaced per process: tokens simply stop working after a restart.
    jwtSecret = randomBytes(48).toString('base64url');
  } else if (jwtSecret.length < 32) {
    problems.push(`JWT_SECRET must be at least 32 characters (got ${jwtSecret.length})`);
  } else if (production && placeholder.test(jwtSecret)) {
    problems.push('JWT_SECRET looks like a placeholder; generate a random one (`openssl rand -base64 48`)');
  }

  const encryptionKeyProvider = oneOf('ENCRYPTION_KEY_PROVIDER', ['kms', 'local'] as const, production ? 'kms' : 'local');
  const kmsKeyId = read('KMS_KEY_ID');
  if (encryptionKeyProvider === 'kms' && !kmsKeyId) problems.push('KMS_KEY_ID is required when ENCRYPTION_KEY_PROVIDER=kms (the ARN of a symmetric KMS key)');
  const encryptionKeyOf = (name: string, raw: string): Buffer | undefined => {
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')) {
      problems.push(`${name} must be 32 random bytes in base64 (\`openssl rand -base64 32\`)`);
      return undefined;
    }
    // Only long words: short ones (`xxx`, `todo`) occur by chance in random base64.
    if (production && (/changeme|placeholder|example|replace/i.test(raw) || key.every((byte) => byte === key[0]))) {
      problems.push(`${name} looks like a placeholder; generate a random one (\`openssl rand -base64 32\`)`);
    }
    return key;
  };
  const rawEncryptionKey = read('ENCRYPTION_KEY');
  let encryptionKey = rawEncryptionKey === undefined ? undefined : encryptionKeyOf('ENCRYPTION_KEY', rawEncryptionKey);
  if (rawEncryptionKey === undefined && production && encryptionKeyProvider === 'local') {
    problems.push('ENCRYPTION_KEY is required in production with ENCRYPTION_KEY_PROVIDER=local (`openssl rand -base64 32`)');
  }
  // Outside production a missing key is replaced per process, like JWT_SECRET: the embedded database of `dev` and the tests dies with it.
  encryptionKey ??= randomBytes(32);
  const encryptionPreviousKeys = (read('ENCRYPTION_PREVIOUS_KEYS') ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .flatMap((key) => encryptionKeyOf('ENCRYPTION_PREVIOUS_KEYS', key) ?? []);

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin === '*') problems.push('CORS_ORIGINS must list origins explicitly; "*" is not allowed');
    else if (!/^https?:\/\/[^/\s]+$/.test(origin)) problems.push(`CORS_ORIGINS entry "${origin}" must be an origin like https://app.example.com`);
  }

  const storageDriver = oneOf('STORAGE_DRIVER', ['s3', 'local'] as const, production ? 's3' : 'local');
  const s3Bucket = read('S3_BUCKET');
  if (storageDriver === 's3' && !s3Bucket) problems.push('S3_BUCKET is required when STORAGE_DRIVER=s3');
  const emailTransport = oneOf('EMAIL_TRANSPORT', ['smtp', 'log'] as const, production ? 'smtp' : 'log');
  const smtpUrl = url('SMTP_URL', ['smtp:', 'smtps:']);
  if (emailTransport === 'smtp' && !smtpUrl) problems.push('SMTP_URL is required when EMAIL_TRANSPORT=smtp');

  const config: Config = {
    nodeEnv,
    logLevel,
    port,
    host,
    databaseUrl: databaseUrl ?? '',
    migrationDatabaseUrl,
    databasePoolMax: integer('DATABASE_POOL_MAX', 10, 1, 1000),
    jwtSecret,
    jwtIssuer: read('JWT_ISSUER') ?? 'http://localhost',
    jwtAudience: read('JWT_AUDIENCE') ?? 'http://localhost',
    accessTokenTtlSeconds: integer('ACCESS_TOKEN_TTL_SECONDS', 900, 60, 3600),
    refreshTokenTtlDays: integer('REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
    corsOrigins,
    storageDriver,
    s3Bucket,
    s3Region: read('S3_REGION'),
    s3Endpoint: url('S3_ENDPOINT', ['http:', 'https:']),
    localStorageDir: read('LOCAL_STORAGE_DIR') ?? '.data/storage',
    emailTransport,
    smtpUrl,
    emailFrom: read('EMAIL_FROM') ?? 'no-reply@localhost',
    otelExporterOtlpEndpoint: url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
    tenantRoutingFile,
    outboundTimeoutMs: integer('OUTBOUND_TIMEOUT_MS', 5000, 100, 120_000),
    metricsToken: read('METRICS_TOKEN'),
    trustProxy: integer('TRUST_PROXY', 0, 0, 10),
    rateLimitPerIpPerMinute: integer('RATE_LIMIT_PER_IP_PER_MINUTE', 300, 1, 1_000_000),
    rateLimitPerTenantPerMinute: integer('RATE_LIMIT_PER_TENANT_PER_MINUTE', 1200, 1, 1_000_000),
    encryptionKeyProvider,
    kmsKeyId,
    encryptionKey,
    encryptionPreviousKeys,
    authCacheTtlMs: integer('AUTH_CACHE_TTL_MS', 5000, 0, 60_000),
  };
  if (production && config.jwtIssuer === 'http://localhost') problems.push('JWT_ISSUER is required in production');
  if (production && config.jwtAudience === 'http://localhost') problems.push('JWT_AUDIENCE is required in production');
  if (problems.length) throw new ConfigError(problems);
  return config;
}
