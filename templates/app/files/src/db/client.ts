import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;
/** The transaction handle `withTenant` and friends pass to their callback. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface PoolOptions {
  max: number;
  /** Where idle-client errors go; an unhandled 'error' event would crash the process. */
  onError: (error: Error) => void;
  /** Also the `application_name` seen in pg_stat_activity. */
  name?: string;
}

export function createPool(connectionString: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max,
    application_name: options.name ?? 'api',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Server-side guards, so a runaway query or a forgotten open transaction cannot hold a connection forever.
    statement_timeout: 15_000,
    idle_in_transaction_session_timeout: 30_000,
  });
  pool.on('error', options.onError);
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return drizzle(pool, { schema });
}
