import { defineRule } from '../../../src/core/define-rule.js';
import { packageName, serverEvidence } from '../../_server/evidence.js';

/** Metrics clients and APM agents that export latency and error rates. */
const metricsLibraries = new Set([
  'prom-client', 'express-prom-bundle', 'express-prometheus-middleware', 'fastify-metrics', '@willsoto/nestjs-prometheus', 'koa-prometheus-adv',
  'dd-trace', 'newrelic', 'elastic-apm-node', 'applicationinsights', '@aws-lambda-powertools/metrics', 'hot-shots', 'node-statsd', 'statsd-client',
  'lynx', 'datadog-metrics', 'appmetrics', 'swagger-stats', '@splunk/otel', '@honeycombio/opentelemetry-node',
  '@google-cloud/monitoring', '@autotelic/fastify-opentelemetry', 'prometheus-api-metrics', '@hono/prometheus',
]);
const metricsDependency = (name: string): boolean => metricsLibraries.has(name) || name.startsWith('@opentelemetry/') || name.startsWith('@newrelic/');
/** Sentry with performance tracing, a `/metrics` route, or an agent preloaded by the start command. */
const metricsSource = /\btracesSampleRate\b|\btracesSampler\b|['"`]\/metrics['"`]|\bprometheusMiddleware\b/;
const preloadedAgent = /(?:--require|-r|--import)[\s"',=]+(?:dd-trace\/init|newrelic|@opentelemetry\/auto-instrumentations-node|elastic-apm-node\/start|\.\/[\w./-]*(?:tracing|instrumentation|otel)[\w.-]*)/;

export default defineRule({
  meta: {
    id: 'metrics-missing',
    category: 'observability',
    checklist: 'OBS-3',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'The HTTP server {{package}} ({{framework}}) exports no metrics: there is no Prometheus client, OpenTelemetry, StatsD or APM agent, so latency percentiles and error rates are invisible and nothing can alert when they degrade. Instrument it with prom-client or OpenTelemetry (request duration histogram, error counter) or an APM agent.',
    },
    docs: {
      summary: 'An HTTP server package with no metrics library, tracing SDK or APM agent.',
      why: 'Without request latency and error-rate metrics, an outage or a slow dependency is noticed by customers first. Metrics are what SLOs, dashboards, autoscaling and alerts are built on; logs alone cannot give p95 latency cheaply.',
      howToFix:
        'Export RED metrics (rate, errors, duration) per route: prom-client with a `/metrics` endpoint (express-prom-bundle, fastify-metrics, @willsoto/nestjs-prometheus), or the OpenTelemetry Node SDK with auto-instrumentation, or your APM vendor\'s agent (dd-trace, newrelic, elastic-apm-node).',
      examples: {
        invalid: [
          {
            file: 'src/server.ts',
            code: "import Fastify from 'fastify';\n\nconst app = Fastify({ logger: true });\napp.get('/orders', async () => []);\napp.listen({ port: 3000 });\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "fastify": "^4.28.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/server.ts',
            code: "import Fastify from 'fastify';\nimport metrics from 'fastify-metrics';\n\nconst app = Fastify({ logger: true });\nawait app.register(metrics, { endpoint: '/metrics' });\napp.get('/orders', async () => []);\napp.listen({ port: 3000 });\n",
            context: { 'package.json': '{ "name": "orders-api", "dependencies": { "fastify": "^4.28.0", "fastify-metrics": "^11.0.0" } }\n' },
          },
          {
            file: 'src/server.ts',
            code: "import express from 'express';\n\nconst app = express();\napp.get('/orders', (_req, res) => res.json([]));\napp.listen(3000);\n",
            context: { 'package.json': '{ "name": "orders-api", "scripts": { "start": "node --require dd-trace/init dist/server.js" }, "dependencies": { "express": "^4.19.2" } }\n' },
            note: 'An agent preloaded by the start command counts too.',
          },
        ],
      },
      peers: ['No ESLint, Semgrep or Checkov equivalent; APM vendors\' onboarding checklists cover it'],
      limitations: [
        'Server packages are those whose runtime dependencies include an HTTP framework; Next.js apps, serverless functions and CLIs are not assessed.',
        'Any metrics, tracing or APM dependency of the package, of the root package.json or of a workspace package it depends on counts, as does `tracesSampleRate` (Sentry performance), a `/metrics` route, or an agent preloaded with `--require`/`--import` in a package script or Dockerfile. Whether the histograms cover every route is not checked.',
        'Metrics collected outside the process (service mesh, load balancer, platform dashboards) are not seen.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const results = serverEvidence(ctx.model, {
      dependency: metricsDependency,
      source: metricsSource,
      other: { path: /(?:^|\/)(?:package\.json|Dockerfile[^/]*|[^/]*\.dockerfile|Procfile|[^/]*\.ya?ml)$/, text: preloadedAgent },
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
