import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/auth/access-tokens.js';
import { isLocked, lockAfterFailure } from '../src/auth/lockout.js';
import { hashPassword, verifyPassword } from '../src/auth/passwords.js';
import { digestToken, newOpaqueToken } from '../src/auth/refresh-tokens.js';
import { newTotpSecret, totpUri, verifyTotp } from '../src/auth/totp.js';

const settings = { secret: 'k'.repeat(48), issuer: 'https://api.test', audience: 'https://api.test', ttlSeconds: 900 };

describe('access tokens', () => {
  it('round-trips the claims and expires after the configured lifetime', async () => {
    const tokens = new AccessTokens(settings);
    const token = await tokens.sign({ userId: 'u', tenantId: 't', sessionId: 's', mfaAt: 100 });
    expect(await tokens.verify(token)).toEqual({ userId: 'u', tenantId: 't', sessionId: 's', mfaAt: 100 });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(900);
  });

  it('rejects another issuer or audience and short keys', async () => {
    const token = await new AccessTokens(settings).sign({ userId: 'u', tenantId: 't', sessionId: 's' });
    expect(await new AccessTokens({ ...settings, issuer: 'https://other' }).verify(token)).toBeUndefined();
    expect(await new AccessTokens({ ...settings, audience: 'https://other' }).verify(token)).toBeUndefined();
    expect(() => new AccessTokens({ ...settings, secret: 'short' })).toThrow(/32 bytes/);
  });
});

describe('passwords', () => {
  it('hashes with argon2id and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'wrong')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});

describe('opaque tokens', () => {
  it('are 256-bit random and stored as a sha256 digest', () => {
    const token = newOpaqueToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newOpaqueToken()).not.toBe(token);
    expect(digestToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('lockout', () => {
  it('backs off exponentially after the free attempts, up to 15 minutes', () => {
    const now = new Date(0);
    expect(lockAfterFailure(4, now)).toBeNull();
    expect(lockAfterFailure(5, now)?.getTime()).toBe(30_000);
    expect(lockAfterFailure(6, now)?.getTime()).toBe(60_000);
    expect(lockAfterFailure(40, now)?.getTime()).toBe(900_000);
    expect(isLocked(null, now)).toBe(false);
    expect(isLocked(new Date(1), now)).toBe(true);
    expect(isLocked(new Date(0), now)).toBe(false);
  });
});

describe('totp', () => {
  it('accepts the current code once per time step', async () => {
    const secret = newTotpSecret();
    expect(totpUri('https://api.test', 'a@example.com', secret)).toContain(`secret=${secret}`);
    const code = await generate({ secret });
    const step = await verifyTotp(secret, code);
    expect(step).toBeTypeOf('number');
    expect(await verifyTotp(secret, code, step)).toBeUndefined();
    expect(await verifyTotp(secret, '12345')).toBeUndefined();
  });
});
