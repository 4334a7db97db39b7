import { defineRule } from '../../../src/core/define-rule.js';
import { packageName, serverEvidence } from '../../_server/evidence.js';

/** Libraries that drain an HTTP server on SIGTERM. */
const shutdownLibraries = new Set([
  'close-with-grace', '@godaddy/terminus', 'lightship', 'fastify-graceful-shutdown', 'http-terminator', 'stoppable', 'http-graceful-shutdown',
  '@moebius/http-graceful-shutdown', 'node-graceful-shutdown', 'graceful-shutdown-express', 'async-exit-hook', 'exit-hook', 'death', 'signal-exit',
  '@nestjs/terminus',
]);
/**
 * A listener on a termination signal (`process.on('SIGTERM', ...)`, or a list of signals iterated over), Nest's
 * shutdown hooks, and the usual helper names. `process.kill(pid, 'SIGTERM')` sends a signal and does not count.
 */
const shutdownSource =
  /\.(?:on|once|addListener|prependListener)\(\s*['"`]SIG(?:TERM|INT)['"`]|['"`]SIG(?:TERM|INT|HUP|QUIT)['"`]\s*,\s*['"`]SIG(?:TERM|INT|HUP|QUIT)['"`]|\benableShutdownHooks\s*\(|\bcloseWithGrace\b|\bcreateTerminus\b|\bcreateLightship\b/;

export default defineRule({
  meta: {
    id: 'shutdown-signals-missing',
    category: 'scalability',
    checklist: 'SCL-5',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'The HTTP server {{package}} ({{framework}}) never handles SIGTERM or SIGINT, so every deploy, scale-in or restart kills it mid-request: in-flight requests fail and open transactions and jobs are cut off. Handle SIGTERM by stopping new connections, draining in-flight requests and closing the database pool before exiting.',
    },
    docs: {
      summary: 'An HTTP server package that registers no SIGTERM/SIGINT handler and uses no graceful-shutdown library.',
      why: 'Orchestrators (Kubernetes, ECS, Cloud Run, Fly, Heroku) stop instances with SIGTERM on every deploy and scale-in, then kill them after a grace period. A server that ignores the signal drops in-flight requests and leaves half-done work, which users see as errors on every release.',
      howToFix:
        'On SIGTERM: fail the readiness probe, stop accepting connections (`server.close()` / `app.close()`), wait for in-flight requests and jobs, close the database pool, then exit. close-with-grace, @godaddy/terminus, lightship and http-terminator do this; in NestJS call `app.enableShutdownHooks()`.',
      examples: {
        invalid: [
          {
            file: 'src/server.ts',
            code: "import express from 'express';\n\nconst app = express();\napp.get('/orders', (_req, res) => res.json([]));\napp.listen(3000);\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/server.ts',
            code: "import express from 'express';\nimport { pool } from './db.js';\n\nconst app = express();\napp.get('/orders', (_req, res) => res.json([]));\nconst server = app.listen(3000);\n\nprocess.on('SIGTERM', () => {\n  server.close(async () => {\n    await pool.end();\n    process.exit(0);\n  });\n});\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "express": "^4.19.2", "pg": "^8.11.0" } }\n' },
          },
          {
            file: 'src/main.ts',
            code: "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module.js';\n\nconst app = await NestFactory.create(AppModule);\napp.enableShutdownHooks();\nawait app.listen(3000);\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "@nestjs/core": "^10.3.0" } }\n' },
          },
        ],
      },
      peers: ['No ESLint, Semgrep or Checkov equivalent; Kubernetes best-practice guides (preStop hooks, terminationGracePeriodSeconds) cover the platform side'],
      limitations: [
        'Server packages are those whose runtime dependencies include an HTTP framework run as a Node process; Next.js apps, serverless functions, Hono without @hono/node-server and CLIs are not assessed.',
        'A `process.on(\'SIGTERM\' | \'SIGINT\', ...)` listener (or a list of signals), `enableShutdownHooks()` or a graceful-shutdown library in the package, the root package.json or a workspace package it depends on counts; whether the handler really drains requests and closes pools is not checked.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const results = serverEvidence(ctx.model, { dependency: (name) => shutdownLibraries.has(name), source: shutdownSource });
    if (results.length === 0) {
      ctx.notApplicable('No long-running HTTP server package (Express, Fastify, Koa, NestJS...) was found; serverless and Next.js apps are stopped by their platform.');
      return;
    }
    for (const { pkg, found } of results) {
      if (found) continue;
      ctx.report({ messageId: 'missing', data: { package: packageName(pkg), framework: pkg.frameworks[0]! }, packageDir: pkg.dir, key: pkg.dir });
    }
  },
});
