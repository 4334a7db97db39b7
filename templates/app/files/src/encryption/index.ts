import type { Config } from '../config.js';
import { FieldEncryption } from './field-encryption.js';
import { LocalKeyEncryptionKey, type KeyEncryptionKey } from './key-encryption-key.js';
import { KmsKeyEncryptionKey } from './kms.js';

export { DecryptionError, LocalKeyEncryptionKey, type KeyEncryptionKey } from './key-encryption-key.js';
export { FieldEncryption } from './field-encryption.js';

type EncryptionConfig = Pick<Config, 'encryptionKeyProvider' | 'kmsKeyId' | 'encryptionKey' | 'encryptionPreviousKeys' | 'outboundTimeoutMs'>;

export function createKeyEncryptionKey(config: EncryptionConfig): KeyEncryptionKey {
  if (config.encryptionKeyProvider === 'kms') {
    if (!config.kmsKeyId) throw new Error('KMS_KEY_ID is required when ENCRYPTION_KEY_PROVIDER=kms');
    return new KmsKeyEncryptionKey({ keyId: config.kmsKeyId, timeoutMs: config.outboundTimeoutMs });
  }
  return new LocalKeyEncryptionKey(config.encryptionKey, config.encryptionPreviousKeys);
}

export function createFieldEncryption(config: EncryptionConfig): FieldEncryption {
  return new FieldEncryption(createKeyEncryptionKey(config));
}
