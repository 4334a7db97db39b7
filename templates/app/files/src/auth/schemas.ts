import { Type, type Static } from 'typebox';

export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);

const email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
/** NIST 800-63B: length over composition rules; the upper bound keeps argon2 input bounded. */
const password = Type.String({ minLength: 12, maxLength: 256 });
const totp = Type.String({ pattern: '^[0-9]{6}$', description: 'The current 6-digit code of the authenticator app.' });
const opaqueToken = Type.String({ minLength: 20, maxLength: 200 });

export const SignupBody = Type.Object({ email, password, tenantName: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type SignupBody = Static<typeof SignupBody>;

export const LoginBody = Type.Object(
  {
    email,
    password: Type.String({ minLength: 1, maxLength: 256 }),
    tenantId: Type.Optional(Type.String({ format: 'uuid' })),
    totp: Type.Optional(totp),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object({ refreshToken: opaqueToken }, { additionalProperties: false });
export const TotpBody = Type.Object({ totp }, { additionalProperties: false });

export const AuthResponse = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
    user: Type.Object({ id: Type.String({ format: 'uuid' }), email: Type.String(), mfaEnabled: Type.Boolean() }),
    tenant: Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String(), role: RoleSchema }),
  },
  { $id: 'AuthResponse' },
);

export const AccessTokenResponse = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer(),
});

export const Session = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.String({ format: 'date-time' }),
  current: Type.Boolean(),
});
export const SessionList = Type.Object({ items: Type.Array(Session) });
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const MfaEnrollResponse = Type.Object({
  secret: Type.String({ description: 'Base32 TOTP secret, for manual entry.' }),
  otpauthUri: Type.String({ description: 'otpauth:// URI to show as a QR code.' }),
});

export const InvitationBody = Type.Object({ email, role: RoleSchema }, { additionalProperties: false });
export const Invitation = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  role: RoleSchema,
  expiresAt: Type.String({ format: 'date-time' }),
  acceptedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  invitedBy: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export const InvitationList = Type.Object({ items: Type.Array(Invitation) });
export const AcceptInvitationBody = Type.Object(
  { token: opaqueToken, password: Type.Optional(password), totp: Type.Optional(totp) },
  { additionalProperties: false },
);

export const Member = Type.Object({
  userId: Type.String({ format: 'uuid' }),
  email: Type.String(),
  role: RoleSchema,
  createdAt: Type.String({ format: 'date-time' }),
});
export const MemberList = Type.Object({ items: Type.Array(Member) });
export const MemberParams = Type.Object({ userId: Type.String({ format: 'uuid' }) });
export const MemberRoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
