import { SignJWT, jwtVerify, errors } from 'jose';

/**
 * HS256: the API is the only party that signs and verifies, so a shared secret is enough, and nothing else
 * needs a published key. Verification pins the algorithm, issuer and audience. Move to EdDSA with a JWKS when
 * another service has to verify these tokens without being able to mint them.
 */
const ALGORITHM = 'HS256';

export interface AccessTokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessClaims {
  userId: string;
  tenantId: string;
  sessionId: string;
  /** Unix seconds of the last TOTP check in this session, when there was one. */
  mfaAt?: number;
}

export class AccessTokens {
  readonly #key: Uint8Array;

  constructor(private readonly settings: AccessTokenSettings) {
    if (Buffer.byteLength(settings.secret) < 32) throw new Error('JWT_SECRET must be at least 32 bytes');
    this.#key = new TextEncoder().encode(settings.secret);
  }

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ tid: claims.tenantId, sid: claims.sessionId, ...(claims.mfaAt === undefined ? {} : { mfa_at: claims.mfaAt }) })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'at+jwt' })
      .setSubject(claims.userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.settings.ttlSeconds}s`)
      .sign(this.#key);
  }

  /** The claims of a valid token; undefined for an invalid, expired or foreign one. */
  async verify(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: 'at+jwt',
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { sub, tid, sid, mfa_at: mfaAt } = payload;
      if (typeof sub !== 'string' || typeof tid !== 'string' || typeof sid !== 'string') return undefined;
      return { userId: sub, tenantId: tid, sessionId: sid, ...(typeof mfaAt === 'number' ? { mfaAt } : {}) };
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }
}
