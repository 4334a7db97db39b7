import type { MembershipRole } from '../db/schema.js';

export type Role = MembershipRole;

/** Who is calling, set by `app.authenticate` from a verified access token and the current membership. */
export interface AuthContext {
  userId: string;
  tenantId: string;
  /** Read from the membership on every request, so a role change applies at once. */
  role: Role;
  /** The session (refresh-token family) the access token belongs to. */
  sessionId: string;
  /** When this session last passed a TOTP check, if it did. */
  mfaVerifiedAt?: Date;
  mfaEnabled: boolean;
}
