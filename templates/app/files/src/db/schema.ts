/**
 * The whole database schema. Every tenant-owned table has `tenant_id` leading its primary key and indexes and
 * carries the `tenant_isolation` policy; drizzle-kit turns the policies into `ENABLE ROW LEVEL SECURITY` +
 * `CREATE POLICY`, and the custom migration `0001_*` adds `FORCE ROW LEVEL SECURITY` and the grants.
 * `test/tenancy-rls.test.ts` fails when a table with a `tenant_id` column misses any of it.
 */
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgEnum,
  pgPolicy,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** The tenant of the current transaction, set by `withTenant` through `set_config('app.tenant_id', …, true)`. */
const currentTenant = sql`nullif(current_setting('app.tenant_id', true), '')::uuid`;
/** The user of the current transaction, set by `withUser` (login, token refresh) and `withTenant`. */
const currentUser = sql`nullif(current_setting('app.user_id', true), '')::uuid`;

const tenantIsolation = () =>
  pgPolicy('tenant_isolation', { for: 'all', using: sql`tenant_id = ${currentTenant}`, withCheck: sql`tenant_id = ${currentTenant}` });

export const membershipRole = pgEnum('membership_role', ['owner', 'admin', 'member']);
export type MembershipRole = (typeof membershipRole.enumValues)[number];

/** A tenant sees (and, at sign-up, creates) its own row; a user sees the tenants they belong to. */
export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  () => [
    pgPolicy('tenant_self', { for: 'all', using: sql`id = ${currentTenant}`, withCheck: sql`id = ${currentTenant}` }),
    // Login lists the tenants a user belongs to (through the memberships the user can see).
    pgPolicy('tenant_member_read', { for: 'select', using: sql`id in (select m.tenant_id from memberships m where m.user_id = ${currentUser})` }),
  ],
);

/** Global: a person can belong to several tenants. Emails are unique case-insensitively. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    /** The TOTP secret, envelope-encrypted (`src/encryption/`); never stored in plain text. */
    totpSecretEncrypted: text('totp_secret_encrypted'),
    /**
     * Plain-text TOTP secrets written before envelope encryption (expand/contract): only read as a fallback,
     * emptied by `npm run encryption:rotate`; drop the column in a later migration once it is empty everywhere.
     */
    totpSecret: text('totp_secret'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** The last accepted TOTP time step: a code is accepted once (RFC 6238 §5.2). */
    totpLastStep: integer('totp_last_step'),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`)],
);

export const memberships = pgTable(
  'memberships',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    role: membershipRole('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.userId] }),
    index('memberships_user_idx').on(t.userId),
    tenantIsolation(),
    // Login must find the tenants of a user before any tenant is chosen: a user sees their own memberships.
    pgPolicy('membership_self_read', { for: 'select', using: sql`user_id = ${currentUser}` }),
  ],
);

export const invitations = pgTable(
  'invitations',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: uuid('id').notNull().defaultRandom(),
    email: text('email').notNull(),
    role: membershipRole('role').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    /** Set by the `send-invitation` job once the e-mail went out, so a retried job does not send it again. */
    emailSentAt: timestamp('email_sent_at', { withTimezone: true }),
    invitedBy: uuid('invited_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('invitations_token_hash_key').on(t.tokenHash),
    tenantIsolation(),
    // Accepting an invitation: whoever holds the token (its hash in `app.invitation_token_hash`) sees that row only.
    pgPolicy('invitation_token_read', { for: 'select', using: sql`token_hash = current_setting('app.invitation_token_hash', true)` }),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: uuid('id').notNull().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    familyId: uuid('family_id').notNull(),
    refreshTokenHash: text('refresh_token_hash').notNull(),
    replacedBy: uuid('replaced_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('sessions_tenant_user_idx').on(t.tenantId, t.userId),
    index('sessions_tenant_family_idx').on(t.tenantId, t.familyId),
    uniqueIndex('sessions_refresh_token_hash_key').on(t.refreshTokenHash),
    tenantIsolation(),
    // Token refresh: the holder of a refresh token (its hash in `app.refresh_token_hash`) sees that session only.
    pgPolicy('session_refresh_read', { for: 'select', using: sql`refresh_token_hash = current_setting('app.refresh_token_hash', true)` }),
  ],
);

export const projects = pgTable(
  'projects',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: uuid('id').notNull().defaultRandom(),
    name: text('name').notNull(),
    // Millisecond precision: the pagination cursor carries created_at as a JavaScript Date.
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('projects_tenant_created_idx').on(t.tenantId, t.createdAt, t.id), tenantIsolation()],
);

/** Append-only: the application role may INSERT and SELECT, never UPDATE or DELETE (see the grants migration). */
export const auditLog = pgTable(
  'audit_log',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: uuid('id').notNull().defaultRandom(),
    actorUserId: uuid('actor_user_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('audit_log_tenant_created_idx').on(t.tenantId, t.createdAt), tenantIsolation()],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] }), index('idempotency_keys_tenant_created_idx').on(t.tenantId, t.createdAt), tenantIsolation()],
);

/** Global: fixed-window counters shared by every API instance. */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index('rate_limits_window_idx').on(t.windowStart)],
);
