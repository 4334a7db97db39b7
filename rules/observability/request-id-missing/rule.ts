import { defineRule } from '../../../src/core/define-rule.js';
import { packageName, serverEvidence } from '../../_server/evidence.js';

/** Middleware that accepts or generates a request/correlation ID, and tracing SDKs that propagate trace context. */
const requestIdLibraries = new Set([
  'express-request-id', 'cls-rtracer', 'nestjs-cls', 'express-correlation-id', 'correlation-id', 'koa-requestid', 'koa-request-id', '@fastify/request-context',
  'express-http-context', 'request-context', 'express-request-context', 'hapi-request-id', 'fastify-request-id', 'dd-trace', '@opentelemetry/api', '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-trace-node', '@opentelemetry/auto-instrumentations-node', 'elastic-apm-node', 'newrelic',
]);
/**
 * Header names, Fastify/pino-http options, Hono's middleware and correlation identifiers. A bare `requestId` variable
 * is too common (API payloads, mock servers) to count; as a string key (`'requestId'`, a log or CLS field) it does.
 */
const requestIdSource =
  /x-request-id|x-correlation-id|x-amzn-trace-id|x-trace-id|traceparent|\bcorrelation[-_]?id\b|['"]hono\/request-id['"]/i;
/** Case-sensitive: `'requestID'` as a GraphQL argument of a "request" entity is not a correlation ID. */
const requestIdKey = /\bcorrelationId\b|['"`](?:requestId|request_id|reqId)['"`]|\bgenReqId\b|\brequestIdHeader\b|\bClsModule\b|\brTracer\b/;

export default defineRule({
  meta: {
    id: 'request-id-missing',
    category: 'observability',
    checklist: 'OBS-2',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'The HTTP server {{package}} ({{framework}}) neither accepts nor generates a request or correlation ID, so the log lines of one failing request cannot be pulled together, nor matched with the caller\'s or a downstream service\'s logs. Accept `x-request-id` (or generate one), return it in the response and bind it to the request logger.',
    },
    docs: {
      summary: 'An HTTP server package with no request-ID or correlation-ID handling and no tracing context.',
      why: 'When a customer reports an error, support needs one ID that finds every log line of that request, across the load balancer, this service and the services it called. Without it, incidents are debugged by timestamps and guesswork.',
      howToFix:
        'Read the incoming `x-request-id` (or generate a UUID), set it on the response, and bind it to the request logger: Fastify `requestIdHeader`/`genReqId`, pino-http `genReqId`, express-request-id or cls-rtracer, nestjs-cls, Hono `requestId()`, or OpenTelemetry trace context.',
      examples: {
        invalid: [
          {
            file: 'src/server.ts',
            code: "import express from 'express';\nimport pinoHttp from 'pino-http';\n\nconst app = express();\napp.use(pinoHttp());\napp.get('/orders', (_req, res) => res.json([]));\napp.listen(3000);\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "express": "^4.19.2", "pino-http": "^10.0.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/server.ts',
            code: "import { randomUUID } from 'node:crypto';\nimport express from 'express';\nimport pinoHttp from 'pino-http';\n\nconst app = express();\napp.use(\n  pinoHttp({\n    genReqId: (req, res) => {\n      const id = req.headers['x-request-id']?.toString() ?? randomUUID();\n      res.setHeader('x-request-id', id);\n      return id;\n    },\n  }),\n);\napp.listen(3000);\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "express": "^4.19.2", "pino-http": "^10.0.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep or Checkov equivalent'],
      limitations: [
        'Server packages are those whose runtime dependencies include an HTTP framework; Next.js apps, serverless functions and CLIs are not assessed.',
        'Any mention of a request/correlation ID header or identifier (`x-request-id`, a quoted `requestId` key, `correlationId`, `genReqId`, `requestIdHeader`, `traceparent`), a request-ID library or a tracing SDK in the package, the root package.json or a workspace package it depends on counts; whether the ID reaches every log line is not checked.',
        'Fastify\'s default per-process counter (`req-1`) is not treated as a correlation ID: it cannot be matched with a caller\'s logs.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const results = serverEvidence(ctx.model, { dependency: (name) => requestIdLibraries.has(name), source: [requestIdSource, requestIdKey] });
    if (results.length === 0) {
      ctx.notApplicable('No long-running HTTP server package (Express, Fastify, Koa, Hono, NestJS...) was found.');
      return;
    }
    for (const { pkg, found } of results) {
      if (found) continue;
      ctx.report({ messageId: 'missing', data: { package: packageName(pkg), framework: pkg.frameworks[0]! }, packageDir: pkg.dir, key: pkg.dir });
    }
  },
});
