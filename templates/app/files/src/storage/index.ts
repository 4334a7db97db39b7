import type { Config } from '../config.js';
import { LocalDiskStorage } from './local.js';
import { S3Storage } from './s3.js';
import type { ObjectStorage } from './storage.js';

export type { ObjectStorage, PutOptions, SignedUrlOptions } from './storage.js';

type StorageConfig = Pick<Config, 'nodeEnv' | 'storageDriver' | 's3Bucket' | 's3Region' | 's3Endpoint' | 'localStorageDir' | 'outboundTimeoutMs'>;

export function createStorage(config: StorageConfig): ObjectStorage {
  if (config.storageDriver === 'local') return new LocalDiskStorage({ directory: config.localStorageDir, nodeEnv: config.nodeEnv });
  if (!config.s3Bucket) throw new Error('S3_BUCKET is required when STORAGE_DRIVER=s3');
  return new S3Storage({
    bucket: config.s3Bucket,
    region: config.s3Region ?? 'us-east-1',
    endpoint: config.s3Endpoint,
    timeoutMs: config.outboundTimeoutMs,
  });
}
