import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, loadMigrationConfig } from '../src/config.js';

const database = { DATABASE_URL: 'postgres://app@localhost:5432/app' };
const production = {
  ...database,
  NODE_ENV: 'production',
  JWT_SECRET: 'k3Vq9xT2mZ8rW5nB7cY4hJ6pL1sD0fGa',
  JWT_ISSUER: 'https://api.acme.test',
  JWT_AUDIENCE: 'https://api.acme.test',
  S3_BUCKET: 'acme-uploads',
  SMTP_URL: 'smtp://mail.acme.test:587',
  KMS_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:key/0f6c1b7e-3d9a-4c55-9e0b-2b8f4a7d6c11',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('has development defaults', () => {
    const config = loadConfig(database);
    expect(config).toMatchObject({ nodeEnv: 'development', port: 3000, host: '127.0.0.1', accessTokenTtlSeconds: 900, storageDriver: 'local', emailTransport: 'log' });
    expect(config.migrationDatabaseUrl).toBe(database.DATABASE_URL);
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig({ ...production, CORS_ORIGINS: 'https://app.acme.test, https://admin.acme.test', PORT: '8080' });
    expect(config).toMatchObject({ nodeEnv: 'production', host: '0.0.0.0', port: 8080, storageDriver: 's3', emailTransport: 'smtp' });
    expect(config.corsOrigins).toEqual(['https://app.acme.test', 'https://admin.acme.test']);
  });

  it('names every problem, with what to do', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^DATABASE_URL is required .*embedded PostgreSQL/)]);
    expect(problems({ ...database, PORT: 'eighty', NODE_ENV: 'staging', LOG_LEVEL: 'loud' })).toEqual([
      expect.stringContaining('NODE_ENV must be one of development, test, production'),
      expect.stringContaining('LOG_LEVEL must be one of'),
      'PORT must be an integer from 0 to 65535 (got "eighty")',
    ]);
    expect(problems({ DATABASE_URL: 'mysql://x' })).toEqual([expect.stringContaining('DATABASE_URL must be a postgres: or postgresql: URL')]);
    expect(problems({ DATABASE_URL: 'not a url' })).toEqual(['DATABASE_URL is not a valid URL']);
    expect(problems({ ...database, CORS_ORIGINS: '*' })).toEqual([expect.stringContaining('"*" is not allowed')]);
    expect(problems({ ...database, CORS_ORIGINS: 'acme.test' })).toEqual([expect.stringContaining('must be an origin')]);
    expect(problems({ ...database, JWT_SECRET: 'short' })).toEqual(['JWT_SECRET must be at least 32 characters (got 5)']);
    expect(problems({ ...database, STORAGE_DRIVER: 's3', EMAIL_TRANSPORT: 'smtp' })).toEqual([
      'S3_BUCKET is required when STORAGE_DRIVER=s3',
      'SMTP_URL is required when EMAIL_TRANSPORT=smtp',
    ]);
  });

  it('refuses missing and placeholder secrets in production', () => {
    const { JWT_SECRET: _secret, ...withoutSecret } = production;
    expect(problems(withoutSecret)).toEqual([expect.stringContaining('JWT_SECRET is required in production')]);
    expect(problems({ ...production, JWT_SECRET: 'change-me-change-me-change-me-change-me' })).toEqual([expect.stringContaining('looks like a placeholder')]);
    expect(problems({ ...production, JWT_SECRET: 'x'.repeat(40) })).toEqual([expect.stringContaining('looks like a placeholder')]);
    const { JWT_ISSUER: _issuer, JWT_AUDIENCE: _audience, ...withoutClaims } = production;
    expect(problems(withoutClaims)).toEqual(['JWT_ISSUER is required in production', 'JWT_AUDIENCE is required in production']);
  });

  it('wraps data keys with KMS in production, and refuses a missing, malformed or placeholder local key', () => {
    expect(loadConfig(production)).toMatchObject({ encryptionKeyProvider: 'kms', kmsKeyId: production.KMS_KEY_ID });
    const { KMS_KEY_ID: _kms, ...withoutKms } = production;
    expect(problems(withoutKms)).toEqual([expect.stringContaining('KMS_KEY_ID is required when ENCRYPTION_KEY_PROVIDER=kms')]);
    const local = { ...withoutKms, ENCRYPTION_KEY_PROVIDER: 'local' };
    expect(problems(local)).toEqual([expect.stringContaining('ENCRYPTION_KEY is required in production')]);
    expect(problems({ ...local, ENCRYPTION_KEY: 'too-short' })).toEqual([expect.stringContaining('must be 32 random bytes in base64')]);
    expect(problems({ ...local, ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })).toEqual([expect.stringContaining('looks like a placeholder')]);
    const key = randomBytes(32);
    expect(loadConfig({ ...local, ENCRYPTION_KEY: key.toString('base64') }).encryptionKey.equals(key)).toBe(true);
    // Development and tests: a random key per process when none is set, previous keys accepted for rotation.
    const development = loadConfig({ ...database, ENCRYPTION_PREVIOUS_KEYS: key.toString('base64') });
    expect(development).toMatchObject({ encryptionKeyProvider: 'local', encryptionPreviousKeys: [key] });
    expect(development.encryptionKey).toHaveLength(32);
  });

  it('gives the migration runner the owner URL without the rest of the configuration', () => {
    expect(loadMigrationConfig({ NODE_ENV: 'production', MIGRATION_DATABASE_URL: 'postgres://owner@db/app' })).toEqual({ migrationDatabaseUrl: 'postgres://owner@db/app', tenantRoutingFile: undefined });
    expect(loadMigrationConfig(database).migrationDatabaseUrl).toBe(database.DATABASE_URL);
    expect(() => loadMigrationConfig({})).toThrow(/MIGRATION_DATABASE_URL \(the owner role\) or DATABASE_URL/);
  });

  it('formats all problems into one message', () => {
    expect(() => loadConfig({})).toThrow(/^Invalid configuration:\n- DATABASE_URL is required/);
  });
});
