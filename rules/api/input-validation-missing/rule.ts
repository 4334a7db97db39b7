import { defineRule } from '../../../src/core/define-rule.js';
import { apiRoute, dependenciesOf, describeRoute, httpModel, httpSelector, readHttp } from '../../_http/kit.js';
import { segments } from '../../_http/paths.js';
import { mutatingMethods } from '../../_http/routes.js';

/** Middleware that validates every request against an OpenAPI document. */
const specValidators = ['express-openapi-validator', 'openapi-backend', 'fastify-openapi-glue', 'express-openapi', 'koa-openapi'];

export default defineRule({
  meta: {
    id: 'input-validation-missing',
    category: 'api',
    checklist: 'API-4',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      unvalidated:
        '`{{read}}` is used by `{{route}}` without a schema or validator on the route or in the handler, so malformed or hostile input (wrong types, extra fields, huge payloads) reaches the business logic and the database. Validate it first: a route schema (Fastify `schema`), validator middleware, or `schema.parse(...)` (zod, valibot, yup, joi).',
      nestUnvalidated:
        'The `@{{decorator}}()` parameter of `{{route}}` is not validated: no `ValidationPipe` applies to it (none global, none on the route) or its type is not a DTO class, so any JSON shape reaches the handler. Register a global `ValidationPipe` with class-validator DTOs, or pass a pipe (`@{{decorator}}(new ZodValidationPipe(schema))`).',
    },
    docs: {
      summary: 'Route handlers that read the request body or query string with no schema, validator middleware or validation call in sight.',
      why: 'TypeScript types vanish at run time: `req.body as CreateOrder` accepts any JSON. Without validation, wrong types crash handlers deep inside (500s instead of 400s), unexpected fields flow into ORM calls (mass assignment), and oversized or nested payloads reach code that was never meant to handle them.',
      howToFix:
        'Declare a schema for body and query on every route: Fastify `schema: { body, querystring }`, Hono `zValidator(\'json\', schema)`, Express middleware (`validate(schema)`, `celebrate`, `express-validator`) or `const input = Schema.parse(req.body)` at the top of the handler; in NestJS a global `ValidationPipe` with class-validator DTOs (`whitelist: true`).',
      examples: {
        invalid: [
          {
            file: 'src/routes/users.ts',
            code: "import { Router } from 'express';\nimport { db } from '../db.js';\n\nexport const users = Router();\n\nusers.post('/users', async (req, res) => {\n  const user = await db.user.create({ data: req.body });\n  res.status(201).json(user);\n});\n",
          },
        ],
        valid: [
          {
            file: 'src/routes/users.ts',
            code: "import { Router } from 'express';\nimport { z } from 'zod';\nimport { db } from '../db.js';\n\nconst CreateUser = z.object({ email: z.string().email(), name: z.string().max(100) });\nexport const users = Router();\n\nusers.post('/users', async (req, res) => {\n  const data = CreateUser.parse(req.body);\n  res.status(201).json(await db.user.create({ data }));\n});\n",
          },
          {
            file: 'src/routes/users.ts',
            code: "import type { FastifyInstance } from 'fastify';\n\nexport async function users(app: FastifyInstance) {\n  app.post('/users', { schema: { body: { type: 'object', required: ['email'], properties: { email: { type: 'string' } } } } }, async (request) => request.body);\n}\n",
          },
        ],
      },
      peers: [
        'Semgrep and eslint-plugin-security have no rule for handlers without validation (their taint rules follow request data to specific sinks instead)',
        'njsscan: no equivalent rule',
      ],
      limitations: [
        'Validation is recognised by route schemas, validator middleware names (`validate`, `celebrate`, `zValidator`, `body(...)`), and calls in the handler (`parse`, `safeParse`, `validate`, `validateSync`, `assert`, `c.req.valid`); a validation helper with another name is not seen.',
        'Path parameters are not reported (the router already constrains them to one segment); only the body and the query string are. OAuth callback routes are skipped: their `code` and `state` go straight back to the provider.',
        'Handlers imported from another module are followed one level (`router.post(\'/x\', controller.create)`); deeper indirection is not.',
        'A service that validates every request against an OpenAPI document (express-openapi-validator, openapi-backend, fastify-openapi-glue) is not reported.',
        'In NestJS, a body or query typed with a class imported from another file is taken for a DTO that a global `ValidationPipe` validates.',
        'tRPC procedures and GraphQL resolvers are not HTTP routes here: their input is validated by `.input()` and the schema.',
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
    const reported = new Set<string>();
    const specValidated = new Map<string, boolean>();
    // A handler shared by several methods (a Pages Router file) is named after its mutating route.
    const routes = [...model.routes].sort((a, b) => Number(!mutatingMethods.has(a.route.method)) - Number(!mutatingMethods.has(b.route.method)));
    for (const r of routes) {
      if (!apiRoute(r) || r.validated) continue;
      // OAuth callbacks receive the provider's `code`/`state`, which go straight back to the provider.
      const p = r.fullPath ?? r.route.path;
      if (p !== null && segments(p).some((s) => /^callbacks?$/i.test(s))) continue;
      let validatedBySpec = specValidated.get(r.packageDir);
      if (validatedBySpec === undefined) {
        const deps = dependenciesOf(ctx.model, r.packageDir);
        specValidated.set(r.packageDir, (validatedBySpec = specValidators.some((d) => deps.has(d))));
      }
      if (validatedBySpec) continue;
      if (r.route.framework === 'nest') {
        const globalPipe = model.packages.get(r.packageDir)?.nest.globalPipe ?? false;
        const input = r.route.nestInputs?.find((i) => !i.piped && !(i.dto && globalPipe));
        if (!input) continue;
        ctx.report({
          messageId: 'nestUnvalidated',
          path: r.path,
          range: { start: input.start, end: input.end },
          data: { decorator: input.kind === 'body' ? 'Body' : 'Query', route: describeRoute(r) },
        });
        continue;
      }
      const handler = r.handler;
      const read = handler?.facts.reads.find((x) => x.kind === 'body' || x.kind === 'query');
      // A webhook whose signature is verified receives what its provider signed.
      if (!handler || !read || handler.facts.signature) continue;
      // One handler may serve several routes (a Pages Router file answering GET and POST): report its read once.
      const key = `${handler.path}:${read.start}`;
      if (reported.has(key)) continue;
      reported.add(key);
      ctx.report({ messageId: 'unvalidated', path: handler.path, range: { start: read.start, end: read.end }, data: { read: read.text, route: describeRoute(r) } });
    }
  },
});
