import { defineRule } from '../../../src/core/define-rule.js';
import { withoutComments } from '../../_http/kit.js';
import { dependencySet, managedAuth, selfManagedAuth } from '../_code/auth-libraries.js';
import { nonProductionPath } from '../_code/code.js';

/** Ending or revoking sessions and tokens: logout, session destruction, revocation lists, token versions. */
const revocationCode =
  /\b(?:log.?out|sign.?out|logOut|signOut|revoke\w*|destroySession|deleteSession\w*|invalidate\w*(?:Session|Token)s?|blacklist\w*|denylist\w*|blocklist\w*|tokenVersion|token_version|sessionVersion|revokedAt|revoked_at)\b|\.session\.destroy\(|\breq\.logout\(|\bsessions?\.(?:delete|deleteMany|destroy)\b/i;

export default defineRule({
  meta: {
    id: 'session-revocation-missing',
    category: 'security',
    checklist: 'SEC-8',
    severity: 'info',
    confidence: 'low',
    stability: 'experimental',
    messages: {
      missing:
        'The application issues its own sessions or tokens but nothing ends or revokes them (no logout, session destruction, revocation list or token version), so a stolen session stays valid until it expires and a user cannot sign out other devices. Add logout, "sign out everywhere" and a server-side session or refresh-token store that can be revoked.',
    },
    docs: {
      summary: 'Informational: the repository issues its own sessions or JWTs and has no code that ends or revokes them (logout, `session.destroy`, revocation or deny lists, token versions).',
      why: 'When a device is lost, a password changes or an account is compromised, the sessions already issued must stop working. Without server-side revocation a stolen refresh token or cookie keeps working until it expires, and users cannot see or end their other sessions.',
      howToFix:
        'Keep sessions or refresh tokens server-side (a table with user, device and last use), delete them on logout, offer "sign out everywhere" and revoke them all on password change. For stateless access tokens keep lifetimes short and check a per-user token version on refresh.',
      examples: {
        invalid: [
          {
            file: 'src/auth.ts',
            code: "import jwt from 'jsonwebtoken';\n\nexport function login(userId: string) {\n  return jwt.sign({ sub: userId }, process.env.JWT_SECRET!, { expiresIn: '15m' });\n}\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "jsonwebtoken": "^9.0.2" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/auth.ts',
            code: "import { db } from './db.js';\n\nexport async function logout(sessionId: string) {\n  await db.session.delete({ where: { id: sessionId } });\n}\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express-session": "^1.18.0" } }\n' },
          },
        ],
      },
      peers: ['Semgrep javascript.express.security.audit.express-jwt-not-revoked and njsscan jwt_not_revoked (express-jwt without `isRevoked`)'],
      limitations: [
        'Informational and repository-wide: any logout, sign-out, revocation or session deletion code counts; whether refresh tokens are really revoked is not checked.',
        'Repositories that use a hosted identity provider are not reported: it manages sessions.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['ogout', 'ogOut', 'ign-out', 'ignout', 'ignOut', 'evoke', 'estroy', 'eleteSession', 'nvalidate', 'lacklist', 'enylist', 'locklist', 'okenVersion', 'oken_version', 'essionVersion', 'evoked', 'sessions.delete', 'session.delete'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    if (revocationCode.test(withoutComments(ctx.file.text))) ctx.emit(true);
  },
  summarize(ctx, signals) {
    if (signals.length > 0) return;
    const deps = dependencySet(ctx.model.manifests().filter((m) => !/(?:^|\/)(?:examples?|fixtures?|test|tests)\//.test(m.path)));
    if (!selfManagedAuth.some((d) => deps.has(d) && !/^(?:bcrypt|bcryptjs|argon2|@node-rs\/argon2)$/.test(d))) return;
    if (managedAuth.some((d) => deps.has(d))) return;
    ctx.report({ messageId: 'missing' });
  },
});
