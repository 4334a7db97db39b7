import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertValidKey, type ObjectStorage, type PutOptions, type SignedUrlOptions } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, LocalStack, R2); path-style addressing is used with it. */
  endpoint?: string | undefined;
  /** Bound on each attempt; the SDK retries up to `maxAttempts` times. */
  timeoutMs: number;
  maxAttempts?: number;
  /** Only for tests and non-AWS endpoints; otherwise the SDK's default chain (environment, IAM role) applies. */
  credentials?: S3ClientConfig['credentials'];
}

function isMissing(err: unknown): boolean {
  if (err instanceof NoSuchKey || err instanceof NotFound) return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404;
}

export class S3Storage implements ObjectStorage {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #timeoutMs: number;

  constructor(options: S3StorageOptions) {
    this.#bucket = options.bucket;
    this.#timeoutMs = options.timeoutMs;
    this.#client = new S3Client({
      region: options.region,
      // S3-compatible services (MinIO, R2, LocalStack) do not all accept the SDK's default integrity checksums.
      ...(options.endpoint
        ? { endpoint: options.endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
        : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      // Without these the SDK waits forever on a stalled connection (SCL-6).
      requestHandler: {
        connectionTimeout: Math.min(options.timeoutMs, 3000),
        requestTimeout: options.timeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  }

  /** The whole call, retries included, is bounded too. */
  #signal(): AbortSignal {
    return AbortSignal.timeout(this.#timeoutMs * 3);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    assertValidKey(key);
    await this.#client.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: options.contentType ?? 'application/octet-stream' }),
      { abortSignal: this.#signal() },
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    assertValidKey(key);
    try {
      const result = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }), { abortSignal: this.#signal() });
      if (!result.Body) return Buffer.alloc(0);
      return Buffer.from(await result.Body.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }), { abortSignal: this.#signal() });
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }), { abortSignal: this.#signal() });
  }

  async signedUrl(key: string, options: SignedUrlOptions = {}): Promise<string> {
    assertValidKey(key);
    const command = new GetObjectCommand({
      Bucket: this.#bucket,
      Key: key,
      ...(options.downloadName ? { ResponseContentDisposition: `attachment; filename="${options.downloadName.replace(/["\\\r\n]/g, '_')}"` } : {}),
    });
    return getSignedUrl(this.#client, command, { expiresIn: options.expiresInSeconds ?? 900 });
  }

  close(): void {
    this.#client.destroy();
  }
}
