import { defineRule } from '../../../src/core/define-rule.js';
import { withoutComments } from '../../_http/kit.js';
import { dependencySet, managedAuth, selfManagedAuth } from '../_code/auth-libraries.js';
import { nonProductionPath } from '../_code/code.js';

const mfaPackages = ['otplib', '@otplib/core', '@otplib/preset-default', 'speakeasy', 'otpauth', 'notp', 'node-2fa', '2fa-util', 'totp-generator', '@simplewebauthn/server', '@simplewebauthn/browser', 'fido2-lib', '@passwordless-id/webauthn', '@github/webauthn-json', 'webauthn', 'authenticator', '@levminer/speakeasy'];
/** Packages that exist to test the product (`api-end-to-end-test`, `e2e`): the tokens they sign are not a sign-in. */
const testPackage = /(?:^|\/)(?:examples?|fixtures?|test|tests)\/|(?:^|[/_.-])(?:test|tests|e2e|end-to-end)(?:[/_.-][^/]*)?\/package\.json$/;
/** Identity providers declared as infrastructure (Cognito, Auth0, Okta, Zitadel, Keycloak, Identity Platform): MFA is their setting. */
const managedIdentityResource = /^\s*resource\s+"(?:aws_cognito_user_pool|auth0_\w+|okta_\w+|zitadel_\w+|keycloak_realm|google_identity_platform_config|azuread_\w+)"/m;
const mfaCode = /\b(?:totp|hotp|otpauth|two.?factor|2fa|mfa|multi.?factor|webauthn|passkeys?|authenticator|second.?factor|twoFactor|verifyTotp)\b/i;

export default defineRule({
  meta: {
    id: 'mfa-missing',
    category: 'security',
    checklist: 'SEC-7',
    severity: 'info',
    confidence: 'low',
    stability: 'experimental',
    messages: {
      missing:
        'The application signs users in itself but shows no multi-factor capability (no TOTP, WebAuthn/passkey or MFA code or library), so a stolen or reused password is enough to take over an account, administrators included. Offer TOTP or passkeys and require them for owner and admin actions.',
    },
    docs: {
      summary: 'Informational: the repository runs its own authentication (passwords, sessions, JWTs) and has no sign of a second factor (TOTP, WebAuthn/passkeys, an MFA library or code).',
      why: 'Passwords leak through reuse, phishing and breaches of other sites. A second factor stops most account takeovers, and for owners and administrators of a multi-tenant SaaS it protects every tenant user at once.',
      howToFix:
        'Add TOTP (`otplib`) or passkeys (`@simplewebauthn/server`), let users enrol from their security settings, and require a recent second-factor check (step-up) for administrative and destructive actions. Hosted identity providers (Clerk, Auth0, Cognito, WorkOS...) offer MFA as a setting.',
      examples: {
        invalid: [
          {
            file: 'package.json',
            code: '{ "name": "api", "dependencies": { "express": "^4.19.2", "passport": "^0.7.0", "passport-local": "^1.0.0", "bcrypt": "^5.1.1" } }\n',
          },
        ],
        valid: [
          {
            file: 'package.json',
            code: '{ "name": "api", "dependencies": { "express": "^4.19.2", "passport": "^0.7.0", "bcrypt": "^5.1.1", "otplib": "^12.0.1" } }\n',
          },
          {
            file: 'package.json',
            code: '{ "name": "web", "dependencies": { "next": "^15.0.0", "@clerk/nextjs": "^6.0.0" } }\n',
            note: 'With a hosted identity provider MFA is a provider setting.',
          },
        ],
      },
      peers: ['No static analysis tool checks for MFA capability'],
      limitations: [
        'Informational and repository-wide: a TOTP/WebAuthn library, or code mentioning MFA, TOTP, two-factor, WebAuthn or passkeys anywhere, counts as the capability; whether admin actions require it is not checked.',
        'Repositories that use a hosted identity provider are not reported, whether through its SDK or declared in Terraform (Cognito user pools, Auth0, Okta, Zitadel, Keycloak realms); packages that only test the product (`*-e2e`, `api-end-to-end-test`) do not count as signing users in.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['mfa', 'MFA', 'Mfa', 'totp', 'TOTP', 'Totp', 'wo-factor', 'woFactor', 'wo_factor', '2fa', '2FA', 'ebauthn', 'ebAuthn', 'asskey', 'otpauth', 'uthenticator'] },
  check(ctx) {
    if (nonProductionPath.test(ctx.file.path)) return;
    if (mfaCode.test(withoutComments(ctx.file.text))) ctx.emit(true);
  },
  summarize(ctx, signals) {
    if (signals.length > 0) return;
    const deps = dependencySet(ctx.model.manifests().filter((m) => !testPackage.test(m.path)));
    if (!selfManagedAuth.some((d) => deps.has(d))) return;
    if (managedAuth.some((d) => deps.has(d)) || mfaPackages.some((d) => deps.has(d))) return;
    if (ctx.model.find((f) => f.path.endsWith('.tf')).some((f) => managedIdentityResource.test(ctx.model.text(f.path) ?? ''))) return;
    ctx.report({ messageId: 'missing' });
  },
});
