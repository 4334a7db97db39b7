/**
 * SCL-4: the one deliberate cache of the API. `app.authenticate` checks on every request that the session is
 * live and reads the caller's role (one query, the hot path of every route); this cache keeps that answer for a
 * short TTL. Every write that changes it (logout, logout everywhere, ending a session, refresh-token reuse,
 * role change, membership removal, MFA enrolment) invalidates the matching entries at once.
 *
 * Several instances: each has its own cache; `./access-changes.ts` sends every invalidation to all of them
 * through PostgreSQL NOTIFY, and the TTL (`AUTH_CACHE_TTL_MS`, 5 s by default; 0 turns the cache off) bounds
 * the damage of a lost notification. Only positive answers are cached: a refused session is asked again every
 * time. The cache belongs to the app instance, never to the module.
 */
import type { Role } from './context.js';

export interface SessionKey {
  tenantId: string;
  userId: string;
  sessionId: string;
}

export interface CachedAccess {
  role: Role;
  mfaEnabled: boolean;
}

/** What a write changed: omitted fields match every entry (all sessions of a user, in every tenant). */
export interface AccessChange {
  userId: string;
  tenantId?: string;
  sessionId?: string;
}

interface Entry extends SessionKey {
  access: CachedAccess;
  expiresAt: number;
}

export class AccessCache {
  readonly #entries = new Map<string, Entry>();
  #generation = 0;
  #trusted = true;

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: SessionKey): CachedAccess | undefined {
    if (!this.#trusted) return undefined;
    const entry = this.#entries.get(keyOf(key));
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(keyOf(key));
      return undefined;
    }
    return entry.access;
  }

  /** Counts invalidations; read it before loading what `set` stores. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Stores what was loaded while the cache was at `generation`. When an invalidation happened meanwhile, the
   * value may predate that write (a logout committing during the query) and is not stored.
   */
  set(key: SessionKey, access: CachedAccess, generation: number): void {
    if (this.ttlMs <= 0 || !this.#trusted || generation !== this.#generation) return;
    // A Map iterates in insertion order: the first entry is the oldest, evicted when full.
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(keyOf(key), { ...key, access, expiresAt: this.now() + this.ttlMs });
  }

  invalidate(change: AccessChange): void {
    this.#generation += 1;
    for (const [id, entry] of this.#entries) {
      if (entry.userId !== change.userId) continue;
      if (change.tenantId !== undefined && entry.tenantId !== change.tenantId) continue;
      if (change.sessionId !== undefined && entry.sessionId !== change.sessionId) continue;
      this.#entries.delete(id);
    }
  }

  /**
   * Whether invalidations from other instances are arriving (`./access-changes.ts`). Untrusted, the cache is
   * empty and stores nothing: every request asks the database.
   */
  trust(trusted: boolean): void {
    if (!trusted) this.clear();
    this.#trusted = trusted;
  }

  clear(): void {
    this.#entries.clear();
    this.#generation += 1;
  }

  get size(): number {
    return this.#entries.size;
  }
}

const keyOf = (key: SessionKey): string => `${key.tenantId}/${key.userId}/${key.sessionId}`;
