/**
 * `/v1/auth`: sign-up, login, token refresh, logout, sessions and TOTP. Registered by `src/app.ts` after
 * `./plugin.ts` (which provides `app.authenticate` and registers `/v1/invitations` and `/v1/members`):
 *   await app.register(authPlugin, { config });
 *   await app.register(authRoutes, { prefix: '/v1/auth' });
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { eq } from 'drizzle-orm';
import { recordAudit } from '../audit-log/audit-log.js';
import { conflict, HttpProblem, notFound, problem } from '../errors.js';
import { memberships, users } from '../db/schema.js';
import { withSystem, withTenantIdentity, withUser } from '../db/tenant.js';
import { authOf } from './guards.js';
import { invalidCredentials } from './problems.js';
import {
  AccessTokenResponse,
  AuthResponse,
  IdParams,
  LoginBody,
  MfaEnrollResponse,
  RefreshBody,
  SessionList,
  SignupBody,
  TotpBody,
} from './schemas.js';
import { deviceOf, listUserSessions, revokeAllUserSessions, revokeFamily, revokeUserSession } from './sessions.js';
import { newTotpSecret, totpUri } from './totp.js';

const tags = ['auth'];

const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.authService;
  // Signed-in routes share the tenant's rate limit; the public ones are covered by the per-IP limit.
  const preHandler = [app.authenticate, app.tenantRateLimit];
  const security = [{ bearerAuth: [] }];

  app.post(
    '/signup',
    { config: { public: true }, schema: { tags, summary: 'Create a tenant and its owner', body: SignupBody, response: { 201: AuthResponse, 400: problem, 409: problem } } },
    async (request, reply) => {
      const result = await service.signup(request.body, deviceOf(request));
      app.metrics.signups.inc();
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/login',
    { config: { public: true }, schema: { tags, summary: 'Sign in with e-mail, password and, when enrolled, a TOTP code', body: LoginBody, response: { 200: AuthResponse, 401: problem, 409: problem } } },
    async (request) => service.login(request.body, deviceOf(request)),
  );

  app.post(
    '/refresh',
    { config: { public: true }, schema: { tags, summary: 'Exchange a refresh token for a new pair (the old one stops working)', body: RefreshBody, response: { 200: AuthResponse, 401: problem } } },
    async (request) => service.refresh(request.body.refreshToken, deviceOf(request)),
  );

  app.post(
    '/logout',
    { preHandler, schema: { security, tags, summary: 'End the current session', response: { 204: Type.Null(), 401: problem } } },
    async (request, reply) => {
      const auth = authOf(request);
      await withTenantIdentity(auth.tenantId, (tx) => revokeFamily(tx, auth.tenantId, auth.sessionId));
      await service.accessChanged(auth);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/logout-all',
    { preHandler, schema: { security, tags, summary: 'End every session of the current user, in every tenant', response: { 204: Type.Null(), 401: problem } } },
    async (request, reply) => {
      const auth = authOf(request);
      const tenantIds = await withUser(auth.userId, (tx) =>
        tx.select({ tenantId: memberships.tenantId }).from(memberships).where(eq(memberships.userId, auth.userId)),
      );
      for (const { tenantId } of tenantIds) await withTenantIdentity(tenantId, (tx) => revokeAllUserSessions(tx, tenantId, auth.userId));
      await service.accessChanged({ userId: auth.userId });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/sessions',
    { preHandler, schema: { security, tags, summary: 'The current user’s sessions in this tenant, with device details', response: { 200: SessionList, 401: problem } } },
    async (request) => {
      const auth = authOf(request);
      const rows = await withTenantIdentity(auth.tenantId, (tx) => listUserSessions(tx, auth.tenantId, auth.userId));
      return {
        items: rows.map((row) => ({
          ...row,
          createdAt: row.createdAt.toISOString(),
          lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
          expiresAt: row.expiresAt.toISOString(),
          current: row.id === auth.sessionId,
        })),
      };
    },
  );

  app.delete(
    '/sessions/:id',
    { preHandler, schema: { security, tags, summary: 'End one of the current user’s sessions', params: IdParams, response: { 204: Type.Null(), 401: problem, 404: problem } } },
    async (request, reply) => {
      const auth = authOf(request);
      const revoked = await withTenantIdentity(auth.tenantId, (tx) => revokeUserSession(tx, auth.tenantId, auth.userId, request.params.id));
      if (!revoked) throw notFound('No active session with this id.');
      await service.accessChanged({ tenantId: auth.tenantId, userId: auth.userId, sessionId: request.params.id });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/mfa/enroll',
    { preHandler, schema: { security, tags, summary: 'Start TOTP enrolment: returns the secret to add to an authenticator app', response: { 200: MfaEnrollResponse, 401: problem, 409: problem } } },
    async (request) => {
      const auth = authOf(request);
      const secret = newTotpSecret();
      const user = await service.storeTotpSecret(auth.userId, secret);
      if (!user) throw conflict('Two-factor authentication is already enabled for this account.');
      return { secret, otpauthUri: totpUri(service.config.jwtIssuer, user.email, secret) };
    },
  );

  app.post(
    '/mfa/verify',
    { preHandler, schema: { security, tags, summary: 'Confirm TOTP enrolment with a first code; returns a step-up access token', body: TotpBody, response: { 200: AccessTokenResponse, 400: problem, 401: problem, 409: problem } } },
    async (request) => {
      const auth = authOf(request);
      const [user] = await withSystem((tx) => tx.select().from(users).where(eq(users.id, auth.userId)));
      if (!user || (!user.totpSecretEncrypted && !user.totpSecret)) throw conflict('Start enrolment with POST /v1/auth/mfa/enroll first.');
      if (user.totpEnabledAt) throw conflict('Two-factor authentication is already enabled for this account.');
      if (!(await service.consumeTotp(user, request.body.totp))) {
        throw new HttpProblem(400, 'The code does not match: check the authenticator app and the device clock.', { type: 'https://problems.api/auth/invalid-totp' });
      }
      await withTenantIdentity(auth.tenantId, async (tx) => {
        await tx.update(users).set({ totpEnabledAt: new Date() }).where(eq(users.id, auth.userId));
        await recordAudit(tx, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'user.mfa_enabled', targetType: 'user', targetId: auth.userId });
      });
      await service.accessChanged({ userId: auth.userId });
      return stepUpToken(auth.userId, auth.tenantId, auth.sessionId);
    },
  );

  app.post(
    '/mfa/step-up',
    { preHandler, schema: { security, tags, summary: 'Prove the second factor again; returns an access token for sensitive operations', body: TotpBody, response: { 200: AccessTokenResponse, 401: problem, 409: problem } } },
    async (request) => {
      const auth = authOf(request);
      const [user] = await withSystem((tx) => tx.select().from(users).where(eq(users.id, auth.userId)));
      if (!user?.totpEnabledAt) throw conflict('Two-factor authentication is not enabled: enrol with POST /v1/auth/mfa/enroll first.');
      if (!(await service.consumeTotp(user, request.body.totp))) throw invalidCredentials();
      return stepUpToken(auth.userId, auth.tenantId, auth.sessionId);
    },
  );

  async function stepUpToken(userId: string, tenantId: string, sessionId: string) {
    const accessToken = await service.accessTokens.sign({ userId, tenantId, sessionId, mfaAt: Math.floor(Date.now() / 1000) });
    return { accessToken, tokenType: 'Bearer' as const, expiresIn: service.config.accessTokenTtlSeconds };
  }
};

export default authRoutes;
