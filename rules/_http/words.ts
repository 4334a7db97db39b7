/** Name heuristics shared by the HTTP rules: what an identifier or a call says about auth, validation and limits. */

/** Splits `requireAuth`, `JWT_GUARD`, `passport.authenticate('jwt')` into lower-case words. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const authWords = new Set([
  'auth', 'authn', 'authz', 'authenticate', 'authenticated', 'authentication', 'authorize', 'authorized', 'authorization', 'authorise',
  'jwt', 'passport', 'guard', 'guards', 'protect', 'protected', 'login', 'loggedin', 'signedin', 'bearer', 'apikey', 'permission',
  'permissions', 'permit', 'role', 'roles', 'admin', 'acl', 'rbac', 'abac', 'clerk', 'kinde', 'owner', 'ownership', 'membership',
  'unauthenticated', 'unauthorized', 'firebase', 'oauth', 'cognito', 'keycloak', 'entitlement', 'entitlements', 'principal',
]);
const verbs = new Set(['require', 'requires', 'ensure', 'ensures', 'must', 'only', 'check', 'verify', 'validate', 'assert', 'is', 'has', 'with']);
const subjects = new Set(['user', 'users', 'token', 'session', 'member', 'key', 'scope', 'scopes', 'access', 'account', 'team', 'tenant', 'org', 'organization', 'logged', 'signed', 'signature']);
/** Guards that limit traffic rather than authenticate. */
const notAuth = /^(?:throttler|throttle|rate|limiter|ratelimit|cache|logging|timeout|cors|helmet|csrf|compression|serialize)/;

/**
 * True when a middleware, guard, hook or decorator name reads as authentication or authorization: `requireAuth`,
 * `passport.authenticate('jwt')`, `app.authenticate`, `JwtAuthGuard`, `verifyToken`, `isAdmin`, `ensureLoggedIn`.
 */
export function authName(text: string): boolean {
  const w = words(text.length > 200 ? text.slice(0, 200) : text);
  if (w.length === 0 || notAuth.test(w.join(''))) return false;
  // `auth.optional`, `optionalAuth`, `loadUser`: they identify the caller when they can, they do not require one.
  if (w.some((x) => x === 'optional' || x === 'maybe' || x === 'soft' || x === 'anonymous' || x === 'public')) return false;
  if (w.some((x) => authWords.has(x))) return true;
  for (let i = 0; i < w.length - 1; i++) {
    if (verbs.has(w[i]!) && subjects.has(w[i + 1]!)) return true;
  }
  return w.join('') === 'loggedin' || w.join('').startsWith('isloggedin');
}

/**
 * Middleware that verifies a request signature (`verifySlackSignature`, `validateWebhookSignature`): the signature
 * authenticates the sender, so the route behind it is not anonymous.
 */
export function signatureCheckName(text: string): boolean {
  return /^(?:verify|validate|check|require)\w*(?:Signature|Hmac)$/i.test(text.trim());
}

/** Session middleware (`session({...})`, `cookieSession()`) only loads sessions; it does not require one. */
export function sessionLoader(text: string): boolean {
  return /^(?:session|cookieSession|expressSession|fastifySession|secureSession|koaSession)\s*\(/.test(text) || /^(?:passport\.(?:initialize|session))\s*\(/.test(text);
}

/**
 * A validator middleware or pipe by name: `validate(schema)`, `celebrate({...})`, `zValidator('json', s)`, `body('email')`,
 * or a middleware that parses one part of the request into checked values (`parseQuery`, `helpers.parseBody`).
 */
export function validatorName(text: string): boolean {
  return /validat|schema|celebrate|[a-z]Validator\b|ValidationPipe|checkSchema|^(?:body|query|param|check|oneOf)\s*\(|\bjoi\b|\byup\b|\bzod\b|valibot|\bajv\b|sanitiz|\bdto\b|(?:^|\.)parse(?:Query|Body|Params|Input|Request|Pagination)\b/i.test(text);
}

/** Rate limiters by name: `rateLimit({...})`, `limiter`, `slowDown`, `ThrottlerGuard`, `@Throttle()`. */
export function rateLimitName(text: string): boolean {
  return /rate[-_]?limit|ratelimit|limiter|slow[-_]?down|throttl|brute/i.test(text);
}

/** Calls inside a handler that establish who the caller is (or refuse the request). */
export const authCall =
  /^(?:auth|getAuth|getServerSession|getServerAuthSession|getSession|getIronSession|currentUser|getCurrentUser\w*|requireUser|requireAuth\w*|requireSession|requireRole|requirePermission|verifyToken|verifyJwt|verifyIdToken|verifyAccessToken|verifySession|verifyApiKey|validateApiKey|validateSession|validateRequest|jwtVerify|getToken|getKindeServerSession|getUserFromRequest|getUserFromSession|getLoggedInUser|isAuthenticated|checkAuth\w*|checkPermission\w*|hasPermission|hasRole|assertRole|assertPermission|authorize\w*|authenticate\w*|withAuth|protect\w*|getAuthSession|getSessionUser|getAuthUser|getUserSession|throwIf\w*(?:Access|Auth|Permission|Allowed)\w*|ensure\w*(?:Auth|User|Member|Admin|Owner|Access|Permission)\w*)$/i;

/**
 * Property reads that only make sense behind authentication: `req.user`, `request.session.user`, `ctx.state.user`; or
 * the handler taking the caller's credential itself (`headers.get('Authorization')`, `req.headers.authorization`).
 */
export const authProperty =
  /\b(?:req|request|ctx\.state|ctx\.request|res\.locals|event\.locals|locals)\.(?:user|auth|currentUser|userId|principal|session\.(?:user|userId|get\())\b|\.isAuthenticated\s*\(|\bc\.(?:get|var)\b\s*\(?\s*['"]?(?:user|session|jwtPayload|auth)\b|\bsupabase\.auth\.getUser\b|\.jwtVerify\s*\(|\.get\(\s*['"][Aa]uthorization['"]\s*\)|\bheaders\.authorization\b|\bheaders\[\s*['"]authorization['"]\s*\]/;

/** Signature checks that make a public webhook endpoint safe. */
export const webhookVerification = /constructEvent|verifySignature|validateSignature|verifyWebhook|validateWebhook|webhooks?\.verify|\bWebhook\s*\(|svix|timingSafeEqual|createHmac|x-hub-signature|stripe-signature|signature/i;
