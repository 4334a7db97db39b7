import { defineRule } from '../../../src/core/define-rule.js';
import { packageName, serverEvidence } from '../../_server/evidence.js';

/** Libraries that expose health or readiness endpoints. */
const healthLibraries = new Set([
  '@nestjs/terminus', '@godaddy/terminus', 'lightship', 'fastify-healthcheck', 'express-healthcheck', 'express-health-check', 'express-actuator',
  'koa-healthcheck', 'hapi-alive', 'healthchecks-api', '@cloudnative/health-connect', 'maintenance-health-check', 'hono-health-check',
]);
/**
 * A route path ending in a health word, in any quote style: `'/healthz'`, `"/api/v1/health"`, `` `/readyz` ``. The
 * generic words (`/status`, `/ping`, `/ready`) count only at the top or under `api/` and version segments, so
 * `/orders/:id/status` is not a health check.
 */
const healthPath =
  /['"`]\/(?:(?:[\w.-]+\/)*(?:_{0,2}health(?:z|[-_]?checks?)?|readyz|readiness|livez|liveness|heartbeat)|(?:(?:api|v\d+|internal|system|ops|management|actuator|monitoring)\/)*(?:ready|live|alive|ping|status))\/?['"`]/;
/** Nest decorators and router calls without a leading slash: `@Controller('health')`, `@HealthCheck()`. */
const healthDecorator = /@(?:Controller|Get|Head|All)\(\s*['"`](?:health[\w-]*|healthz|readyz|livez|ping|status)['"`]|@HealthCheck\(/;

export default defineRule({
  meta: {
    id: 'health-endpoint-missing',
    category: 'observability',
    checklist: 'OBS-4',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'The HTTP server {{package}} ({{framework}}) exposes no health endpoint (`/healthz`, `/readyz`, `/health`, `/ping`...), so load balancers and orchestrators cannot tell a hung or starting instance from a healthy one and keep routing traffic to it. Add a liveness route and a readiness route that checks the database.',
    },
    docs: {
      summary: 'An HTTP server package with no liveness or readiness endpoint anywhere in its code or dependencies.',
      why: 'Kubernetes probes, load balancer target groups, Cloud Run and uptime monitors decide from a health endpoint whether an instance may receive traffic and whether it must be restarted. Without one, a process that is up but cannot reach its database keeps receiving requests, and a deploy is declared healthy before the app can serve.',
      howToFix:
        'Add a cheap liveness route (`GET /healthz` returning 200 while the process runs) and a readiness route (`GET /readyz` that checks the database and other hard dependencies), or use a library such as @nestjs/terminus, @godaddy/terminus or lightship, and point the platform\'s probes at them.',
      examples: {
        invalid: [
          {
            file: 'src/server.ts',
            code: "import express from 'express';\nimport { orders } from './orders.js';\n\nconst app = express();\napp.use('/orders', orders);\napp.listen(3000);\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/server.ts',
            code: "import express from 'express';\nimport { orders } from './orders.js';\nimport { db } from './db.js';\n\nconst app = express();\napp.get('/healthz', (_req, res) => res.send('ok'));\napp.get('/readyz', async (_req, res) => {\n  await db.query('select 1');\n  res.send('ready');\n});\napp.use('/orders', orders);\napp.listen(3000);\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
          {
            file: 'src/health/health.controller.ts',
            code: "import { Controller, Get } from '@nestjs/common';\nimport { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';\n\n@Controller('health')\nexport class HealthController {\n  constructor(private health: HealthCheckService, private db: TypeOrmHealthIndicator) {}\n\n  @Get()\n  @HealthCheck()\n  check() {\n    return this.health.check([() => this.db.pingCheck('database')]);\n  }\n}\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "@nestjs/core": "^10.3.0", "@nestjs/terminus": "^10.2.0" } }\n' },
          },
        ],
      },
      peers: [
        'hadolint and Checkov check Dockerfile HEALTHCHECK / Kubernetes probes (see dockerfile-healthcheck-missing), not the route itself',
        'No ESLint or Semgrep rule looks for a health route',
      ],
      limitations: [
        'Server packages are those whose runtime dependencies include an HTTP framework (Express, Fastify, Koa, Hono, NestJS, hapi, GraphQL servers...); Next.js apps, serverless functions and CLIs are not assessed.',
        'Any string path ending in a health word (`/health`, `/healthz`, `/readyz`, `/livez`, `/ping`, `/status`, `/heartbeat`) anywhere in the package or the workspace packages it depends on counts, whether or not it is mounted; so does a health library dependency.',
        'Health endpoints served by a sidecar, the platform (e.g. a TCP probe) or a separate management port in another repository are not seen.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const results = serverEvidence(ctx.model, {
      dependency: (name) => healthLibraries.has(name),
      source: new RegExp(`${healthPath.source}|${healthDecorator.source}`),
    });
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
