/**
 * Envelope encryption, the outer layer: a key-encryption key (KEK) that never leaves its home (AWS KMS in
 * production, a key from configuration in development and tests) wraps the per-record data keys.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface DataKey {
  /** Encrypts one record, then is forgotten. */
  plaintext: Buffer;
  /** The data key encrypted by the KEK: stored next to the record. */
  wrapped: Buffer;
  /** Which KEK wrapped it, so a rotated key can still unwrap old records and the rotation can find them. */
  keyId: string;
}

export interface KeyEncryptionKey {
  /** The key that wraps new data keys. */
  readonly keyId: string;
  /** `context` is bound to the wrapped key (AES-GCM AAD, KMS encryption context): it must match to unwrap. */
  generateDataKey(context: string): Promise<DataKey>;
  unwrapDataKey(wrapped: Buffer, keyId: string, context: string): Promise<Buffer>;
}

export class DecryptionError extends Error {
  constructor(message = 'The value cannot be decrypted with the configured keys') {
    super(message);
    this.name = 'DecryptionError';
  }
}

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM; the output is iv ‖ tag ‖ ciphertext. */
export function aesGcmEncrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

export function aesGcmDecrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('The encrypted value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    // GCM authentication failed: another key, another context, or a tampered value.
    throw new DecryptionError();
  }
}

/** A short, non-secret fingerprint of a local key: names it in stored records without revealing it. */
export const localKeyId = (key: Buffer): string => `local:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;

/**
 * KEKs held in configuration (`ENCRYPTION_KEY`, plus `ENCRYPTION_PREVIOUS_KEYS` while rotating). For development,
 * tests, and deployments without a KMS; with AWS, prefer `KmsKeyEncryptionKey`.
 */
export class LocalKeyEncryptionKey implements KeyEncryptionKey {
  readonly keyId: string;
  readonly #current: Buffer;
  readonly #byId: Map<string, Buffer>;

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_BYTES) throw new Error(`An encryption key must be ${KEY_BYTES} bytes (got ${key.length})`);
    }
    this.#current = current;
    this.keyId = localKeyId(current);
    this.#byId = new Map([current, ...previous].map((key) => [localKeyId(key), key]));
  }

  async generateDataKey(context: string): Promise<DataKey> {
    const plaintext = randomBytes(KEY_BYTES);
    return { plaintext, wrapped: aesGcmEncrypt(this.#current, plaintext, context), keyId: this.keyId };
  }

  async unwrapDataKey(wrapped: Buffer, keyId: string, context: string): Promise<Buffer> {
    const key = this.#byId.get(keyId);
    if (!key) throw new DecryptionError(`The key ${keyId} that encrypted this value is not configured (ENCRYPTION_PREVIOUS_KEYS)`);
    return aesGcmDecrypt(key, wrapped, context);
  }
}
