import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DecryptionError, type DataKey, type KeyEncryptionKey } from './key-encryption-key.js';

export interface KmsOptions {
  /** Key ARN (or alias ARN) of a symmetric KMS key; the task role needs kms:GenerateDataKey and kms:Decrypt on it. */
  keyId: string;
  /** Bound on each attempt; the SDK retries up to three times. */
  timeoutMs: number;
  /** For tests: anything with the client's `send`. */
  client?: Pick<KMSClient, 'send'>;
}

/**
 * The production KEK: data keys come from KMS `GenerateDataKey` and are unwrapped with `Decrypt`, so the key
 * material never leaves KMS, every use is in CloudTrail, and KMS key rotation needs no change here (the
 * wrapped key names its key version). The record's context is the KMS encryption context.
 */
export class KmsKeyEncryptionKey implements KeyEncryptionKey {
  readonly keyId: string;
  readonly #client: Pick<KMSClient, 'send'>;
  readonly #timeoutMs: number;

  constructor(options: KmsOptions) {
    this.keyId = options.keyId;
    this.#timeoutMs = options.timeoutMs;
    this.#client =
      options.client ??
      new KMSClient({
        maxAttempts: 3,
        // Without these the SDK waits forever on a stalled connection (SCL-6).
        requestHandler: { connectionTimeout: Math.min(options.timeoutMs, 3000), requestTimeout: options.timeoutMs, throwOnRequestTimeout: true },
      });
  }

  async generateDataKey(context: string): Promise<DataKey> {
    const result = await this.#client.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: { field: context } }),
      { abortSignal: AbortSignal.timeout(this.#timeoutMs * 3) },
    );
    if (!result.Plaintext || !result.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    return { plaintext: Buffer.from(result.Plaintext), wrapped: Buffer.from(result.CiphertextBlob), keyId: this.keyId };
  }

  async unwrapDataKey(wrapped: Buffer, keyId: string, context: string): Promise<Buffer> {
    try {
      const result = await this.#client.send(new DecryptCommand({ CiphertextBlob: wrapped, KeyId: keyId, EncryptionContext: { field: context } }), {
        abortSignal: AbortSignal.timeout(this.#timeoutMs * 3),
      });
      if (!result.Plaintext) throw new DecryptionError('KMS Decrypt returned no key');
      return Buffer.from(result.Plaintext);
    } catch (error) {
      // Wrong key or context: a decryption failure. Anything else (throttling, network) stays what it is.
      if ((error as { name?: string }).name === 'InvalidCiphertextException' || (error as { name?: string }).name === 'IncorrectKeyException') {
        throw new DecryptionError();
      }
      throw error;
    }
  }
}
