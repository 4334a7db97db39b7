/**
 * Fans access-cache invalidations out to every instance through PostgreSQL `NOTIFY` (SCL-4), so a logout or a
 * role change on one instance reaches the caches of all the others within milliseconds, not at TTL expiry.
 * Each instance keeps one extra connection that `LISTEN`s. While that connection is down, notifications may be
 * missed: the cache is then bypassed and emptied, and trusted again only once listening has resumed.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { database } from '../db/database.js';
import type { AccessCache, AccessChange } from './access-cache.js';

const CHANNEL = 'access_changed';
const RECONNECT_MS = 1000;

/** Invalidates this instance's cache at once, then tells the other instances. Call it after the write committed. */
export async function publishAccessChange(cache: AccessCache, change: AccessChange): Promise<void> {
  cache.invalidate(change);
  const { userId, tenantId, sessionId } = change;
  await database().shared.execute(sql`select pg_notify(${CHANNEL}, ${JSON.stringify({ userId, tenantId, sessionId })})`);
}

function parseChange(payload: string | undefined): AccessChange | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Partial<AccessChange>;
    if (typeof value.userId !== 'string') return undefined;
    return {
      userId: value.userId,
      ...(typeof value.tenantId === 'string' ? { tenantId: value.tenantId } : {}),
      ...(typeof value.sessionId === 'string' ? { sessionId: value.sessionId } : {}),
    };
  } catch {
    return undefined;
  }
}

export class AccessChangeListener {
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly cache: AccessCache,
    private readonly log: { warn(object: object, message: string): void },
  ) {
    cache.trust(false);
  }

  /** Resolves after the first attempt; a failed one is retried in the background. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'access-changes', connectionTimeoutMillis: 5_000 });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => {
      const change = parseChange(message.payload);
      // A payload this code cannot read: forget everything rather than keep a possibly revoked session.
      if (change) this.cache.invalidate(change);
      else this.cache.clear();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.#closed) return void (await client.end());
      this.#client = client;
      this.cache.trust(true);
    } catch (error) {
      this.#lost(client, error);
    }
  }

  #lost(client: pg.Client, error?: unknown): void {
    if (this.#client === client) this.#client = undefined;
    this.cache.trust(false);
    client.end().catch(() => {
      // Closing a connection that already failed: nothing to report, the reconnect below opens a new one.
    });
    if (this.#closed || this.#retry) return;
    this.log.warn({ err: error }, 'access-change listener disconnected: the access cache is bypassed until it reconnects');
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.start();
    }, RECONNECT_MS);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end();
  }
}
