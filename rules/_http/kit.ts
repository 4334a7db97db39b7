/** What every HTTP rule shares: which files it reads, the facts it emits, and the linked model in `summarize`. */
import type { ts } from 'ts-morph';
import type { FileSelector, Signal } from '../../src/core/define-rule.js';
import type { RepoModel } from '../../src/audit/model.js';
import { buildHttpModel, type HttpModel, type LinkedRoute } from './link.js';
import { hasHttp, httpFacts, nonServedPath, type HttpFacts } from './routes.js';
import { infrastructurePath, nextRoutePath, publicPath, segments } from './paths.js';

/**
 * A cheap pre-filter: route files, apps, controllers, Nest modules and Next.js route files all mention one of these.
 * Extraction itself runs once per file whichever rules ask for it.
 */
export const httpSelector: FileSelector = {
  languages: ['ts'],
  keywords: [
    'req', 'Request', 'request', 'ctx', 'app', 'router', 'Router', 'fastify', 'Fastify', 'Controller', 'Hono', 'hono', 'koa', 'express', 'NestFactory',
    'APP_GUARD', 'APP_PIPE', 'APP_FILTER', 'useGlobal', 'matcher', 'autoload', 'AutoLoad', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE',
  ],
};

/** Whether a text mentions one of the HTTP selector's keywords: the files any HTTP rule extracts routes from. */
export function mentionsHttp(text: string): boolean {
  return (httpSelector.keywords ?? []).some((k) => text.includes(k));
}

interface FileLike {
  readonly file: { readonly path: string; readonly text: string };
  ast(): ts.SourceFile;
}

/** The file's HTTP facts, or undefined for tests, scripts, client components and files without any. */
export function readHttp(ctx: FileLike): HttpFacts | undefined {
  if (nonServedPath.test(ctx.file.path)) return undefined;
  // Components render; they register no routes (Next.js route files are the exception, whatever their extension).
  if (/\.[jt]sx$/.test(ctx.file.path) && nextRoutePath(ctx.file.path) === undefined) return undefined;
  if (/^\s*['"]use client['"]/.test(ctx.file.text)) return undefined;
  const facts = httpFacts(ctx.ast(), ctx.file.path);
  return hasHttp(facts) ? facts : undefined;
}

/** The signal shape the HTTP rules emit: the file's HTTP facts plus whatever the rule adds. */
export interface HttpSignal {
  http?: HttpFacts;
}

type HttpFiles = ReadonlyArray<{ path: string; facts: HttpFacts }>;

/**
 * Built models by the files they were built from. Most HTTP rules read the same files, and their signals carry the
 * very same facts objects (one extraction per file), so the link step runs once for all of them. Rules only read
 * the model.
 */
const models = new WeakMap<RepoModel, Array<{ files: HttpFiles; http: HttpModel }>>();

/** The linked model of the HTTP facts among a rule's signals (shared with any rule that emitted the same facts). */
export function httpModel(model: RepoModel, signals: readonly Signal[]): HttpModel {
  const files: Array<{ path: string; facts: HttpFacts }> = [];
  for (const s of signals) {
    const http = (s.value as HttpSignal).http;
    if (http) files.push({ path: s.path, facts: http });
  }
  let built = models.get(model);
  if (!built) models.set(model, (built = []));
  const found = built.find((b) => sameFiles(b.files, files));
  if (found) return found.http;
  const http = buildHttpModel(model, files);
  built.push({ files, http });
  return http;
}

function sameFiles(a: HttpFiles, b: HttpFiles): boolean {
  return a.length === b.length && a.every((x, i) => x.path === b[i]!.path && x.facts === b[i]!.facts);
}

/** Routes a client calls: not CORS preflights, HEAD, or health/metrics/docs endpoints. */
export function apiRoute(r: LinkedRoute): boolean {
  if (r.route.method === 'OPTIONS' || r.route.method === 'HEAD') return false;
  const p = r.fullPath ?? r.route.path;
  return p === null || !infrastructurePath(p);
}

export function describeRoute(r: LinkedRoute): string {
  return `${r.route.method === 'ALL' ? 'ALL' : r.route.method} ${r.fullPath ?? r.route.path ?? '(computed path)'}`;
}

/** Up to three examples, then "and N more". */
export function examples(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).map((s) => `\`${s}\``).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** Dependencies of a service folder (see `manifestDir`) and of the repository root (a monorepo often hoists shared ones). */
export function dependenciesOf(model: RepoModel, dir: string): Set<string> {
  const deps = model.dependencies(dir);
  if (dir !== '.') for (const d of model.dependencies('.')) deps.add(d);
  return deps;
}

// Several rules strip the same file one after another: the last answer is kept.
let stripped: { text: string; code: string } | undefined;

/** The text without comments (`// TODO: add rate limiting` is not a rate limiter). Strings that contain `//` lose their tail. */
export function withoutComments(text: string): string {
  if (stripped?.text !== text) stripped = { text, code: text.replace(/\/\*[\s\S]*?\*\/|(^|[^:\\])\/\/[^\n]*/g, '$1') };
  return stripped.code;
}

/**
 * Files named after one step of the sign-in flow: `routes/auth/create-account.ts` registering `POST /users`,
 * `authenticate-with-password.ts`, `forgot-password.ts`. A folder (`auth/`) or a file named after the whole topic
 * (`auth.ts`, `sessions.ts`) also holds routes that need a signed-in caller (members, invitations, sessions), so they
 * exempt nothing by themselves: their public routes are recognised by path or handler name.
 */
const authFlowFile = /(?:^|\/)(?:login|signin|sign-in|signup|sign-up|register|registration|authenticate-with[\w-]*|forgot-password|reset-password|password-reset|recover-password|request-password-recover\w*|create-account|verify-email|confirm-email|magic-link|accept-invit[\w-]*)(?:\.[\w-]+)*\.[cm]?[jt]sx?$/i;

/** `POST /sessions`, `POST /sessions/github`, `POST /tokens`, `POST /users/auth`: REST-style sign-in creates a session or a token. */
function signIn(r: LinkedRoute, path: string): boolean {
  if (r.route.method !== 'POST' || segments(path).some((s) => s.startsWith(':') || s.startsWith('{'))) return false;
  const last = segments(path).at(-1) ?? '';
  return segments(path).some((s) => /^(?:sessions?|tokens?|access-tokens?)$/i.test(s)) || /^(?:auth|authenticate|authentication)$/i.test(last);
}

/**
 * Handlers named after the sign-in flow: `registerUser`, `authUser`, `login`, `signUp`, `forgotPassword`, `verifyEmail`,
 * `acceptInvitation`. Verbs alone (`reset`, `verify`, `confirm`, `refresh`) need an object of the flow: `confirmOrder`
 * and `resetCounter` are not.
 */
const authFlowHandler =
  /(?:^|\.)(?:register(?:User|Account|Member)?|registerWith\w*|sign-?up\w*|signUp\w*|login\w*|logIn\w*|signIn\w*|auth(?:User|enticate\w*)?|logout\w*|signOut\w*|forgot\w*|reset(?:Password|Pass|Pwd|Credentials)\w*|verify(?:Email|Account|Otp|Code|Login|MagicLink|Registration|Phone|Signup|User)\w*|refresh(?:Token|Tokens|Session|Access|Auth)\w*|confirm(?:Email|Account|Signup|SignUp|Registration|User|Phone|Password)\w*|accept(?:Invite|Invitation)\w*|magicLink\w*|\w*OAuthCallback|oauth\w*|sso\w*|saml\w*|oidc\w*|create(?:Account|Session|Token))$/i;

/**
 * Routes that are public by design: sign-in, sign-up, password reset, invitation and OAuth flows (by path, by the name
 * of their handler, or by a file named after one step of the flow), health and similar endpoints.
 */
export function publicByDesign(r: LinkedRoute): boolean {
  const path = r.fullPath ?? r.route.path;
  if (path !== null && (publicPath(path) || signIn(r, path))) return true;
  if (authFlowFile.test(r.path)) return true;
  return r.handler?.name !== undefined && authFlowHandler.test(r.handler.name);
}
