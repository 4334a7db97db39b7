/** Authentication libraries by kind: what tells the SEC-7/SEC-8 rules that a repository signs users in itself. */

/** Libraries with which the application runs its own sign-in (passwords, sessions, JWTs). */
export const selfManagedAuth = [
  'passport', 'passport-local', 'passport-jwt', 'next-auth', '@auth/core', '@auth/express', 'better-auth', 'lucia', 'jsonwebtoken', 'jose',
  'express-session', 'cookie-session', '@fastify/jwt', '@fastify/session', '@fastify/secure-session', '@nestjs/passport', '@nestjs/jwt',
  'iron-session', 'supertokens-node', 'express-jwt', 'koa-jwt', 'koa-session', 'arctic', 'oslo', 'bcrypt', 'bcryptjs', 'argon2', '@node-rs/argon2',
];

/** Hosted identity providers: MFA and session management are features of the provider. */
export const managedAuth = [
  '@clerk/nextjs', '@clerk/express', '@clerk/fastify', '@clerk/clerk-sdk-node', '@clerk/backend', '@auth0/nextjs-auth0', 'auth0', 'express-openid-connect',
  '@kinde-oss/kinde-auth-nextjs', '@kinde-oss/kinde-typescript-sdk', '@workos-inc/node', '@workos-inc/authkit-nextjs', 'stytch', '@stytch/nextjs',
  'firebase-admin', 'aws-amplify', 'amazon-cognito-identity-js', '@aws-sdk/client-cognito-identity-provider', '@supabase/supabase-js', '@supabase/ssr',
  '@stackframe/stack', '@propelauth/node', '@propelauth/nextjs', '@descope/node-sdk', '@frontegg/nextjs', '@logto/next', 'keycloak-connect',
  '@okta/okta-auth-js', '@azure/msal-node', 'oidc-provider',
];

export function dependencySet(manifests: ReadonlyArray<{ manifest: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> } }>): Set<string> {
  const out = new Set<string>();
  for (const { manifest } of manifests) {
    for (const d of [manifest.dependencies, manifest.devDependencies]) if (d && typeof d === 'object') for (const k of Object.keys(d)) out.add(k);
  }
  return out;
}
