/**
 * `/v1/members` (registered by `./plugin.ts`): every member can see who belongs to the tenant; only owners
 * change roles or remove members, with a fresh second factor, and the last owner can be neither demoted nor removed.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit-log/audit-log.js';
import { conflict, notFound, problem } from '../errors.js';
import { memberships, users } from '../db/schema.js';
import { withTenantIdentity } from '../db/tenant.js';
import { authOf, requireRole, requireStepUp } from './guards.js';
import { revokeAllUserSessions } from './sessions.js';
import { Member, MemberList, MemberParams, MemberRoleBody } from './schemas.js';

const tags = ['members'];

const memberRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const security = [{ bearerAuth: [] }];

  app.get(
    '',
    { preHandler: [app.authenticate, app.tenantRateLimit], schema: { tags, security, summary: 'Members of this tenant', response: { 200: MemberList, 401: problem } } },
    async (request) => {
      const auth = authOf(request);
      const rows = await withTenantIdentity(auth.tenantId, (tx) =>
        tx
          .select({ userId: memberships.userId, email: users.email, role: memberships.role, createdAt: memberships.createdAt })
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(eq(memberships.tenantId, auth.tenantId))
          .orderBy(memberships.createdAt),
      );
      return { items: rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })) };
    },
  );

  app.patch(
    '/:userId',
    {
      preHandler: [app.authenticate, app.tenantRateLimit, requireRole('owner'), requireStepUp()],
      schema: { tags, security, summary: 'Change a member’s role', params: MemberParams, body: MemberRoleBody, response: { 200: Member, 401: problem, 403: problem, 404: problem, 409: problem } },
    },
    async (request) => {
      const auth = authOf(request);
      const { userId } = request.params;
      const { role } = request.body;
      const updated = await withTenantIdentity(auth.tenantId, async (tx) => {
        // Locks the tenant's owners, so two concurrent demotions cannot leave the tenant without one.
        const owners = await tx
          .select({ userId: memberships.userId })
          .from(memberships)
          .where(and(eq(memberships.tenantId, auth.tenantId), eq(memberships.role, 'owner')))
          .for('update');
        const [current] = await tx
          .select({ role: memberships.role })
          .from(memberships)
          .where(and(eq(memberships.tenantId, auth.tenantId), eq(memberships.userId, userId)));
        if (!current) throw notFound('No member with this id in this tenant.');
        if (current.role === 'owner' && role !== 'owner' && owners.length <= 1) throw conflict('A tenant needs at least one owner: promote someone else first.');
        const [row] = await tx
          .update(memberships)
          .set({ role })
          .where(and(eq(memberships.tenantId, auth.tenantId), eq(memberships.userId, userId)))
          .returning();
        await recordAudit(tx, {
          tenantId: auth.tenantId,
          actorUserId: auth.userId,
          action: 'membership.role_changed',
          targetType: 'user',
          targetId: userId,
          data: { from: current.role, to: role },
        });
        const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId));
        return { userId, email: user?.email ?? '', role: row!.role, createdAt: row!.createdAt.toISOString() };
      });
      // The member's next request must carry the new role, not the one cached a moment ago.
      await app.authService.accessChanged({ tenantId: auth.tenantId, userId });
      return updated;
    },
  );

  app.delete(
    '/:userId',
    {
      preHandler: [app.authenticate, app.tenantRateLimit, requireRole('owner'), requireStepUp()],
      schema: { tags, security, summary: 'Remove a member: their sessions in this tenant end at once', params: MemberParams, response: { 204: Type.Null(), 401: problem, 403: problem, 404: problem, 409: problem } },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const { userId } = request.params;
      await withTenantIdentity(auth.tenantId, async (tx) => {
        const owners = await tx
          .select({ userId: memberships.userId })
          .from(memberships)
          .where(and(eq(memberships.tenantId, auth.tenantId), eq(memberships.role, 'owner')))
          .for('update');
        const [removed] = await tx
          .delete(memberships)
          .where(and(eq(memberships.tenantId, auth.tenantId), eq(memberships.userId, userId)))
          .returning({ role: memberships.role });
        if (!removed) throw notFound('No member with this id in this tenant.');
        if (removed.role === 'owner' && owners.length <= 1) throw conflict('A tenant needs at least one owner: promote someone else first.');
        await revokeAllUserSessions(tx, auth.tenantId, userId);
        await recordAudit(tx, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'membership.removed', targetType: 'user', targetId: userId, data: { role: removed.role } });
      });
      await app.authService.accessChanged({ tenantId: auth.tenantId, userId });
      return reply.code(204).send(null);
    },
  );
};

export default memberRoutes;
