import { defineRule } from '../../../src/core/define-rule.js';
import { apiRoute, httpModel, httpSelector, readHttp } from '../../_http/kit.js';
import type { Framework } from '../../_http/routes.js';

/** What each framework does without a central handler, and how to add one. */
const advice: Partial<Record<Framework, { default: string; fix: string }>> = {
  express: {
    default: 'Express\'s default handler answers with an HTML page, including the stack trace whenever NODE_ENV is not `production`',
    fix: 'register a 4-argument middleware `app.use((err, req, res, next) => ...)` after the routes',
  },
  fastify: {
    default: 'Fastify\'s default handler returns the raw `error.message` of any exception, 500s included',
    fix: 'call `app.setErrorHandler((error, request, reply) => ...)`',
  },
  koa: {
    default: 'Koa answers a plain-text status and leaves the format to each route',
    fix: 'add a first middleware that wraps `await next()` in try/catch and writes the error body',
  },
  hono: {
    default: 'Hono answers a plain-text 500 and leaves the format to each route',
    fix: 'register `app.onError((err, c) => ...)`',
  },
};

export default defineRule({
  meta: {
    id: 'error-handler-missing',
    category: 'api',
    checklist: 'API-6',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'This {{framework}} app has no central error handler: {{default}}, so clients get a different error shape from every route and internals can leak. Add one that logs the error and answers one format such as RFC 9457 problem+json: {{fix}}.',
    },
    docs: {
      summary: 'An Express, Fastify, Koa or Hono app that serves routes without a central error handler (Express 4-argument middleware, `setErrorHandler`, `onError`, a Koa try/catch middleware).',
      why: 'Without one place that turns exceptions into responses, each route invents its own error shape, clients cannot handle errors generically, and whatever the framework does by default reaches production: Express prints stack traces outside `NODE_ENV=production`, Fastify sends the raw message of every exception (SQL errors included).',
      howToFix:
        'Install one error handler per app that logs the full error with the request ID and answers a stable, documented shape (RFC 9457 `application/problem+json`: `type`, `title`, `status`, `detail`), exposing messages only for expected client errors (4xx).',
      examples: {
        invalid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport { orders } from './orders.js';\n\nconst app = express();\napp.use('/v1/orders', orders);\napp.get('/v1/customers', (_req, res) => res.json([]));\n\nexport default app;\n",
          },
        ],
        valid: [
          {
            file: 'src/app.ts',
            code: "import express, { type NextFunction, type Request, type Response } from 'express';\nimport { logger } from './logger.js';\n\nconst app = express();\napp.get('/v1/ping', (_req, res) => res.json({ pong: true }));\napp.use((err: Error, req: Request, res: Response, _next: NextFunction) => {\n  logger.error({ err, requestId: req.id }, 'request failed');\n  res.status(500).type('application/problem+json').json({ title: 'Internal Server Error', status: 500 });\n});\n\nexport default app;\n",
          },
        ],
      },
      peers: ['No equivalent in eslint-plugin-security, Semgrep or njsscan (they look at individual responses; see error-details-leaked)'],
      limitations: [
        'NestJS (its built-in exception filter answers a uniform JSON shape without internals) and Next.js are not reported.',
        'An Express error middleware is recognised by its four parameters or, when imported, by a name containing "error" (`app.use(errorHandler)`).',
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
    const served = new Set(model.routes.filter((r) => r.mounted && apiRoute(r)).map((r) => `${r.packageDir}\0${r.route.framework}`));
    for (const pkg of model.packages.values()) {
      const seen = new Set<Framework>();
      for (const app of pkg.appFiles) {
        const help = advice[app.framework];
        if (!help || seen.has(app.framework) || pkg.errorHandlers.has(app.framework)) continue;
        if (!served.has(`${pkg.dir}\0${app.framework}`)) continue;
        seen.add(app.framework);
        const name = { express: 'Express', fastify: 'Fastify', koa: 'Koa', hono: 'Hono' }[app.framework as 'express'];
        ctx.report({ messageId: 'missing', path: app.path, range: { start: app.start, end: app.end }, data: { framework: name, default: help.default, fix: help.fix } });
      }
    }
  },
});
