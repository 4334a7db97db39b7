import { defineRule } from '../../../src/core/define-rule.js';
import { apiRoute, describeRoute, examples, httpModel, httpSelector, readHttp } from '../../_http/kit.js';
import type { LinkedRoute } from '../../_http/link.js';
import { hasVersion, publicPath, segments, webhookPath } from '../../_http/paths.js';

/** A route file under a `v1/` folder is versioned by its mount, even when the mount is computed (`routes.forEach(...)`). */
const versionFolder = /(?:^|\/)v\d+(?:\.\d+)?\//i;

function versioned(r: LinkedRoute): boolean {
  if (r.versioned) return true;
  if (versionFolder.test(r.path)) return true;
  if (r.route.path !== null && hasVersion(r.route.path)) return true;
  return r.fullPath !== null && hasVersion(r.fullPath);
}

/** Third parties call these at a URL configured on their side; a version segment buys nothing there. */
function providerCallback(path: string): boolean {
  return webhookPath(path) || segments(path).some((s) => /^(?:callback|callbacks|oauth|oauth2|saml|acs|\.well-known)$/i.test(s)) || (publicPath(path) && /callback/i.test(path));
}

/**
 * Full-stack frameworks that render the application's pages from the same server: its API routes serve that front end,
 * which ships with them, like Next.js route handlers.
 */
const fullStackFrameworks = ['next', 'react-router', '@react-router/node', '@react-router/serve', '@remix-run/node', '@remix-run/server-runtime', 'nuxt', '@sveltejs/kit', 'astro', '@tanstack/react-start', '@solidjs/start', '@analogjs/platform'];

export default defineRule({
  meta: {
    id: 'route-unversioned',
    category: 'api',
    checklist: 'API-1',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      unversioned:
        '{{count}} route(s) of this service have no version in their path ({{examples}}) and the service negotiates no version, so a breaking change reaches every client at once. Serve the API under a version prefix such as `/v1` (mount the routers there or set a global prefix) so a `/v2` can run beside it.',
    },
    docs: {
      summary: 'HTTP routes whose full path (after router mounts, plugin prefixes and global prefixes) has no `/v1`-style segment, in services without header or media-type versioning.',
      why: 'Clients of a public or partner API upgrade on their own schedule. Without a version in the contract, every breaking change (a renamed field, a stricter validation) breaks all of them at the same deploy, and there is no way to run the old and the new contract side by side while they migrate.',
      howToFix:
        'Mount the API under a version prefix: `app.use(\'/v1\', api)` (Express), `app.register(routes, { prefix: \'/v1\' })` (Fastify), `app.route(\'/v1\', api)` (Hono), `app.setGlobalPrefix(\'v1\')` or `app.enableVersioning()` (NestJS). Keep health, metrics and docs endpoints outside it. Header or media-type versioning (`Accept-Version`, Fastify `constraints: { version }`) is recognised too.',
      examples: {
        invalid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport { listOrders, createOrder } from './orders.js';\n\nconst app = express();\napp.get('/orders', listOrders);\napp.post('/orders', createOrder);\napp.get('/health', (_req, res) => res.send('ok'));\n\nexport default app;\n",
            note: 'One finding per service, at the app it creates, listing the routes; `/health` is exempt.',
          },
        ],
        valid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport { orders } from './routes/orders.js';\n\nconst app = express();\napp.use('/v1', orders);\n\nexport default app;\n",
            context: {
              'src/routes/orders.ts': "import { Router } from 'express';\n\nexport const orders = Router();\norders.get('/orders', (_req, res) => res.json([]));\n",
            },
            note: 'The prefix of the mount in `src/app.ts` applies to the routes of the router in another file.',
          },
          {
            file: 'src/main.ts',
            code: "import { NestFactory } from '@nestjs/core';\nimport { VersioningType } from '@nestjs/common';\nimport { AppModule } from './app.module.js';\n\nconst app = await NestFactory.create(AppModule);\napp.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });\nawait app.listen(3000);\n",
            context: {
              'src/orders.controller.ts': "import { Controller, Get } from '@nestjs/common';\n\n@Controller('orders')\nexport class OrdersController {\n  @Get()\n  list() {\n    return [];\n  }\n}\n",
            },
          },
        ],
      },
      peers: ['Spectral (OpenAPI linting) can require a version in `servers` URLs; no JavaScript source linter checks route registrations for it'],
      limitations: [
        'Next.js route handlers and API routes are not reported: they usually serve the application\'s own front end, which is deployed together with them. The same holds for any server in a package that also renders its pages with a full-stack framework (React Router/Remix, Nuxt, SvelteKit, Astro, TanStack Start), e.g. a Hono server in front of a React Router app.',
        'Health, readiness, metrics, documentation, GraphQL and tRPC endpoints, webhooks and OAuth callbacks are exempt.',
        'A router whose mount cannot be followed (mounted in a loop, by a computed path, or from a package) is only judged by its own paths and by a `v1/` folder in its file path; otherwise it is not reported.',
        'Version negotiation is recognised from Nest `enableVersioning`/`@Version`, Fastify `constraints: { version }` and code that reads an `Accept-Version`/`Api-Version` header; other schemes are not seen.',
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
    // One finding per service, where its app is created: that is where a version prefix is added.
    const byService = new Map<string, LinkedRoute[]>();
    const fullStack = new Map<string, boolean>();
    const rendersPages = (dir: string): boolean => {
      let known = fullStack.get(dir);
      if (known === undefined) {
        // The service's own dependencies: a monorepo root often lists frameworks its other workspaces use.
        const own = ctx.model.dependencies(dir);
        fullStack.set(dir, (known = fullStackFrameworks.some((d) => own.has(d))));
      }
      return known;
    };
    for (const r of model.routes) {
      if (r.route.framework === 'next' || !apiRoute(r)) continue;
      if (model.packages.get(r.packageDir)?.versioning) continue;
      if (versioned(r)) continue;
      // Without a known mount the prefix is unknown: nothing can be concluded.
      if (!r.mounted || r.fullPath === null) continue;
      if (providerCallback(r.fullPath)) continue;
      if (rendersPages(r.packageDir)) continue;
      let list = byService.get(r.packageDir);
      if (!list) byService.set(r.packageDir, (list = []));
      list.push(r);
    }
    for (const [dir, routes] of byService) {
      routes.sort((a, b) => a.path.localeCompare(b.path) || a.route.start - b.route.start);
      const first = routes[0]!;
      const app = model.packages.get(dir)?.appFiles.find((f) => f.framework === first.route.framework);
      const at = app ?? { path: first.path, start: first.route.start, end: first.route.end };
      ctx.report({
        messageId: 'unversioned',
        path: at.path,
        range: { start: at.start, end: at.end },
        data: { count: routes.length, examples: examples(routes.map(describeRoute)) },
      });
    }
  },
});
