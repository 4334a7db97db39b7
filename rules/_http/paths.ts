/** URL path helpers shared by the HTTP rules: joining prefixes, normalizing parameters, recognizing infrastructure routes. */

import { words } from './words.js';

/** Joins route path pieces the way routers do: one slash between pieces, none at the end (except the root). */
export function joinPaths(...parts: ReadonlyArray<string | undefined>): string {
  const joined = parts
    .filter((p): p is string => p !== undefined && p !== '' && p !== '/')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

/** `/users/:id`, `/users/{id}`, `/users/[id]` and `/users/<id>` all become `/users/{}`; trailing slashes and case do not matter. */
export function normalizePath(path: string): string {
  const p = path
    .replace(/\?.*$/, '')
    .replace(/\([^)]*\)/g, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (/^(?::|\{|\[|<|\*)/.test(segment) ? '{}' : segment.toLowerCase()))
    .join('/');
  return `/${p}`;
}

export function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

/** `v1`, `v2`, `v1.2`, `v2024-01-01`, `api-v1`, `2024-06-01`: a path segment that names an API version. */
export function versionSegment(segment: string): boolean {
  return /^(?:api[-_]?)?v\d+(?:[.-]\d+)*(?:beta|alpha)?\d*$/i.test(segment) || /^\d{4}-\d{2}-\d{2}$/.test(segment);
}

export function hasVersion(path: string): boolean {
  return segments(path).some(versionSegment);
}

/** Health, readiness, metrics, documentation and similar endpoints that belong to the platform, not the API contract. */
const infraSegment =
  /^(?:health|healthz|healthcheck|health-check|_health|ready|readyz|readiness|live|livez|liveness|ping|status|metrics|prometheus|version|docs|api-docs|swagger|swagger-ui|openapi|openapi\.json|openapi\.yaml|reference|redoc|favicon\.ico|robots\.txt|sitemap\.xml|\.well-known|graphql|graphiql|trpc)$/i;

export function infrastructurePath(path: string): boolean {
  const s = segments(path);
  if (s.length === 0) return true;
  return s.some((x) => infraSegment.test(x)) || s.every((x) => x === '*' || x === '(.*)' || x.startsWith(':'));
}

/** Endpoints that are public by design: sign-in and sign-up flows, OAuth callbacks, password resets, health. */
const publicSegment =
  /^(?:login|logout|log-in|log-out|signin|sign-in|signout|sign-out|signup|sign-up|register|registration|forgot|forgot-password|forgotpassword|reset|reset-password|resetpassword|password-reset|recover|recover-password|password-recover|verify|verify-email|verify-account|email-verification|confirm|confirm-email|activate|callback|callbacks|oauth|oauth2|sso|saml|oidc|magic-link|magic|otp|csrf|refresh|refresh-token|refresh-tokens|token|tokens\/refresh|unsubscribe|contact|newsletter|waitlist|public|\[\.\.\.nextauth\]|nextauth|health|healthz|readyz|livez|ping|status|metrics)$/i;

/** Words that name a step of signing in, when they appear in a compound segment right after `auth`. */
const signInStep = /^(?:login|logout|signin|signup|signout|register|registration|sso|saml|oidc|oauth|otp|mfa|totp|password|passwordless|magic|verify|verification)$/;

export function publicPath(path: string): boolean {
  const s = segments(path);
  if (s.some((x) => publicSegment.test(x))) return true;
  // Auth provider catch-alls: `/api/auth/[...nextauth]`, `/api/auth/*`, `/auth/:provider`, `/auth/:provider/callback`
  // (not `/auth/members/:id`: a resource that merely sits under the auth prefix).
  const authAt = s.findIndex((x) => /^auth$/i.test(x));
  const next = authAt === -1 ? undefined : s[authAt + 1];
  if (next !== undefined && (next === '*' || next.startsWith('{') || next.startsWith(':') || next.startsWith('['))) return true;
  // `/api/auth/sso-lookup`, `/auth/signup-confirm`: a step of the sign-in flow, named in a compound, under the auth prefix.
  if (next !== undefined && words(next).some((w) => signInStep.test(w))) return true;
  // `/invitations/accept`, `/invites/:token/accept`: the invitee may have no account yet; the invitation token is the credential.
  return s.some((x) => /^invit/i.test(x)) && /^(?:accept|join|claim|redeem)$/i.test(s.at(-1) ?? '');
}

export function webhookPath(path: string): boolean {
  return segments(path).some((x) => /webhook|^hooks?$|^events$|^stripe$|^ipn$/i.test(x));
}

/** Next.js App Router / Pages Router file path → URL path (`app/(shop)/api/items/[id]/route.ts` → `/api/items/:id`). */
export function nextRoutePath(file: string): string | undefined {
  const app = /(?:^|\/)app\/((?:.*\/)?)route\.[cm]?[jt]sx?$/.exec(file);
  const pages = /(?:^|\/)pages\/(api\/.*?)(?:\/index)?\.[cm]?[jt]sx?$/.exec(file);
  const raw = app ? app[1]! : pages ? pages[1]! : undefined;
  if (raw === undefined) return undefined;
  const parts = raw
    .split('/')
    .filter((s) => s && !/^\(.*\)$/.test(s) && !s.startsWith('@') && !s.startsWith('_'))
    .map((s) => (/^\[\[?\.\.\./.test(s) ? '*' : s.startsWith('[') ? `:${s.replace(/[[\]]/g, '')}` : s));
  return joinPaths(...parts);
}

/** A Next.js middleware `matcher` (path-to-regexp syntax) as a regular expression; undefined when it cannot be read. */
export function matcherRegExp(matcher: string): RegExp | undefined {
  let out = '';
  for (let i = 0; i < matcher.length; i++) {
    const c = matcher[i]!;
    if (c === '(') {
      // A regex group: copy it to its matching parenthesis.
      let depth = 0;
      let j = i;
      for (; j < matcher.length; j++) {
        if (matcher[j] === '\\') {
          j++;
          continue;
        }
        if (matcher[j] === '(') depth++;
        else if (matcher[j] === ')' && --depth === 0) break;
      }
      out += matcher.slice(i, j + 1);
      i = j;
      const mod = matcher[i + 1];
      if (mod === '*' || mod === '+' || mod === '?') {
        out += mod;
        i++;
      }
    } else if (c === ':') {
      const m = /^:(\w+)([*+?])?/.exec(matcher.slice(i));
      if (!m) return undefined;
      if (m[2] === '*' && out.endsWith('/')) out = `${out.slice(0, -1)}(?:/.*)?`;
      else out += m[2] === '*' ? '.*' : m[2] === '+' ? '.+' : m[2] === '?' ? '[^/]*' : '[^/]+';
      i += m[0].length - 1;
    } else if (c === '*') out += '.*';
    else out += /[.+?^${}|[\]\\]/.test(c) ? `\\${c}` : c;
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return undefined;
  }
}
