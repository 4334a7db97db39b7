/**
 * Sessions are refresh-token families. Each refresh token is one `sessions` row; rotating it inserts the
 * next row of the same family and marks the old one `replaced_by`. A token that is presented again after
 * rotation (or after revocation) means it was copied: the whole family is revoked. The family id is the
 * session id users and access tokens see (`sid`), so a session keeps its identity across rotations.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { recordAudit } from '../audit-log/audit-log.js';
import { sessions } from '../db/schema.js';
import { withRefreshToken, withTenantIdentity, type Tx } from '../db/tenant.js';
import { digestToken, newOpaqueToken } from './refresh-tokens.js';

export interface Device {
  userAgent: string | null;
  ip: string | null;
}

export function deviceOf(request: FastifyRequest): Device {
  const userAgent = request.headers['user-agent'];
  return { userAgent: userAgent ? userAgent.slice(0, 512) : null, ip: request.ip || null };
}

export interface IssuedSession {
  sessionId: string;
  refreshToken: string;
}

const DAY_MS = 86_400_000;

/** Starts a family; runs in the caller's tenant-identity transaction. */
export async function startSession(tx: Tx, input: { tenantId: string; userId: string; ttlDays: number; device: Device }): Promise<IssuedSession> {
  const familyId = randomUUID();
  const refreshToken = newOpaqueToken();
  const now = new Date();
  await tx.insert(sessions).values({
    tenantId: input.tenantId,
    id: familyId,
    userId: input.userId,
    familyId,
    refreshTokenHash: digestToken(refreshToken),
    expiresAt: new Date(now.getTime() + input.ttlDays * DAY_MS),
    userAgent: input.device.userAgent,
    ip: input.device.ip,
    createdAt: now,
    lastUsedAt: now,
  });
  return { sessionId: familyId, refreshToken };
}

export type RotationResult =
  | { kind: 'rotated'; tenantId: string; userId: string; sessionId: string; refreshToken: string }
  | { kind: 'reused'; tenantId: string; userId: string; sessionId: string }
  | { kind: 'invalid' };

/**
 * Exchanges a refresh token for the next one. The old row is claimed with a conditional update, so of two
 * concurrent uses of one token exactly one wins and the other counts as reuse.
 */
export async function rotateRefreshToken(refreshToken: string, ttlDays: number, device: Device): Promise<RotationResult> {
  const hash = digestToken(refreshToken);
  const found = await withRefreshToken(hash, (tx) =>
    tx
      .select({ tenantId: sessions.tenantId, id: sessions.id })
      .from(sessions)
      .where(eq(sessions.refreshTokenHash, hash))
      .limit(1),
  );
  const row = found[0];
  if (!row) return { kind: 'invalid' };

  return withTenantIdentity(row.tenantId, async (tx) => {
    const [current] = await tx
      .select()
      .from(sessions)
      .where(and(eq(sessions.tenantId, row.tenantId), eq(sessions.id, row.id)))
      .for('update');
    if (!current) return { kind: 'invalid' };
    // Already revoked (logout, or an earlier reuse): nothing left to protect.
    if (current.revokedAt) return { kind: 'invalid' };
    if (current.replacedBy) {
      await revokeFamily(tx, current.tenantId, current.familyId);
      // A replayed token means it was copied; the family's owner and the security team want to know.
      await recordAudit(tx, {
        tenantId: current.tenantId,
        actorUserId: null,
        action: 'session.refresh_token_reused',
        targetType: 'session',
        targetId: current.familyId,
        data: { userId: current.userId, ip: device.ip, userAgent: device.userAgent },
      });
      return { kind: 'reused', tenantId: current.tenantId, userId: current.userId, sessionId: current.familyId };
    }
    const now = new Date();
    if (current.expiresAt.getTime() <= now.getTime()) return { kind: 'invalid' };

    const nextId = randomUUID();
    const nextToken = newOpaqueToken();
    // The family keeps its start time; the row carries the device that used it last.
    await tx.insert(sessions).values({
      tenantId: current.tenantId,
      id: nextId,
      userId: current.userId,
      familyId: current.familyId,
      refreshTokenHash: digestToken(nextToken),
      expiresAt: new Date(now.getTime() + ttlDays * DAY_MS),
      userAgent: device.userAgent ?? current.userAgent,
      ip: device.ip ?? current.ip,
      createdAt: current.createdAt,
      lastUsedAt: now,
    });
    await tx
      .update(sessions)
      .set({ replacedBy: nextId, lastUsedAt: now })
      .where(and(eq(sessions.tenantId, current.tenantId), eq(sessions.id, current.id)));
    return { kind: 'rotated', tenantId: current.tenantId, userId: current.userId, sessionId: current.familyId, refreshToken: nextToken };
  });
}

export async function revokeFamily(tx: Tx, tenantId: string, familyId: string): Promise<number> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.tenantId, tenantId), eq(sessions.familyId, familyId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length;
}

/** Revokes one session of a user; false when the user has no such session in this tenant. */
export async function revokeUserSession(tx: Tx, tenantId: string, userId: string, familyId: string): Promise<boolean> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.tenantId, tenantId), eq(sessions.userId, userId), eq(sessions.familyId, familyId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length > 0;
}

export async function revokeAllUserSessions(tx: Tx, tenantId: string, userId: string): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.tenantId, tenantId), eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** Whether a family can still be used: some row of it is neither revoked nor expired. */
export function activeFamilyCondition(tenantId: string, userId: string, familyId: string) {
  return sql`exists (select 1 from ${sessions} where ${and(
    eq(sessions.tenantId, tenantId),
    eq(sessions.userId, userId),
    eq(sessions.familyId, familyId),
    isNull(sessions.revokedAt),
    isNull(sessions.replacedBy),
    gt(sessions.expiresAt, sql`now()`),
  )})`;
}

export interface SessionView {
  id: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
}

/** A user's live sessions in one tenant: the current row of every family that is not revoked or expired. */
export function listUserSessions(tx: Tx, tenantId: string, userId: string): Promise<SessionView[]> {
  return tx
    .select({
      id: sessions.familyId,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      expiresAt: sessions.expiresAt,
    })
    .from(sessions)
    .where(
      and(
        eq(sessions.tenantId, tenantId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        isNull(sessions.replacedBy),
        gt(sessions.expiresAt, sql`now()`),
      ),
    )
    .orderBy(desc(sessions.lastUsedAt));
}
