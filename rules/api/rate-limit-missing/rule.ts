import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { apiRoute, dependenciesOf, describeRoute, httpModel, httpSelector, readHttp, withoutComments, type HttpSignal } from '../../_http/kit.js';
import type { LinkedRoute } from '../../_http/link.js';
import { mutatingMethods, nonServedPath } from '../../_http/routes.js';

const limiterPackages = [
  'express-rate-limit', 'express-slow-down', 'express-brute', 'rate-limiter-flexible', 'rate-limit-redis', '@fastify/rate-limit', 'fastify-rate-limit',
  '@nestjs/throttler', 'nestjs-throttler-storage-redis', '@upstash/ratelimit', 'hono-rate-limiter', '@hono-rate-limiter/redis', 'koa-ratelimit',
  'koa2-ratelimit', 'koa-simple-ratelimit', '@arcjet/next', '@arcjet/node', '@arcjet/nest', '@arcjet/bun', '@unkey/ratelimit', 'next-rate-limit',
  '@elysiajs/rate-limit', 'elysia-rate-limit', '@vercel/firewall',
];
/** Code that limits request rates in a server file. */
const limiterCode = /rate[-_ ]?limit|ratelimit|RateLimiter|\blimiter\b|throttl|slowDown|slow_down|@Throttle\b|arcjet/i;
/** Gateways and proxies in front of the service: nginx, Kubernetes ingress, Kong, Traefik, Envoy, AWS WAF / API Gateway, Cloudflare. */
const gatewayFile = /\.(?:ya?ml|json|tf|conf|toml|hcl)$|(?:^|\/)(?:nginx|Caddyfile|haproxy)[^/]*$/i;
const gatewayConfig =
  /\blimit_req(?:_zone)?\b|nginx\.ingress\.kubernetes\.io\/limit-(?:rps|rpm|connections)|\brate-limiting\b|\brateLimit\s*:|\bratelimit\s*:|\blocal_ratelimit\b|envoy\.filters\.http\.(?:local_)?ratelimit|rate_based_statement|RateBasedStatement|throttle_settings|ThrottlingRateLimit|ThrottlingBurstLimit|aws_api_gateway_usage_plan|cloudflare_rate_limit|"ratelimit"|\brate_limit\b|\brate_limiting\b/i;

interface Signal extends HttpSignal {
  limiter?: true;
}

function gatewayLimits(model: RepoModel): boolean {
  for (const f of model.find((file) => gatewayFile.test(file.path) && !/(?:^|\/)(?:package(?:-lock)?\.json|tsconfig[^/]*\.json)$/.test(file.path))) {
    if (f.size > 512 * 1024) continue;
    const text = model.text(f.path);
    if (text !== undefined && gatewayConfig.test(text)) return true;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'rate-limit-missing',
    category: 'api',
    checklist: 'API-5',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'This service exposes {{count}} route(s) ({{examples}}) but nothing limits request rates: no rate-limit middleware, guard or package, and no gateway rule in the repository. Without limits, credential stuffing, scraping and one noisy client can exhaust it; add per-IP and per-tenant limits ({{suggestion}}).',
    },
    docs: {
      summary: 'A service that registers HTTP routes with no rate limiting anywhere: no limiter package or middleware in the service, no gateway or proxy rule in the repository.',
      why: 'Rate limits are what stop password guessing on `/login`, scraping of list endpoints and a single misbehaving client (or tenant) from taking the service down for everyone. They are cheap to add at the start and hard to retrofit once clients depend on unlimited access.',
      howToFix:
        'Add a limiter in the service: `@fastify/rate-limit`, `express-rate-limit` (with a Redis store when there are several instances), `@nestjs/throttler` with its global guard, `hono-rate-limiter`, or `@upstash/ratelimit` in Next.js route handlers and middleware. Use stricter limits on authentication routes and key limits by tenant as well as by IP. A rule in a gateway in front of the service (nginx `limit_req`, an ingress annotation, AWS WAF, API Gateway throttling) counts when its configuration is in the repository.',
      examples: {
        invalid: [
          {
            file: 'src/server.ts',
            code: "import Fastify from 'fastify';\n\nconst app = Fastify();\napp.post('/v1/login', async (request) => login(request.body));\napp.get('/v1/orders', async () => listOrders());\n\nawait app.listen({ port: 3000 });\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "fastify": "^5.2.0" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/server.ts',
            code: "import Fastify from 'fastify';\nimport rateLimit from '@fastify/rate-limit';\n\nconst app = Fastify();\nawait app.register(rateLimit, { max: 100, timeWindow: '1 minute' });\napp.post('/v1/login', { config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, async (request) => login(request.body));\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "fastify": "^5.2.0", "@fastify/rate-limit": "^10.0.0" } }\n' },
          },
          {
            file: 'src/server.ts',
            code: "import express from 'express';\n\nconst app = express();\napp.post('/v1/login', (req, res) => res.json(login(req.body)));\n",
            context: {
              'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n',
              'deploy/nginx.conf': 'limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;\nserver {\n  location / {\n    limit_req zone=api burst=20;\n    proxy_pass http://api:3000;\n  }\n}\n',
            },
            note: 'A proxy rule in the repository counts.',
          },
        ],
      },
      peers: ['njsscan rate_limit_control (reports a missing rate limiter in Express apps)', 'eslint-plugin-security and Semgrep: no equivalent rule'],
      limitations: [
        'Limits configured outside the repository (a CDN or WAF set up in a console, a platform default) are not visible: suppress the finding with the reason.',
        'Any limiter in the service counts, even one that covers only some routes; which routes it covers is not checked.',
        'Services are told apart by their nearest package.json; health, metrics and docs routes do not count.',
      ],
    },
  },
  scope: 'file',
  files: httpSelector,
  check(ctx) {
    const http = readHttp(ctx);
    const limiter = !nonServedPath.test(ctx.file.path) && limiterCode.test(withoutComments(ctx.file.text));
    const signal: Signal = { ...(http ? { http } : {}), ...(limiter ? { limiter: true as const } : {}) };
    if (http || limiter) ctx.emit(signal);
  },
  summarize(ctx, signals) {
    const model = httpModel(ctx.model, signals);
    const services = new Map<string, LinkedRoute[]>();
    for (const r of model.routes) {
      if (!apiRoute(r) || !r.mounted) continue;
      let list = services.get(r.packageDir);
      if (!list) services.set(r.packageDir, (list = []));
      list.push(r);
    }
    if (services.size === 0) return;
    let gateway: boolean | undefined;
    const limiterFiles = signals.filter((s) => (s.value as Signal).limiter).map((s) => s.path);
    for (const [dir, routes] of services) {
      if (routes.some((r) => r.rateLimit) || model.packages.get(dir)?.nest.throttlerGuard) continue;
      // A Next.js app whose route handlers only read (OAuth callbacks, sign-out links) has little to limit.
      if (routes.every((r) => r.route.framework === 'next' && !mutatingMethods.has(r.route.method) && r.route.method !== 'ALL')) continue;
      const deps = dependenciesOf(ctx.model, dir);
      if (limiterPackages.some((d) => deps.has(d))) continue;
      const prefix = dir === '.' ? '' : `${dir}/`;
      if (limiterFiles.some((p) => p.startsWith(prefix))) continue;
      gateway ??= gatewayLimits(ctx.model);
      if (gateway) return;
      routes.sort((a, b) => a.path.localeCompare(b.path) || a.route.start - b.route.start);
      const framework = routes[0]!.route.framework;
      const app = model.packages.get(dir)?.appFiles.find((f) => f.framework === framework);
      const at = app ?? { path: routes[0]!.path, start: routes[0]!.route.start, end: routes[0]!.route.end };
      const suggestion = {
        express: '`express-rate-limit`',
        fastify: '`@fastify/rate-limit`',
        koa: '`koa-ratelimit`',
        hono: '`hono-rate-limiter`',
        nest: '`@nestjs/throttler` with `ThrottlerGuard` as `APP_GUARD`',
        next: '`@upstash/ratelimit` in middleware or route handlers',
      }[framework];
      ctx.report({
        messageId: 'missing',
        path: at.path,
        range: { start: at.start, end: at.end },
        ...(framework === 'next' ? { confidence: 'low' as const } : {}),
        data: { count: routes.length, examples: routes.slice(0, 3).map((r) => `\`${describeRoute(r)}\``).join(', ') + (routes.length > 3 ? ', ...' : ''), suggestion },
      });
    }
  },
});
