import { defineRule } from '../../../src/core/define-rule.js';
import { apiRoute, dependenciesOf, describeRoute, examples, httpModel, httpSelector, readHttp } from '../../_http/kit.js';
import type { LinkedRoute } from '../../_http/link.js';
import { findSpecs, specGenerators } from '../../_http/openapi.js';

/** Below this many routes a service is a health check or a webhook receiver, not an API with clients. */
const minRoutes = 3;

export default defineRule({
  meta: {
    id: 'openapi-spec-missing',
    category: 'api',
    checklist: 'API-2',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'This service exposes {{count}} routes ({{examples}}) but the repository has no OpenAPI document and nothing generates one, so clients depend on reading the code and breaking changes go unnoticed. Generate the spec from route schemas ({{suggestion}}), commit it, and check it for drift in CI.',
    },
    docs: {
      summary: 'A service with HTTP routes, no OpenAPI/Swagger document in the repository and no library that generates one from the code.',
      why: 'The API contract is what clients, SDK generators, gateways and contract tests are built from. Without a written contract, every consumer reverse-engineers the handlers, and a breaking change is only noticed when a client fails in production.',
      howToFix:
        'Generate the document from the schemas the routes already validate with: `@fastify/swagger`, `@nestjs/swagger`, `@hono/zod-openapi`, `zod-openapi`/`@asteasolutions/zod-to-openapi` for Express, `tsoa`. Commit the generated `openapi.json`, serve it in development, and fail CI when the committed file differs from a fresh generation.',
      examples: {
        invalid: [
          {
            file: 'src/server.ts',
            code: "import Fastify from 'fastify';\n\nconst app = Fastify();\napp.get('/v1/orders', async () => []);\napp.post('/v1/orders', async (request) => request.body);\napp.get('/v1/orders/:id', async () => ({}));\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "fastify": "^5.2.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/server.ts',
            code: "import Fastify from 'fastify';\nimport swagger from '@fastify/swagger';\n\nconst app = Fastify();\nawait app.register(swagger, { openapi: { info: { title: 'Orders', version: '1.0.0' } } });\napp.get('/v1/orders', async () => []);\napp.post('/v1/orders', async (request) => request.body);\napp.get('/v1/orders/:id', async () => ({}));\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "fastify": "^5.2.0", "@fastify/swagger": "^9.0.0" } }\n' },
          },
        ],
      },
      peers: ['No source linter checks for a missing contract; Spectral and Redocly lint an existing one'],
      limitations: [
        'Any OpenAPI/Swagger document in the repository counts for every service, and a generator library counts when the service (or the repository root) depends on it.',
        'Next.js route handlers are not counted: they usually serve the application\'s own front end.',
        `Services with fewer than ${minRoutes} routes (besides health, metrics and docs) are not reported.`,
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
    const services = new Map<string, LinkedRoute[]>();
    for (const r of model.routes) {
      if (r.route.framework === 'next' || !apiRoute(r) || !r.mounted) continue;
      let list = services.get(r.packageDir);
      if (!list) services.set(r.packageDir, (list = []));
      list.push(r);
    }
    let specs: boolean | undefined;
    for (const [dir, routes] of services) {
      if (routes.length < minRoutes) continue;
      const deps = dependenciesOf(ctx.model, dir);
      if (specGenerators.some((g) => deps.has(g))) continue;
      specs ??= findSpecs(ctx.model).length > 0;
      if (specs) return;
      routes.sort((a, b) => a.path.localeCompare(b.path) || a.route.start - b.route.start);
      const framework = routes[0]!.route.framework;
      const app = model.packages.get(dir)?.appFiles.find((f) => f.framework === framework);
      const at = app ?? { path: routes[0]!.path, start: routes[0]!.route.start, end: routes[0]!.route.end };
      const suggestion = { express: '`zod-openapi` or `tsoa`', fastify: '`@fastify/swagger`', koa: '`koa-swagger-decorator` or `zod-openapi`', hono: '`@hono/zod-openapi`', nest: '`@nestjs/swagger`', next: '`next-swagger-doc`' }[framework];
      ctx.report({ messageId: 'missing', path: at.path, range: { start: at.start, end: at.end }, data: { count: routes.length, examples: examples(routes.map(describeRoute)), suggestion } });
    }
  },
});
