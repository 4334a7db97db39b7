/**
 * One pool per database per process (the shared one, plus one per dedicated tenant database), opened at
 * start-up and closed on shutdown. Data access goes through `withTenant` and friends in `./tenant.ts`.
 */
import type pg from 'pg';
import { sql } from 'drizzle-orm';
import { createDb, createPool, type Db } from './client.js';
import { loadTenantRouting, type TenantRoute } from './routing.js';

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  routes?: readonly TenantRoute[];
  onError: (error: Error) => void;
  name?: string;
}

export class Database {
  readonly shared: Db;
  private readonly pools: pg.Pool[] = [];
  private readonly dedicated = new Map<string, Db>();

  constructor(options: DatabaseOptions) {
    const open = (url: string): Db => {
      const pool = createPool(url, { max: options.poolMax, onError: options.onError, name: options.name });
      this.pools.push(pool);
      return createDb(pool);
    };
    this.shared = open(options.url);
    for (const route of options.routes ?? []) this.dedicated.set(route.tenantId, open(route.url));
  }

  /** The database holding a tenant's data: its dedicated one when routed, the shared one otherwise. */
  forTenant(tenantId: string): Db {
    return this.dedicated.get(tenantId.toLowerCase()) ?? this.shared;
  }

  /** Readiness: every database answers. */
  async ping(): Promise<void> {
    await Promise.all([this.shared, ...this.dedicated.values()].map((db) => db.execute(sql`select 1`)));
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.splice(0).map((pool) => pool.end()));
  }
}

let current: Database | undefined;

export function openDatabase(config: { databaseUrl: string; databasePoolMax: number; tenantRoutingFile: string | undefined }, onError: (error: Error) => void): Database {
  const database = new Database({
    url: config.databaseUrl,
    poolMax: config.databasePoolMax,
    routes: loadTenantRouting(config.tenantRoutingFile),
    onError,
  });
  current = database;
  return database;
}

/** The process's database, opened by `openDatabase` (server, worker, tests). */
export function database(): Database {
  if (!current) throw new Error('The database is not open: call openDatabase() at start-up');
  return current;
}

export function useDatabase(next: Database | undefined): void {
  current = next;
}
