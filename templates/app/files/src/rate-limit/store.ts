/**
 * Fixed-window counters shared by every instance of the API (SCL-1: no per-process state). PostgreSQL by
 * default; `rate_limits` is a global table without row-level security.
 */
import { lt, sql } from 'drizzle-orm';
import { rateLimits } from '../db/schema.js';
import { database } from '../db/database.js';

export interface Hit {
  count: number;
  resetAt: Date;
}

export interface RateLimitStore {
  /** Counts one request against `key` in the current window and returns the window's total. */
  hit(key: string, windowMs: number): Promise<Hit>;
}

export class PostgresRateLimitStore implements RateLimitStore {
  private nextCleanup = 0;

  async hit(key: string, windowMs: number): Promise<Hit> {
    const now = Date.now();
    const windowStart = new Date(now - (now % windowMs));
    // `rate_limits` is a global table without row-level security: one autocommit statement, no transaction, so a
    // request pays one round trip per counter.
    const db = database().shared;
    const [row] = await db
      .insert(rateLimits)
      .values({ key, windowStart, count: 1 })
      .onConflictDoUpdate({ target: [rateLimits.key, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
      .returning({ count: rateLimits.count });
    if (now >= this.nextCleanup) {
      // Old windows are useless; each instance prunes them at most once a minute.
      this.nextCleanup = now + 60_000;
      await db.delete(rateLimits).where(lt(rateLimits.windowStart, new Date(now - 10 * 60_000)));
    }
    const count = row?.count ?? 1;
    return { count, resetAt: new Date(windowStart.getTime() + windowMs) };
  }
}
