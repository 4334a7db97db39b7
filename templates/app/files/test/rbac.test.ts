import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvitationMessage } from '../src/auth/invitations.js';
import { auditLog } from '../src/db/schema.js';
import { withTenant } from '../src/db/tenant.js';
import { bearer, createTestApp, enrolMfa, password, signupWithMfa } from './support/app.js';

let app: FastifyInstance;
const sent: InvitationMessage[] = [];

beforeAll(async () => {
  app = await createTestApp();
  app.sendInvitation = async (invitation) => {
    sent.push(invitation);
  };
});
afterAll(async () => {
  await app.close();
});

interface Pair {
  accessToken: string;
  refreshToken: string;
  user: { id: string };
  tenant: { id: string; role: string };
}
const stepUpOwner = (name: string) => signupWithMfa(app, name);

async function inviteAndAccept(token: string, role: 'admin' | 'member', body: Record<string, unknown> = { password }): Promise<{ email: string; pair: Pair }> {
  const email = `${role}-${randomUUID()}@example.com`;
  const created = await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(token), payload: { email, role } });
  expect(created.statusCode).toBe(201);
  const message = sent.find((m) => m.email === email)!;
  const accepted = await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token: message.token, ...body } });
  expect(accepted.statusCode).toBe(200);
  return { email, pair: accepted.json<Pair>() };
}

describe('invitations', () => {
  it('invites by e-mail, stores no token, and signs the invitee in on acceptance', async () => {
    const owner = await stepUpOwner('Invites');
    const email = `new-${randomUUID()}@example.com`;
    const created = await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(owner.stepUp), payload: { email, role: 'admin' } });
    expect(created.statusCode).toBe(201);
    const invitation = created.json<{ id: string; role: string; acceptedAt: string | null }>();
    expect(invitation).toMatchObject({ role: 'admin', acceptedAt: null });
    expect(created.body).not.toContain('token');
    const message = sent.find((m) => m.email === email)!;
    expect(message.tenantName).toBe('Invites');

    const listed = await app.inject({ method: 'GET', url: '/v1/invitations', headers: owner.headers });
    expect(listed.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toContain(invitation.id);

    const missingPassword = await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token: message.token } });
    expect(missingPassword.statusCode).toBe(400);
    const accepted = await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token: message.token, password } });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json<Pair>().tenant).toMatchObject({ id: owner.tenantId, role: 'admin' });
    const again = await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token: message.token, password } });
    expect(again.statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token: 'x'.repeat(43), password } })).statusCode).toBe(400);

    const audit = await withTenant(owner.tenantId, (tx) => tx.select().from(auditLog).where(eq(auditLog.tenantId, owner.tenantId)));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['user.mfa_enabled', 'invitation.created', 'invitation.accepted']));
  });

  it('lets an existing user join another tenant with their own password, and then choose the tenant at login', async () => {
    const acme = await stepUpOwner('Acme');
    const globex = await stepUpOwner('Globex');
    const { email } = await inviteAndAccept(acme.stepUp, 'member');
    const created = await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(globex.stepUp), payload: { email, role: 'member' } });
    const token = sent.filter((m) => m.email === email).at(-1)!.token;
    expect(created.statusCode).toBe(201);
    expect((await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token, password: 'not the password' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token, password } })).statusCode).toBe(200);

    const ambiguous = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json<{ tenants: { id: string }[] }>().tenants.map((t) => t.id).sort()).toEqual([acme.tenantId, globex.tenantId].sort());
    const chosen = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password, tenantId: globex.tenantId } });
    expect(chosen.json<Pair>().tenant.id).toBe(globex.tenantId);
    const foreign = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password, tenantId: randomUUID() } });
    expect(foreign.statusCode).toBe(401);
  });

  it('revokes a pending invitation', async () => {
    const owner = await stepUpOwner('Revoke');
    const email = `gone-${randomUUID()}@example.com`;
    const created = (await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(owner.stepUp), payload: { email, role: 'member' } })).json<{ id: string }>();
    const token = sent.find((m) => m.email === email)!.token;
    expect((await app.inject({ method: 'DELETE', url: `/v1/invitations/${created.id}`, headers: owner.headers })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/v1/invitations/${created.id}`, headers: owner.headers })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token, password } })).statusCode).toBe(400);
  });
});

describe('roles', () => {
  it('does not let a member invite, list invitations or change roles', async () => {
    const owner = await stepUpOwner('Roles');
    const { pair: member } = await inviteAndAccept(owner.stepUp, 'member');
    const invite = await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(member.accessToken), payload: { email: 'x@example.com', role: 'member' } });
    expect(invite.statusCode).toBe(403);
    expect(invite.json<{ type: string }>().type).toContain('insufficient-role');
    expect((await app.inject({ method: 'GET', url: '/v1/invitations', headers: bearer(member.accessToken) })).statusCode).toBe(403);
    const promote = await app.inject({ method: 'PATCH', url: `/v1/members/${member.user.id}`, headers: bearer(member.accessToken), payload: { role: 'owner' } });
    expect(promote.statusCode).toBe(403);
    // Members can see who else is in the tenant.
    expect((await app.inject({ method: 'GET', url: '/v1/members', headers: bearer(member.accessToken) })).json<{ items: unknown[] }>().items).toHaveLength(2);
  });

  it('lets admins invite members but not owners, and only owners change roles', async () => {
    const owner = await stepUpOwner('Admins');
    const { pair: admin } = await inviteAndAccept(owner.stepUp, 'admin');
    // The admin needs their own second factor before inviting.
    expect((await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(admin.accessToken), payload: { email: 'y@example.com', role: 'member' } })).statusCode).toBe(403);
    const { stepUp: adminStepUp } = await enrolMfa(app, { headers: bearer(admin.accessToken) });
    const ownerInvite = await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(adminStepUp), payload: { email: `o-${randomUUID()}@example.com`, role: 'owner' } });
    expect(ownerInvite.statusCode).toBe(403);
    const { pair: member } = await inviteAndAccept(adminStepUp, 'member');
    expect(member.tenant.role).toBe('member');
    expect((await app.inject({ method: 'PATCH', url: `/v1/members/${member.user.id}`, headers: bearer(adminStepUp), payload: { role: 'admin' } })).statusCode).toBe(403);

    // The owner promotes the member; the new role applies to the member's existing token at once.
    const promoted = await app.inject({ method: 'PATCH', url: `/v1/members/${member.user.id}`, headers: bearer(owner.stepUp), payload: { role: 'admin' } });
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json()).toMatchObject({ userId: member.user.id, role: 'admin' });
    expect((await app.inject({ method: 'GET', url: '/v1/invitations', headers: bearer(member.accessToken) })).statusCode).toBe(200);

    // The last owner cannot step down; an unknown member is a 404.
    expect((await app.inject({ method: 'PATCH', url: `/v1/members/${owner.userId}`, headers: bearer(owner.stepUp), payload: { role: 'admin' } })).statusCode).toBe(409);
    expect((await app.inject({ method: 'PATCH', url: `/v1/members/${randomUUID()}`, headers: bearer(owner.stepUp), payload: { role: 'admin' } })).statusCode).toBe(404);

    const audit = await withTenant(owner.tenantId, (tx) =>
      tx.select().from(auditLog).where(and(eq(auditLog.tenantId, owner.tenantId), eq(auditLog.action, 'membership.role_changed'))),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: owner.userId, targetId: member.user.id, data: { from: 'member', to: 'admin' } });
  });

  it('keeps memberships and invitations inside their tenant', async () => {
    const acme = await stepUpOwner('AcmeSep');
    const globex = await stepUpOwner('GlobexSep');
    const { pair: acmeMember } = await inviteAndAccept(acme.stepUp, 'member');
    // Globex's owner cannot see or change Acme's member.
    const members = (await app.inject({ method: 'GET', url: '/v1/members', headers: globex.headers })).json<{ items: { userId: string }[] }>().items;
    expect(members.map((m) => m.userId)).toEqual([globex.userId]);
    expect((await app.inject({ method: 'PATCH', url: `/v1/members/${acmeMember.user.id}`, headers: bearer(globex.stepUp), payload: { role: 'admin' } })).statusCode).toBe(404);
    const acmeInvitations = (await app.inject({ method: 'GET', url: '/v1/invitations', headers: acme.headers })).json<{ items: { id: string }[] }>().items;
    expect(acmeInvitations).toHaveLength(1);
    expect((await app.inject({ method: 'GET', url: '/v1/invitations', headers: globex.headers })).json<{ items: unknown[] }>().items).toHaveLength(0);
    expect((await app.inject({ method: 'DELETE', url: `/v1/invitations/${acmeInvitations[0]!.id}`, headers: globex.headers })).statusCode).toBe(404);
    // An Acme token is useless against Globex: the tenant comes from the token, never from the request.
    const acmeAsGlobex = await app.inject({ method: 'GET', url: '/v1/members', headers: { ...bearer(acmeMember.accessToken), 'x-tenant-id': globex.tenantId } });
    expect(acmeAsGlobex.json<{ items: { userId: string }[] }>().items.map((m) => m.userId)).not.toContain(globex.userId);
  });
});
