/**
 * Sign-up, login and refresh: everything that turns credentials into a token pair. Routes stay thin; the
 * token settings come from the validated config.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { FieldEncryption } from '../encryption/index.js';
import { conflict } from '../errors.js';
import { memberships, tenants, users, type MembershipRole } from '../db/schema.js';
import { withSystem, withTenantIdentity, withUser, type Tx } from '../db/tenant.js';
import { AccessCache, type AccessChange } from './access-cache.js';
import { publishAccessChange } from './access-changes.js';
import { AccessTokens } from './access-tokens.js';
import { isLocked, lockAfterFailure } from './lockout.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { invalidCredentials, invalidRefreshToken, mfaRequired, tenantSelectionRequired } from './problems.js';
import { rotateRefreshToken, startSession, type Device } from './sessions.js';
import { verifyTotp } from './totp.js';

export type AuthConfig = Pick<Config, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience' | 'accessTokenTtlSeconds' | 'refreshTokenTtlDays' | 'authCacheTtlMs'>;

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: { id: string; email: string; mfaEnabled: boolean };
  tenant: { id: string; name: string; role: MembershipRole };
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const emailEquals = (email: string) => eq(sql`lower(${users.email})`, normalizeEmail(email));

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface TotpState {
  id: string;
  totpSecretEncrypted: string | null;
  /** Legacy plain-text column (see `src/db/schema.ts`). */
  totpSecret: string | null;
  totpLastStep: number | null;
}

/** The encryption context of a user's TOTP secret: a ciphertext copied to another row does not decrypt. */
export const totpSecretContext = (userId: string): string => `users.totp_secret:${userId}`;

export class AuthService {
  readonly accessTokens: AccessTokens;
  /** Session and role checks of `app.authenticate`; invalidate it on every write that changes them. */
  readonly accessCache: AccessCache;

  constructor(
    readonly config: AuthConfig,
    /** Encrypts sensitive columns (TOTP secrets) with per-record data keys. */
    readonly encryption: FieldEncryption,
  ) {
    this.accessCache = new AccessCache(config.authCacheTtlMs);
    this.accessTokens = new AccessTokens({
      secret: config.jwtSecret,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      ttlSeconds: config.accessTokenTtlSeconds,
    });
  }

  async signup(input: { email: string; password: string; tenantName: string }, device: Device): Promise<AuthResult> {
    const email = normalizeEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    const tenantId = randomUUID();
    return withTenantIdentity(tenantId, async (tx) => {
      const [user] = await tx.insert(users).values({ email, passwordHash }).onConflictDoNothing().returning();
      if (!user) throw conflict('An account with this e-mail already exists: sign in and create the tenant from there, or use another e-mail.');
      const [tenant] = await tx.insert(tenants).values({ id: tenantId, name: input.tenantName.trim() }).returning();
      await tx.insert(memberships).values({ tenantId, userId: user.id, role: 'owner' });
      return this.issue(tx, {
        user: { id: user.id, email: user.email, mfaEnabled: false },
        tenant: { id: tenantId, name: tenant!.name, role: 'owner' },
        device,
      });
    });
  }

  async login(input: { email: string; password: string; tenantId?: string; totp?: string }, device: Device): Promise<AuthResult> {
    const [user] = await withSystem((tx) => tx.select().from(users).where(emailEquals(input.email)).limit(1));
    const now = new Date();
    if (user && isLocked(user.lockedUntil, now)) {
      // Same argon2 work as any other attempt, so a locked account answers exactly like a wrong password.
      await verifyPassword(undefined, input.password);
      throw invalidCredentials();
    }
    const passwordOk = await verifyPassword(user?.passwordHash, input.password);
    if (!user) throw invalidCredentials();
    if (!passwordOk) {
      await this.recordFailure(user.id);
      throw invalidCredentials();
    }

    let mfaAt: number | undefined;
    if (user.totpEnabledAt) {
      if (!input.totp) throw mfaRequired();
      if (!(await this.consumeTotp(user, input.totp))) {
        await this.recordFailure(user.id);
        throw invalidCredentials();
      }
      mfaAt = nowSeconds();
    }

    const choices = await withUser(user.id, (tx) =>
      tx
        .select({ id: tenants.id, name: tenants.name, role: memberships.role })
        .from(memberships)
        .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
        .where(eq(memberships.userId, user.id))
        .orderBy(memberships.createdAt),
    );
    const tenant = input.tenantId ? choices.find((choice) => choice.id === input.tenantId?.toLowerCase()) : choices.length === 1 ? choices[0] : undefined;
    if (!tenant) {
      if (!input.tenantId && choices.length > 1) throw tenantSelectionRequired(choices.map(({ id, name }) => ({ id, name })));
      throw invalidCredentials();
    }

    await withSystem((tx) => tx.update(users).set({ failedLoginCount: 0, lockedUntil: null }).where(eq(users.id, user.id)));
    return withTenantIdentity(tenant.id, (tx) =>
      this.issue(tx, { user: { id: user.id, email: user.email, mfaEnabled: user.totpEnabledAt !== null }, tenant, device, mfaAt }),
    );
  }

  async refresh(refreshToken: string, device: Device): Promise<AuthResult> {
    const rotated = await rotateRefreshToken(refreshToken, this.config.refreshTokenTtlDays, device);
    // The family was just revoked: its access tokens must stop working now, not when the cache entry expires.
    if (rotated.kind === 'reused') await this.accessChanged(rotated);
    if (rotated.kind !== 'rotated') throw invalidRefreshToken();
    const [row] = await withTenantIdentity(rotated.tenantId, (tx) =>
      tx
        .select({ role: memberships.role, tenantName: tenants.name, email: users.email, totpEnabledAt: users.totpEnabledAt })
        .from(memberships)
        .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.tenantId, rotated.tenantId), eq(memberships.userId, rotated.userId))),
    );
    if (!row) throw invalidRefreshToken();
    return {
      accessToken: await this.accessTokens.sign({ userId: rotated.userId, tenantId: rotated.tenantId, sessionId: rotated.sessionId }),
      refreshToken: rotated.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.config.accessTokenTtlSeconds,
      user: { id: rotated.userId, email: row.email, mfaEnabled: row.totpEnabledAt !== null },
      tenant: { id: rotated.tenantId, name: row.tenantName, role: row.role },
    };
  }

  /** Call after every committed write that ends sessions or changes a role: clears the access caches of all instances. */
  async accessChanged(change: AccessChange): Promise<void> {
    await publishAccessChange(this.accessCache, change);
  }

  /** Stores a new, not yet confirmed TOTP secret, encrypted; false when TOTP is already enabled. */
  async storeTotpSecret(userId: string, secret: string): Promise<{ email: string } | undefined> {
    const encrypted = await this.encryption.encrypt(secret, totpSecretContext(userId));
    return withSystem(async (tx) => {
      const [current] = await tx.select({ email: users.email, totpEnabledAt: users.totpEnabledAt }).from(users).where(eq(users.id, userId));
      if (!current || current.totpEnabledAt) return undefined;
      await tx.update(users).set({ totpSecretEncrypted: encrypted, totpSecret: null, totpLastStep: null }).where(eq(users.id, userId));
      return { email: current.email };
    });
  }

  async totpSecretOf(user: TotpState): Promise<string | undefined> {
    if (user.totpSecretEncrypted) return this.encryption.decrypt(user.totpSecretEncrypted, totpSecretContext(user.id));
    return user.totpSecret ?? undefined;
  }

  /**
   * Checks a TOTP code and burns its time step, so the same code cannot be replayed (RFC 6238 §5.2), not even
   * by two concurrent requests: only one conditional update can move `totp_last_step` forward.
   */
  async consumeTotp(user: TotpState, code: string): Promise<boolean> {
    const secret = await this.totpSecretOf(user);
    if (!secret) return false;
    const step = await verifyTotp(secret, code, user.totpLastStep ?? undefined);
    if (step === undefined) return false;
    const claimed = await withSystem((tx) =>
      tx
        .update(users)
        .set({ totpLastStep: step })
        .where(and(eq(users.id, user.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
        .returning({ id: users.id }),
    );
    return claimed.length > 0;
  }

  /** Starts a session in the caller's tenant-identity transaction and signs its first access token. */
  async issue(tx: Tx, input: { user: AuthResult['user']; tenant: AuthResult['tenant']; device: Device; mfaAt?: number }): Promise<AuthResult> {
    const session = await startSession(tx, { tenantId: input.tenant.id, userId: input.user.id, ttlDays: this.config.refreshTokenTtlDays, device: input.device });
    const accessToken = await this.accessTokens.sign({ userId: input.user.id, tenantId: input.tenant.id, sessionId: session.sessionId, mfaAt: input.mfaAt });
    return {
      accessToken,
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.config.accessTokenTtlSeconds,
      user: input.user,
      tenant: input.tenant,
    };
  }

  /** Counts a failed sign-in and locks the account once the free attempts are used up. */
  async recordFailure(userId: string): Promise<void> {
    await withSystem(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ failedLoginCount: sql`${users.failedLoginCount} + 1` })
        .where(eq(users.id, userId))
        .returning({ failures: users.failedLoginCount });
      const lockedUntil = row ? lockAfterFailure(row.failures, new Date()) : null;
      if (lockedUntil) await tx.update(users).set({ lockedUntil }).where(eq(users.id, userId));
    });
  }
}
