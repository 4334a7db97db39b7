/**
 * Envelope encryption of sensitive columns (SEC-12): every value gets its own data key (AES-256-GCM), and only
 * the data key wrapped by the key-encryption key is stored with it. A database dump or a backup alone reveals
 * nothing; rotating the KEK re-wraps small data keys instead of re-encrypting with one shared key.
 *
 * Stored form: `v1.<keyId>.<wrapped data key>.<iv ‖ tag ‖ ciphertext>`, each part base64url. The context (table,
 * column and row id) is authenticated, so a value copied to another row or column does not decrypt.
 */
import { aesGcmDecrypt, aesGcmEncrypt, DecryptionError, type KeyEncryptionKey } from './key-encryption-key.js';

const VERSION = 'v1';
const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export class FieldEncryption {
  constructor(readonly kek: KeyEncryptionKey) {}

  async encrypt(plaintext: string, context: string): Promise<string> {
    const dataKey = await this.kek.generateDataKey(context);
    try {
      const sealed = aesGcmEncrypt(dataKey.plaintext, Buffer.from(plaintext, 'utf8'), context);
      return [VERSION, b64(dataKey.keyId), b64(dataKey.wrapped), b64(sealed)].join('.');
    } finally {
      dataKey.plaintext.fill(0);
    }
  }

  async decrypt(stored: string, context: string): Promise<string> {
    const { keyId, wrapped, sealed } = parse(stored);
    const dataKey = await this.kek.unwrapDataKey(wrapped, keyId, context);
    try {
      return aesGcmDecrypt(dataKey, sealed, context).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }

  /** The KEK that wrapped a stored value: `./rotate.ts` re-encrypts those not under the current one. */
  keyIdOf(stored: string): string {
    return parse(stored).keyId;
  }
}

function parse(stored: string): { keyId: string; wrapped: Buffer; sealed: Buffer } {
  const parts = stored.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptionError('Not a value encrypted by FieldEncryption');
  return { keyId: Buffer.from(parts[1]!, 'base64url').toString('utf8'), wrapped: Buffer.from(parts[2]!, 'base64url'), sealed: Buffer.from(parts[3]!, 'base64url') };
}
