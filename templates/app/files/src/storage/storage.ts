export interface PutOptions {
  contentType?: string;
}

export interface SignedUrlOptions {
  /** Default 900 (15 minutes). */
  expiresInSeconds?: number;
  /** Suggests a file name to the browser (Content-Disposition: attachment). */
  downloadName?: string;
}

/**
 * Object storage for uploads and generated files (SCL-2): S3-compatible in deployed environments,
 * the local disk in development and tests. Keys are `/`-separated paths such as `tenants/<id>/exports/<job>.json`.
 */
export interface ObjectStorage {
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** The object's bytes, or `undefined` when there is no object under the key. */
  get(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** A time-limited URL that downloads the object without credentials. */
  signedUrl(key: string, options?: SignedUrlOptions): Promise<string>;
}

const keyPattern = /^[A-Za-z0-9!_.*'()-]+(?:\/[A-Za-z0-9!_.*'()-]+)*$/;

/** Rejects keys that could escape a directory or need escaping: S3's "safe characters", no `.`/`..` segments. */
export function assertValidKey(key: string): void {
  if (key.length > 1024 || !keyPattern.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`Invalid object storage key: ${JSON.stringify(key)}`);
  }
}
