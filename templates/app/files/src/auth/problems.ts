import { HttpProblem } from '../errors.js';

const type = (name: string): string => `https://problems.api/auth/${name}`;

/** One answer for an unknown e-mail, a wrong password, a wrong TOTP code and a locked account: no enumeration. */
export const invalidCredentials = (): HttpProblem =>
  new HttpProblem(401, 'The e-mail, password or code is wrong, or the account is locked for a while after repeated failures.', {
    type: type('invalid-credentials'),
    title: 'Invalid credentials',
  });

export const mfaRequired = (): HttpProblem =>
  new HttpProblem(401, 'This account uses two-factor authentication: send the current code of the authenticator app as `totp`.', {
    type: type('mfa-required'),
    title: 'Two-factor code required',
  });

export const invalidToken = (detail = 'The access token is missing, invalid or expired.'): HttpProblem =>
  new HttpProblem(401, detail, { type: type('invalid-token'), title: 'Unauthorized', headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

export const invalidRefreshToken = (): HttpProblem =>
  new HttpProblem(401, 'The refresh token is invalid, expired or revoked. Sign in again.', { type: type('invalid-refresh-token'), title: 'Invalid refresh token' });

export const insufficientRole = (): HttpProblem =>
  new HttpProblem(403, 'Your role in this tenant does not allow this operation.', { type: type('insufficient-role'), title: 'Forbidden' });

export const mfaEnrollmentRequired = (): HttpProblem =>
  new HttpProblem(403, 'Owners and admins need two-factor authentication for this operation: enrol with POST /v1/auth/mfa/enroll first.', {
    type: type('mfa-enrollment-required'),
    title: 'Two-factor authentication required',
  });

/** RFC 9470 step-up: the client gets a fresh `mfa_at` from POST /v1/auth/mfa/step-up and retries. */
export const stepUpRequired = (maxAgeSeconds: number): HttpProblem =>
  new HttpProblem(401, `This operation needs a two-factor check from the last ${maxAgeSeconds} seconds: POST /v1/auth/mfa/step-up with a current code, then retry with the new access token.`, {
    type: type('step-up-required'),
    title: 'Step-up authentication required',
    headers: { 'www-authenticate': `Bearer error="insufficient_user_authentication", max_age=${maxAgeSeconds}` },
  });

export const tenantSelectionRequired = (tenants: { id: string; name: string }[]): HttpProblem =>
  new HttpProblem(409, 'This account belongs to several tenants: repeat the request with `tenantId`.', {
    type: type('tenant-selection-required'),
    title: 'Tenant selection required',
    tenants,
  });
