/**
 * `/v1/invitations` (registered by `./plugin.ts`). Admins and owners invite by e-mail, with a fresh second
 * factor; only owners can invite owners. The invitation token is opaque, stored as a sha256 digest and sent
 * to the invitee through `app.sendInvitation`; accepting it joins the tenant and signs the invitee in.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { recordAudit } from '../audit-log/audit-log.js';
import { conflict, forbidden, HttpProblem, notFound, problem } from '../errors.js';
import { invitations, memberships, tenants, users, type MembershipRole } from '../db/schema.js';
import { withInvitationToken, withSystem, withTenantIdentity } from '../db/tenant.js';
import { authOf, requireRole, requireStepUp } from './guards.js';
import { isLocked } from './lockout.js';
import { invalidCredentials, mfaRequired } from './problems.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { digestToken, newOpaqueToken } from './refresh-tokens.js';
import { AcceptInvitationBody, AuthResponse, IdParams, Invitation, InvitationBody, InvitationList } from './schemas.js';
import { emailEquals, normalizeEmail } from './service.js';
import { deviceOf } from './sessions.js';

export interface InvitationMessage {
  id: string;
  tenantId: string;
  tenantName: string;
  email: string;
  role: MembershipRole;
  /** Secret: belongs in the e-mail only, never in logs or responses. */
  token: string;
  expiresAt: Date;
}

export type InvitationSender = (invitation: InvitationMessage) => Promise<void>;

const INVITATION_TTL_MS = 7 * 86_400_000;
const tags = ['invitations'];

const invalidInvitation = (): HttpProblem =>
  new HttpProblem(400, 'The invitation is invalid, expired, revoked or already accepted.', { type: 'https://problems.api/auth/invalid-invitation' });

type InvitationRow = typeof invitations.$inferSelect;
const view = (row: InvitationRow) => ({
  id: row.id,
  email: row.email,
  role: row.role,
  expiresAt: row.expiresAt.toISOString(),
  acceptedAt: row.acceptedAt?.toISOString() ?? null,
  invitedBy: row.invitedBy,
  createdAt: row.createdAt.toISOString(),
});

const invitationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const security = [{ bearerAuth: [] }];

  app.post(
    '',
    {
      preHandler: [app.authenticate, app.tenantRateLimit, requireRole('owner', 'admin'), requireStepUp()],
      schema: { tags, security, summary: 'Invite someone to this tenant by e-mail', body: InvitationBody, response: { 201: Invitation, 401: problem, 403: problem, 409: problem } },
    },
    async (request, reply) => {
      const auth = authOf(request);
      if (request.body.role === 'owner' && auth.role !== 'owner') throw forbidden('Only owners can invite owners.');
      const email = normalizeEmail(request.body.email);
      const token = newOpaqueToken();
      const { row, tenantName } = await withTenantIdentity(auth.tenantId, async (tx) => {
        const [member] = await tx
          .select({ userId: memberships.userId })
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.tenantId, auth.tenantId), emailEquals(email)));
        if (member) throw conflict('This person is already a member of the tenant.');
        const [tenant] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, auth.tenantId));
        const [created] = await tx
          .insert(invitations)
          .values({
            tenantId: auth.tenantId,
            email,
            role: request.body.role,
            tokenHash: digestToken(token),
            expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
            invitedBy: auth.userId,
          })
          .returning();
        await recordAudit(tx, {
          tenantId: auth.tenantId,
          actorUserId: auth.userId,
          action: 'invitation.created',
          targetType: 'invitation',
          targetId: created!.id,
          data: { email, role: request.body.role },
        });
        return { row: created!, tenantName: tenant?.name ?? '' };
      });
      await app.sendInvitation({ id: row.id, tenantId: auth.tenantId, tenantName, email, role: row.role, token, expiresAt: row.expiresAt });
      return reply.code(201).send(view(row));
    },
  );

  app.get(
    '',
    {
      preHandler: [app.authenticate, app.tenantRateLimit, requireRole('owner', 'admin')],
      schema: { tags, security, summary: 'Invitations of this tenant, newest first', response: { 200: InvitationList, 401: problem, 403: problem } },
    },
    async (request) => {
      const auth = authOf(request);
      const rows = await withTenantIdentity(auth.tenantId, (tx) =>
        tx.select().from(invitations).where(eq(invitations.tenantId, auth.tenantId)).orderBy(desc(invitations.createdAt)).limit(200),
      );
      return { items: rows.map(view) };
    },
  );

  app.delete(
    '/:id',
    {
      preHandler: [app.authenticate, app.tenantRateLimit, requireRole('owner', 'admin')],
      schema: { tags, security, summary: 'Revoke a pending invitation', params: IdParams, response: { 204: Type.Null(), 401: problem, 403: problem, 404: problem } },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const revoked = await withTenantIdentity(auth.tenantId, async (tx) => {
        const [row] = await tx
          .delete(invitations)
          .where(and(eq(invitations.tenantId, auth.tenantId), eq(invitations.id, request.params.id), isNull(invitations.acceptedAt)))
          .returning();
        if (row) {
          await recordAudit(tx, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'invitation.revoked', targetType: 'invitation', targetId: row.id, data: { email: row.email } });
        }
        return row;
      });
      if (!revoked) throw notFound('No pending invitation with this id.');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/accept',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Accept an invitation: new users choose a password, existing users confirm theirs (and their TOTP code)',
        body: AcceptInvitationBody,
        response: { 200: AuthResponse, 400: problem, 401: problem },
      },
    },
    async (request) => {
      const { token, password, totp } = request.body;
      const tokenHash = digestToken(token);
      const [invitation] = await withInvitationToken(tokenHash, (tx) => tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)));
      if (!invitation || invitation.acceptedAt || invitation.expiresAt.getTime() <= Date.now()) throw invalidInvitation();
      if (!password) throw new HttpProblem(400, 'Send `password`: the new password, or the current one when you already have an account.');

      const [existing] = await withSystem((tx) => tx.select().from(users).where(emailEquals(invitation.email)));
      let mfaAt: number | undefined;
      if (existing) {
        // Joining a tenant is a sign-in: the invitee proves they own the account, second factor included.
        // The same lockout as login, or the invitation would be a way around it.
        if (isLocked(existing.lockedUntil, new Date())) {
          await verifyPassword(undefined, password);
          throw invalidCredentials();
        }
        if (!(await verifyPassword(existing.passwordHash, password))) {
          await app.authService.recordFailure(existing.id);
          throw invalidCredentials();
        }
        if (existing.totpEnabledAt) {
          if (!totp) throw mfaRequired();
          if (!(await app.authService.consumeTotp(existing, totp))) {
            await app.authService.recordFailure(existing.id);
            throw invalidCredentials();
          }
          mfaAt = Math.floor(Date.now() / 1000);
        }
      }
      const passwordHash = existing ? undefined : await hashPassword(password);

      return withTenantIdentity(invitation.tenantId, async (tx) => {
        const [claimed] = await tx
          .update(invitations)
          .set({ acceptedAt: new Date() })
          .where(and(eq(invitations.tenantId, invitation.tenantId), eq(invitations.id, invitation.id), isNull(invitations.acceptedAt)))
          .returning();
        if (!claimed) throw invalidInvitation();
        let user = existing;
        if (!user) {
          [user] = await tx.insert(users).values({ email: invitation.email, passwordHash: passwordHash! }).onConflictDoNothing().returning();
          if (!user) throw conflict('An account with this e-mail was just created: accept the invitation again with its password.');
        }
        await tx.insert(memberships).values({ tenantId: invitation.tenantId, userId: user.id, role: invitation.role }).onConflictDoNothing();
        const [membership] = await tx
          .select({ role: memberships.role, tenantName: tenants.name })
          .from(memberships)
          .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
          .where(and(eq(memberships.tenantId, invitation.tenantId), eq(memberships.userId, user.id)));
        await recordAudit(tx, {
          tenantId: invitation.tenantId,
          actorUserId: user.id,
          action: 'invitation.accepted',
          targetType: 'invitation',
          targetId: invitation.id,
          data: { role: membership!.role },
        });
        return app.authService.issue(tx, {
          user: { id: user.id, email: user.email, mfaEnabled: user.totpEnabledAt !== null },
          tenant: { id: invitation.tenantId, name: membership!.tenantName, role: membership!.role },
          device: deviceOf(request),
          mfaAt,
        });
      });
    },
  );
};

export default invitationRoutes;
