/**
 * `send-invitation`: e-mails an invitation link through the configured transport. The API queues it right after
 * the invitation is stored (`queueInvitationEmail`), so a slow or failing SMTP server neither delays nor fails
 * the request: pg-boss retries with backoff. Safe to run more than once: a sent, accepted, revoked or expired
 * invitation is skipped. A crash between sending and recording it can still send twice (at least once).
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { InvitationSender } from '../auth/invitations.js';
import { invitations, tenants } from '../db/schema.js';
import { withTenantIdentity } from '../db/tenant.js';
import type { EmailTransport } from '../email/index.js';
import type { FieldEncryption } from '../encryption/index.js';
import type { InvitationEmailJob, JobQueue } from './queue.js';

export interface InvitationEmailDeps {
  email: EmailTransport;
  encryption: FieldEncryption;
  log: { info(object: object, message: string): void };
}

export type InvitationEmailResult = 'sent' | 'already-sent' | 'not-pending';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Binds the encrypted token to its invitation: a payload edited to another invitation does not decrypt. */
export const invitationTokenContext = (invitationId: string): string => `invitations.token:${invitationId}`;

/** The API's `app.sendInvitation`: encrypts the token and queues the e-mail. */
export function queueInvitationEmail(queue: Pick<JobQueue, 'enqueueInvitationEmail'>, encryption: FieldEncryption): InvitationSender {
  return async (invitation) => {
    const token = await encryption.encrypt(invitation.token, invitationTokenContext(invitation.id));
    await queue.enqueueInvitationEmail({ tenantId: invitation.tenantId, invitationId: invitation.id, token });
  };
}

export async function sendInvitationEmail(job: { id: string; data: InvitationEmailJob }, deps: InvitationEmailDeps): Promise<InvitationEmailResult> {
  const { tenantId, invitationId } = job.data;
  if (!uuid.test(tenantId) || !uuid.test(invitationId)) throw new Error(`send-invitation: malformed job ${job.id}`);
  // Identity data lives in the shared database; the worker sets the tenant itself, as every job does.
  const [invitation] = await withTenantIdentity(tenantId, (tx) =>
    tx
      .select({ email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt, acceptedAt: invitations.acceptedAt, emailSentAt: invitations.emailSentAt, tenantName: tenants.name })
      .from(invitations)
      .innerJoin(tenants, eq(tenants.id, invitations.tenantId))
      .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, invitationId))),
  );
  if (!invitation || invitation.acceptedAt || invitation.expiresAt.getTime() <= Date.now()) {
    deps.log.info({ jobId: job.id, tenantId, invitationId }, 'invitation no longer pending: no e-mail sent');
    return 'not-pending';
  }
  if (invitation.emailSentAt) return 'already-sent';

  const token = await deps.encryption.decrypt(job.data.token, invitationTokenContext(invitationId));
  await deps.email.send({
    to: invitation.email,
    subject: `You are invited to join ${invitation.tenantName}`,
    text:
      `You have been invited to join ${invitation.tenantName} as ${invitation.role}. ` +
      `Accept before ${invitation.expiresAt.toUTCString()} with this invitation token:\n\n${token}\n\n` +
      `(POST /v1/invitations/accept with { "token": "…", "password": "…" }). If you did not expect this, ignore this e-mail.\n`,
  });
  await withTenantIdentity(tenantId, (tx) =>
    tx
      .update(invitations)
      .set({ emailSentAt: new Date() })
      .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, invitationId), isNull(invitations.emailSentAt))),
  );
  deps.log.info({ jobId: job.id, tenantId, invitationId }, 'invitation e-mailed');
  return 'sent';
}
