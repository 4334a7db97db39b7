import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertValidKey, type ObjectStorage, type PutOptions } from './storage.js';

/**
 * Objects as files under one directory. Development and tests only: a container's disk is neither shared
 * between instances nor durable (SCL-2), so it is refused in production.
 */
export class LocalDiskStorage implements ObjectStorage {
  readonly #root: string;

  constructor(options: { directory: string; nodeEnv: string }) {
    if (options.nodeEnv === 'production') {
      throw new Error('STORAGE_DRIVER=local is for development and tests; use STORAGE_DRIVER=s3 in production.');
    }
    this.#root = resolve(options.directory);
  }

  #path(key: string): string {
    assertValidKey(key);
    const path = resolve(this.#root, key);
    if (!path.startsWith(this.#root + sep)) throw new Error(`Invalid object storage key: ${JSON.stringify(key)}`);
    return path;
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    // Write-then-rename: a reader never sees half an object.
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, body);
    await rename(partial, path);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.#path(key))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  /** A `file://` URL: there is nothing to sign on a developer's disk. */
  async signedUrl(key: string): Promise<string> {
    return pathToFileURL(this.#path(key)).href;
  }
}
