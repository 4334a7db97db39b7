import { defineRule } from '../../../src/core/define-rule.js';
import { option } from '../../../src/core/options.js';
import { apiRoute, describeRoute, httpModel, httpSelector, publicByDesign, readHttp } from '../../_http/kit.js';
import type { LinkedRoute } from '../../_http/link.js';
import { segments, webhookPath } from '../../_http/paths.js';
import { mutatingMethods } from '../../_http/routes.js';

function mutating(r: LinkedRoute): boolean {
  if (mutatingMethods.has(r.route.method)) return true;
  // `app.all(...)` and Pages Router handlers without a method check accept POST too; they matter when they take a body.
  return r.route.method === 'ALL' && (r.handler?.facts.reads.some((x) => x.kind === 'body') ?? false);
}

/**
 * `/deploy/:refreshToken`, `/invites/:inviteToken`: a secret in the URL is the credential (a capability URL handed to
 * one caller, like a webhook URL with a token), so the handler that looks it up is the authentication.
 */
function capabilityPath(path: string): boolean {
  return segments(path).some((s) => /^[:{[][\w-]*(?:token|secret|signature)[}\]]?$/i.test(s));
}

export default defineRule({
  meta: {
    id: 'route-auth-missing',
    category: 'api',
    checklist: 'API-3',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      unguarded:
        '`{{route}}` changes data but no authentication applies to it: no auth middleware, hook or guard on the route or where its router is mounted, and the handler does not check the caller. Anyone who can reach the service can call it; add the auth middleware or guard (on the route or its router), or mark the route public on purpose.',
      webhook:
        '`{{route}}` looks like a webhook endpoint but neither authenticates the caller nor verifies a signature, so anyone can forge events to it. Verify the provider signature (`stripe.webhooks.constructEvent`, a `timingSafeEqual` HMAC check) before acting on the payload.',
    },
    options: {
      includeReads: option.boolean('Also report GET routes without authentication (many are public by design, e.g. catalogues).', false),
    },
    docs: {
      summary: 'Mutating routes (POST, PUT, PATCH, DELETE) with no authentication in sight: no middleware, hook or guard on the route or its mount chain, no global guard, no check in the handler.',
      why: 'An endpoint that changes data without knowing who calls it lets anyone create, change or delete records. Authentication is easy to forget on one route among hundreds, especially when each router applies it by itself; the safe default is "authenticated unless explicitly public".',
      howToFix:
        'Apply authentication where routers are mounted (`app.use(\'/api\', requireAuth, api)`, a Fastify `onRequest` hook in the API scope, a global Nest guard with `APP_GUARD`, Next.js `middleware.ts` with a matcher) and mark the few public routes explicitly (`@Public()`). For a single route, add the guard to it (`preHandler: [app.authenticate]`, `router.post(\'/x\', requireAuth, handler)`, `@UseGuards(AuthGuard)`) or check the session at the top of the handler (`const session = await auth(); if (!session) return new Response(null, { status: 401 })`).',
      examples: {
        invalid: [
          {
            file: 'src/routes/orders.ts',
            code: "import { Router } from 'express';\nimport { requireAuth } from '../auth.js';\n\nexport const orders = Router();\n\norders.get('/orders', requireAuth, async (req, res) => res.json(await listOrders(req.user.id)));\norders.delete('/orders/:id', async (req, res) => {\n  await deleteOrder(req.params.id);\n  res.status(204).end();\n});\n",
            context: {
              'src/app.ts': "import express from 'express';\nimport { orders } from './routes/orders.js';\n\nconst app = express();\napp.use('/v1', orders);\n",
            },
          },
        ],
        valid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport { requireAuth } from './auth.js';\nimport { orders } from './routes/orders.js';\nimport { sessions } from './routes/sessions.js';\n\nconst app = express();\napp.use('/v1/sessions', sessions);\napp.use('/v1', requireAuth, orders);\n",
            context: {
              'src/routes/orders.ts': "import { Router } from 'express';\n\nexport const orders = Router();\norders.delete('/orders/:id', async (req, res) => res.status(204).end());\n",
              'src/routes/sessions.ts': "import { Router } from 'express';\n\nexport const sessions = Router();\nsessions.post('/login', async (req, res) => res.json({ token: await login(req.body) }));\n",
            },
            note: 'Middleware where a router is mounted covers its routes; sign-in routes are public by design.',
          },
          {
            file: 'app/api/projects/route.ts',
            code: "import { auth } from '@/auth';\n\nexport async function POST(request: Request) {\n  const session = await auth();\n  if (!session) return new Response(null, { status: 401 });\n  return Response.json(await createProject(session.user.id, await request.json()));\n}\n",
          },
        ],
      },
      peers: [
        'Semgrep has no general rule for routes without authentication (its express rules look at specific middleware misconfigurations)',
        'eslint-plugin-security, @microsoft/eslint-plugin-sdl and njsscan: no equivalent rule',
      ],
      limitations: [
        'Authentication is recognised by names (`requireAuth`, `passport.authenticate`, `app.authenticate`, `JwtAuthGuard`, `verifyToken`, `isLoggedIn`...) and by handler code that reads `req.user`, calls `auth()`/`getServerSession()`/`currentUser()` or `request.jwtVerify()`; an auth layer with other names is not seen and its routes are reported.',
        'Routes whose router mount cannot be followed (a computed path, a loop over a route table) are not judged: what applies at the mount is unknown.',
        'Sign-in, sign-up, password reset, OAuth and SSO callback, invitation acceptance, health and webhook paths (and `POST /sessions`, `POST /tokens`) are treated as public by design, as are routes defined in a file named after one step of the sign-in flow (`login.ts`, `create-account.ts`, `forgot-password.ts`...) or handled by functions named after it (`registerUser`, `login`, `forgotPassword`, `verifyEmail`); other routes in an `auth/` folder (members, invitations, sessions) are judged like any route. Webhooks are reported only when they verify no signature and do more than redirect.',
        'Authentication enforced outside the code (an API gateway, a service mesh) is not visible.',
        'Read-only (GET) routes are reported only with the `includeReads` option.',
        'A handler that verifies a signature, or answers 401 when it cannot identify the caller (`if (!user) return c.json(..., 401)`, `return notAuthenticatedResponse()`), counts as authenticated; so does a route whose path carries a secret parameter (`/deploy/:refreshToken`), the credential of a capability URL.',
        'Also counted as authentication: a wrapper configured with an auth mode (`withApiWrapper({ auth: \'session\', handler })`, anything but `none`/`public`), a call named after auth that is handed the request or the caller (`handleAuthenticatedRequest(request)`, `AuthService.requireAdminAuth(req, res)`), middleware named after a signature check (`verifySlackSignature`), and a handler that reads the `Authorization` header itself. Such names are trusted, not followed into the callee.',
      ],
    },
  },
  scope: 'file',
  files: httpSelector,
  check(ctx) {
    const http = readHttp(ctx);
    if (http) ctx.emit({ http });
  },
  summarize(ctx, signals) {
    const model = httpModel(ctx.model, signals);
    for (const r of model.routes) {
      if (!apiRoute(r) || r.auth || r.route.public || !r.mounted) continue;
      if (!mutating(r) && !(ctx.options.includeReads && r.route.method === 'GET')) continue;
      const path = r.fullPath ?? r.route.path;
      const range = { start: r.route.start, end: r.route.end };
      if (path !== null && webhookPath(path)) {
        // A handler that only redirects (a provider's setup URL pointed back at the app) acts on no event.
        if (r.handler && !r.handler.facts.signature && !r.handler.facts.redirectOnly) ctx.report({ messageId: 'webhook', path: r.path, range, data: { route: describeRoute(r) } });
        continue;
      }
      // A verified signature authenticates the sender, whatever the path is called (`/deploy/github`).
      if (r.handler?.facts.signature) continue;
      if (path !== null && capabilityPath(path)) continue;
      if (publicByDesign(r)) continue;
      ctx.report({ messageId: 'unguarded', path: r.path, range, data: { route: describeRoute(r) } });
    }
  },
});
