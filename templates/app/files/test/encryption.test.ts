import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpSecretContext } from '../src/auth/service.js';
import { users } from '../src/db/schema.js';
import { withSystem } from '../src/db/tenant.js';
import { DecryptionError, FieldEncryption, LocalKeyEncryptionKey } from '../src/encryption/index.js';
import { aesGcmDecrypt, aesGcmEncrypt } from '../src/encryption/key-encryption-key.js';
import { KmsKeyEncryptionKey } from '../src/encryption/kms.js';
import { reencryptTotpSecrets } from '../src/encryption/rotate.js';
import { createTestApp, enrolMfa, password, signup, testEncryptionKey } from './support/app.js';

const localEncryption = (key = randomBytes(32), previous: Buffer[] = []) => new FieldEncryption(new LocalKeyEncryptionKey(key, previous));

describe('envelope encryption', () => {
  it('stores neither the plaintext nor the data key in clear, and decrypts with the same key and context', async () => {
    const encryption = localEncryption();
    const secret = 'JBSWY3DPEHPK3PXP';
    const stored = await encryption.encrypt(secret, 'users.totp_secret:1');
    expect(stored).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored).not.toContain(secret);
    expect(Buffer.from(stored.split('.')[3]!, 'base64url').toString('latin1')).not.toContain(secret);
    // A fresh data key and IV every time: equal secrets do not give equal columns.
    expect(await encryption.encrypt(secret, 'users.totp_secret:1')).not.toBe(stored);
    expect(await encryption.decrypt(stored, 'users.totp_secret:1')).toBe(secret);
  });

  it('fails to decrypt with another key, another context or a tampered value', async () => {
    const encryption = localEncryption();
    const stored = await encryption.encrypt('secret value', 'ctx:a');
    await expect(localEncryption().decrypt(stored, 'ctx:a')).rejects.toBeInstanceOf(DecryptionError);
    await expect(encryption.decrypt(stored, 'ctx:b')).rejects.toBeInstanceOf(DecryptionError);
    const parts = stored.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[body.length - 1]! ^= 1;
    await expect(encryption.decrypt([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'ctx:a')).rejects.toBeInstanceOf(DecryptionError);
    await expect(encryption.decrypt('plain text', 'ctx:a')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('keeps decrypting under a retired key listed as previous, and names the key of each value', async () => {
    const oldKey = randomBytes(32);
    const stored = await localEncryption(oldKey).encrypt('value', 'ctx');
    const rotated = localEncryption(randomBytes(32), [oldKey]);
    expect(await rotated.decrypt(stored, 'ctx')).toBe('value');
    expect(rotated.keyIdOf(stored)).not.toBe(rotated.kek.keyId);
    expect(rotated.keyIdOf(await rotated.encrypt('value', 'ctx'))).toBe(rotated.kek.keyId);
  });

  it('asks KMS for data keys and to unwrap them, with the record context as encryption context', async () => {
    const master = randomBytes(32);
    const calls: { name: string; input: Record<string, unknown> }[] = [];
    // A stand-in for KMS: wraps with its own key, and refuses a context that does not match.
    const client = {
      async send(command: GenerateDataKeyCommand | DecryptCommand) {
        calls.push({ name: command.constructor.name, input: command.input as unknown as Record<string, unknown> });
        const context = JSON.stringify(command.input.EncryptionContext);
        if (command instanceof GenerateDataKeyCommand) {
          const plaintext = randomBytes(32);
          return { Plaintext: plaintext, CiphertextBlob: aesGcmEncrypt(master, plaintext, context) };
        }
        try {
          return { Plaintext: aesGcmDecrypt(master, Buffer.from(command.input.CiphertextBlob!), context) };
        } catch {
          throw Object.assign(new Error('invalid ciphertext'), { name: 'InvalidCiphertextException' });
        }
      },
    } as unknown as NonNullable<ConstructorParameters<typeof KmsKeyEncryptionKey>[0]['client']>;
    const keyId = 'arn:aws:kms:eu-west-1:111122223333:key/test';
    const encryption = new FieldEncryption(new KmsKeyEncryptionKey({ keyId, timeoutMs: 1000, client }));
    const stored = await encryption.encrypt('secret', 'users.totp_secret:42');
    expect(await encryption.decrypt(stored, 'users.totp_secret:42')).toBe('secret');
    expect(calls.map((call) => call.name)).toEqual(['GenerateDataKeyCommand', 'DecryptCommand']);
    expect(calls[0]!.input).toMatchObject({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { field: 'users.totp_secret:42' } });
    await expect(encryption.decrypt(stored, 'users.totp_secret:43')).rejects.toBeInstanceOf(DecryptionError);
  });
});

describe('TOTP secrets at rest', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const storedSecret = async (userId: string) => {
    const [row] = await withSystem((tx) => tx.select({ encrypted: users.totpSecretEncrypted, legacy: users.totpSecret }).from(users).where(eq(users.id, userId)));
    return row!;
  };

  it('stores the enrolled secret envelope-encrypted, never in plain text', async () => {
    const owner = await signup(app, 'Encrypted');
    const { secret } = await enrolMfa(app, owner);
    const stored = await storedSecret(owner.userId);
    expect(stored.legacy).toBeNull();
    expect(stored.encrypted).toBeTruthy();
    expect(stored.encrypted).not.toContain(secret);
    expect(await app.authService.encryption.decrypt(stored.encrypted!, totpSecretContext(owner.userId))).toBe(secret);
    // Bound to its row: the same value under another user's id does not decrypt.
    await expect(app.authService.encryption.decrypt(stored.encrypted!, totpSecretContext(crypto.randomUUID()))).rejects.toBeInstanceOf(DecryptionError);
  });

  it('rotates to a new key, and encrypts plain-text secrets left from before, without breaking sign-in', async () => {
    const encrypted = await signup(app, 'Rotated');
    const { secret } = await enrolMfa(app, encrypted);
    const legacy = await signup(app, 'Legacy');
    const legacySecret = (await enrolMfa(app, legacy)).secret;
    await withSystem((tx) => tx.update(users).set({ totpSecret: legacySecret, totpSecretEncrypted: null }).where(eq(users.id, legacy.userId)));

    const newKey = randomBytes(32);
    const rotated = localEncryption(newKey, [Buffer.from(testEncryptionKey, 'base64')]);
    // Other test files encrypt with keys of their own: this run reports their users as undecryptable, not ours.
    const first = await reencryptTotpSecrets(rotated);
    expect(first.rewritten).toBeGreaterThanOrEqual(2);
    expect(first.undecryptable).not.toEqual(expect.arrayContaining([encrypted.userId]));
    expect(first.undecryptable).not.toEqual(expect.arrayContaining([legacy.userId]));
    const rewrittenOnce = [];
    for (const user of [encrypted, legacy]) {
      const stored = await storedSecret(user.userId);
      expect(stored.legacy).toBeNull();
      expect(rotated.keyIdOf(stored.encrypted!)).toBe(rotated.kek.keyId);
      rewrittenOnce.push(stored.encrypted);
    }
    // Already under the current key: a second run leaves them alone.
    await reencryptTotpSecrets(rotated);
    expect([(await storedSecret(encrypted.userId)).encrypted, (await storedSecret(legacy.userId)).encrypted]).toEqual(rewrittenOnce);

    const after = await createTestApp({ ENCRYPTION_KEY: newKey.toString('base64') });
    try {
      const epoch = Math.floor(Date.now() / 1000) + 30;
      for (const [user, totpSecret] of [[encrypted, secret], [legacy, legacySecret]] as const) {
        const login = await after.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password, totp: await generate({ secret: totpSecret, epoch }) } });
        expect(login.statusCode).toBe(200);
      }
    } finally {
      await after.close();
    }
  });
});
