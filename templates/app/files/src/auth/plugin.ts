/**
 * Authentication for the whole app: `app.authenticate` (a preHandler verifying the Bearer access token),
 * `request.auth`, and the invitation and member routes. Register it once at the root, before the routes
 * that use it; the `/v1/auth` routes (`./routes.ts`) are registered next to the other route modules.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { and, eq } from 'drizzle-orm';
import { memberships, users } from '../db/schema.js';
import { withTenantIdentity } from '../db/tenant.js';
import type { FieldEncryption } from '../encryption/index.js';
import type { CachedAccess, SessionKey } from './access-cache.js';
import type { AuthContext } from './context.js';
import invitationRoutes, { type InvitationSender } from './invitations.js';
import memberRoutes from './members.js';
import { invalidToken } from './problems.js';
import { AuthService, type AuthConfig } from './service.js';
import { activeFamilyCondition } from './sessions.js';

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: preHandlerAsyncHookHandler;
    authService: AuthService;
    sendInvitation: InvitationSender;
  }
  interface FastifyRequest {
    /** Set by `app.authenticate`; null on routes that do not use it. */
    auth: AuthContext | null;
  }
}

export type { AuthContext } from './context.js';

export interface AuthPluginOptions {
  config: AuthConfig;
  encryption: FieldEncryption;
  /** Delivers an invitation token (the app queues an e-mail: `src/jobs/send-invitation.ts`). */
  sendInvitation: InvitationSender;
}

// The scheme is case-insensitive (RFC 9110 §11.1); the token is a compact JWS.
const bearer = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const service = new AuthService(options.config, options.encryption);
  app.decorate('authService', service);
  app.decorate('sendInvitation', options.sendInvitation);
  app.decorateRequest('auth', null);

  app.decorate('authenticate', async function authenticate(request: FastifyRequest) {
    const token = bearer.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw invalidToken('Send the access token as `Authorization: Bearer <token>`.');
    const claims = await service.accessTokens.verify(token);
    if (!claims) throw invalidToken();
    // The token proves who signed in; the membership and the session are checked on every request (through a
    // short-lived cache that every revoking write clears), so a removed member, a changed role or a revoked
    // session take effect at once rather than at token expiry.
    const key = { tenantId: claims.tenantId, userId: claims.userId, sessionId: claims.sessionId };
    let access = service.accessCache.get(key);
    if (!access) {
      const generation = service.accessCache.generation;
      access = await loadAccess(key);
      if (!access) throw invalidToken('The session has ended or the membership no longer exists. Sign in again.');
      service.accessCache.set(key, access, generation);
    }
    request.auth = {
      userId: claims.userId,
      tenantId: claims.tenantId,
      role: access.role,
      sessionId: claims.sessionId,
      mfaEnabled: access.mfaEnabled,
      ...(claims.mfaAt === undefined ? {} : { mfaVerifiedAt: new Date(claims.mfaAt * 1000) }),
    };
  });

  await app.register(invitationRoutes, { prefix: '/v1/invitations' });
  await app.register(memberRoutes, { prefix: '/v1/members' });
}

async function loadAccess(key: SessionKey): Promise<CachedAccess | undefined> {
  const [row] = await withTenantIdentity(key.tenantId, (tx) =>
    tx
      .select({ role: memberships.role, totpEnabledAt: users.totpEnabledAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.tenantId, key.tenantId), eq(memberships.userId, key.userId), activeFamilyCondition(key.tenantId, key.userId, key.sessionId))),
  );
  return row ? { role: row.role, mfaEnabled: row.totpEnabledAt !== null } : undefined;
}

export default fp(authPlugin, { name: 'auth', fastify: '5.x' });
