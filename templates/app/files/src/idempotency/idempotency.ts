/**
 * `Idempotency-Key` for creating requests. The key row is inserted in the same transaction as the change:
 * a concurrent duplicate blocks on the key until the first commits and then replays its response; a failed
 * first attempt rolls its key back, so a retry runs again.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { and, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { HttpProblem } from '../errors.js';
import { idempotencyKeys } from '../db/schema.js';
import { authOf } from '../auth/guards.js';
import { withTenant, type Tx } from '../db/tenant.js';

export const IdempotencyKeyHeader = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: 'Retries with the same key return the first response.' })),
});

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
}

/** Binds a key to one request: the same key with another body, path or user is a client error. */
export function requestHash(parts: { method: string; path: string; userId: string; body: unknown }): string {
  return createHash('sha256').update(JSON.stringify([parts.method, parts.path, parts.userId, parts.body ?? null])).digest('hex');
}

export async function idempotent<T>(
  tx: Tx,
  request: { tenantId: string; key: string | undefined; hash: string },
  execute: () => Promise<StoredResponse<T>>,
): Promise<StoredResponse<T> & { replayed: boolean }> {
  const { tenantId, key, hash } = request;
  if (key === undefined) return { ...(await execute()), replayed: false };

  const claimed = await tx
    .insert(idempotencyKeys)
    .values({ tenantId, key, requestHash: hash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length === 0) {
    const [existing] = await tx
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
    if (!existing || existing.responseStatus === null) throw new HttpProblem(409, 'A request with this Idempotency-Key is still in progress; retry later.');
    if (existing.requestHash !== hash) throw new HttpProblem(422, 'This Idempotency-Key was already used for a different request.');
    return { status: existing.responseStatus, body: existing.responseBody as T, replayed: true };
  }

  const response = await execute();
  await tx
    .update(idempotencyKeys)
    .set({ responseStatus: response.status, responseBody: response.body })
    .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
  return { ...response, replayed: false };
}

/**
 * A create route's whole idempotency handling: runs `create` in the caller's tenant transaction under the
 * request's `Idempotency-Key` (bound to the route, the user and the body), and marks a replayed answer with
 * `Idempotency-Replayed: true`. The route sends the returned status and body.
 */
export async function idempotentCreate<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  create: (tx: Tx, caller: { tenantId: string; userId: string }) => Promise<StoredResponse<T>>,
): Promise<StoredResponse<T>> {
  const { tenantId, userId } = authOf(request);
  const header = request.headers['idempotency-key'];
  const key = typeof header === 'string' ? header : undefined;
  const hash = requestHash({ method: request.method, path: request.routeOptions.url ?? request.url, userId, body: request.body });
  const result = await withTenant(tenantId, (tx) => idempotent(tx, { tenantId, key, hash }, () => create(tx, { tenantId, userId })), { userId });
  if (result.replayed) reply.header('idempotency-replayed', 'true');
  return result;
}
