import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, type ObjectStorage } from '../src/storage/index.js';
import { LocalDiskStorage } from '../src/storage/local.js';
import { S3Storage } from '../src/storage/s3.js';
import { assertValidKey } from '../src/storage/storage.js';

/** The contract both implementations must honour. */
function contract(name: string, open: () => Promise<{ storage: ObjectStorage; fetchSigned: (url: string) => Promise<Buffer | undefined> }>): void {
  describe(`${name} storage`, () => {
    let storage: ObjectStorage;
    let fetchSigned: (url: string) => Promise<Buffer | undefined>;
    beforeAll(async () => ({ storage, fetchSigned } = await open()));

    it('puts, reads, checks and deletes objects', async () => {
      const key = 'tenants/t1/exports/a.json';
      expect(await storage.exists(key)).toBe(false);
      expect(await storage.get(key)).toBeUndefined();
      await storage.put(key, '{"a":1}', { contentType: 'application/json' });
      expect(await storage.exists(key)).toBe(true);
      expect((await storage.get(key))?.toString('utf8')).toBe('{"a":1}');
      await storage.put(key, new Uint8Array([1, 2, 3]));
      expect([...((await storage.get(key)) ?? [])]).toEqual([1, 2, 3]);
      await storage.delete(key);
      expect(await storage.exists(key)).toBe(false);
      await storage.delete(key);
    });

    it('signs a URL that downloads the object', async () => {
      await storage.put('tenants/t1/report.txt', 'hello');
      const url = await storage.signedUrl('tenants/t1/report.txt', { expiresInSeconds: 60, downloadName: 'report.txt' });
      expect((await fetchSigned(url))?.toString('utf8')).toBe('hello');
    });

    it.each(['../escape', 'a/../../b', '/absolute', 'a//b', 'with space', 'a/./b', ''])('rejects the key %j', async (key) => {
      await expect(storage.put(key, 'x')).rejects.toThrow(/Invalid object storage key/);
    });
  });
}

let localDir: string;
contract('local disk', async () => {
  localDir = await mkdtemp(join(tmpdir(), 'storage-test-'));
  return {
    storage: new LocalDiskStorage({ directory: localDir, nodeEnv: 'test' }),
    fetchSigned: async (url) => {
      const { readFile } = await import('node:fs/promises');
      return readFile(fileURLToPath(url));
    },
  };
});
afterAll(async () => {
  if (localDir) await rm(localDir, { recursive: true, force: true });
});

/** A minimal path-style S3 endpoint: enough of PUT/GET/HEAD/DELETE for the SDK, and a mode that never answers. */
class FakeS3 {
  readonly objects = new Map<string, Buffer>();
  stall = false;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  server: Server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (this.stall) return;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const object = this.objects.get(path);
    if (req.method === 'PUT') {
      this.objects.set(path, Buffer.concat(chunks));
      res.writeHead(200, { etag: '"etag"' }).end();
    } else if (req.method === 'DELETE') {
      this.objects.delete(path);
      res.writeHead(204).end();
    } else if (!object) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>missing</Message></Error>');
    } else {
      res.writeHead(200, { 'content-length': object.length, 'content-type': 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : object);
    }
  }
}

const fake = new FakeS3();
let endpoint: string;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

contract('S3', async () => {
  endpoint = await fake.start();
  return {
    storage: new S3Storage({ bucket: 'uploads', region: 'eu-west-1', endpoint, timeoutMs: 2000, credentials }),
    fetchSigned: async (url) => {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return response.ok ? Buffer.from(await response.arrayBuffer()) : undefined;
    },
  };
});
afterAll(async () => fake.stop());

describe('S3 storage details', () => {
  it('addresses the bucket by path on a custom endpoint and signs the URL', async () => {
    const storage = new S3Storage({ bucket: 'uploads', region: 'eu-west-1', endpoint, timeoutMs: 2000, credentials });
    await storage.put('k/v.json', '{}', { contentType: 'application/json' });
    const put = fake.requests.findLast((request) => request.method === 'PUT');
    expect(put?.url).toMatch(/^\/uploads\/k\/v\.json/);
    expect(put?.headers['content-type']).toBe('application/json');
    expect(put?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
    const url = new URL(await storage.signedUrl('k/v.json', { expiresInSeconds: 60 }));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    storage.close();
  });

  it('gives up on an endpoint that never answers instead of hanging', async () => {
    const storage = new S3Storage({ bucket: 'uploads', region: 'eu-west-1', endpoint, timeoutMs: 150, maxAttempts: 2, credentials });
    fake.stall = true;
    const started = Date.now();
    try {
      await expect(storage.put('slow/object', 'x')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      fake.stall = false;
      storage.close();
    }
  });
});

describe('createStorage', () => {
  const base = { nodeEnv: 'test' as const, s3Bucket: undefined, s3Region: undefined, s3Endpoint: undefined, localStorageDir: '.data/test-storage', outboundTimeoutMs: 1000 };

  it('picks the configured driver', () => {
    expect(createStorage({ ...base, storageDriver: 'local' })).toBeInstanceOf(LocalDiskStorage);
    expect(createStorage({ ...base, storageDriver: 's3', s3Bucket: 'b', s3Region: 'eu-west-1' })).toBeInstanceOf(S3Storage);
    expect(() => createStorage({ ...base, storageDriver: 's3' })).toThrow(/S3_BUCKET/);
  });

  it('refuses the local disk in production', () => {
    expect(() => createStorage({ ...base, nodeEnv: 'production', storageDriver: 'local' })).toThrow(/STORAGE_DRIVER=s3/);
  });

  it('leaves no partial files behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'storage-partial-'));
    try {
      const storage = new LocalDiskStorage({ directory: dir, nodeEnv: 'development' });
      await Promise.all(Array.from({ length: 5 }, (_, i) => storage.put('same/key', `v${i}`)));
      expect(await readdir(join(dir, 'same'))).toEqual(['key']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts S3-safe keys', () => {
    expect(() => assertValidKey("tenants/0f/exports/projects-1.json")).not.toThrow();
    expect(() => assertValidKey('x'.repeat(1025))).toThrow();
  });
});
