/**
 * Per-route authorization, on the server: `preHandler: [app.authenticate, requireRole('owner', 'admin'), requireStepUp()]`.
 * Both guards expect `app.authenticate` to have run first and fail closed when it has not.
 */
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AuthContext, Role } from './context.js';
import { insufficientRole, invalidToken, mfaEnrollmentRequired, stepUpRequired } from './problems.js';

/** How recent the TOTP check behind an owner/admin operation must be. */
export const STEP_UP_MAX_AGE_SECONDS = 300;

export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw invalidToken();
  return request.auth;
}

export function requireRole(...roles: [Role, ...Role[]]): preHandlerAsyncHookHandler {
  return async function requireRoleGuard(request) {
    if (!roles.includes(authOf(request).role)) throw insufficientRole();
  };
}

/**
 * Sensitive operations need a fresh second factor: an owner or admin without TOTP is told to enrol, one with
 * TOTP but no check in the last `maxAgeSeconds` gets an RFC 9470 step-up challenge.
 */
export function requireStepUp(maxAgeSeconds = STEP_UP_MAX_AGE_SECONDS): preHandlerAsyncHookHandler {
  return async function requireStepUpGuard(request) {
    const auth = authOf(request);
    if (!auth.mfaEnabled) throw mfaEnrollmentRequired();
    const verifiedAt = auth.mfaVerifiedAt?.getTime();
    if (verifiedAt === undefined || Date.now() - verifiedAt > maxAgeSeconds * 1000) throw stepUpRequired(maxAgeSeconds);
  };
}
