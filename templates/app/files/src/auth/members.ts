/**
 * `/v1/members` (registered by `./plugin.ts`): every member can see who belongs to the tenant; only owners
 * change roles, with a fresh second factor, and the last owner cannot be demoted.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit-log/audit-log.js';
import { conflict, notFound, problem } from '../errors.js';
import { memberships, users } from '../db/schema.js';
import { withTenantIdentity } from '../db/tenant.js';
import { authOf, requireRole, requireStepUp } from './guards.js';
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
      return updated;
    },
  );
};

export default memberRoutes;
