import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { apiRoute, dependenciesOf, httpModel, mentionsHttp, readHttp, withoutComments, type HttpSignal } from '../../_http/kit.js';
import { manifestDir } from '../../_http/link.js';
import { nonServedPath, type Framework } from '../../_http/routes.js';

const headerPackages = ['helmet', '@fastify/helmet', 'fastify-helmet', 'koa-helmet', 'lusca', 'next-secure-headers', '@next-safe/middleware', 'next-safe', 'nextjs-secure-headers', 'secure-headers', 'hono-secure-headers', '@hono/secure-headers'];
/** Code that sets security headers itself: helmet, Hono `secureHeaders()`, `Content-Security-Policy`, `X-Frame-Options`, HSTS. */
const headerCode = /\bhelmet\b|\bsecureHeaders\s*\(|hono\/secure-headers|Content-Security-Policy|X-Frame-Options|Strict-Transport-Security|X-Content-Type-Options|frame-ancestors|\blusca\b/i;
/** Headers set in front of the code: vercel.json, netlify.toml, `_headers`, nginx/Caddy/Traefik/CloudFront configuration. */
const edgeFile = /(?:^|\/)(?:vercel\.json|netlify\.toml|_headers|staticwebapp\.config\.json|firebase\.json|Caddyfile|[^/]*nginx[^/]*|[^/]*\.conf|[^/]*\.ya?ml|[^/]*\.tf)$/i;
const edgeHeaders = /Content-Security-Policy|X-Frame-Options|Strict-Transport-Security|X-Content-Type-Options|security_headers|securityHeadersConfig|response_headers_policy|ResponseHeadersPolicy|stsSeconds|frameDeny|contentTypeNosniff/i;

interface Signal extends HttpSignal {
  headers?: true;
}

function edgeConfigured(model: RepoModel): boolean {
  for (const f of model.find((file) => edgeFile.test(file.path) && file.size < 512 * 1024)) {
    const text = model.text(f.path);
    if (text !== undefined && edgeHeaders.test(text)) return true;
  }
  return false;
}

const advice: Record<Framework, string> = {
  express: '`app.use(helmet())`',
  fastify: '`app.register(helmet)` from `@fastify/helmet`',
  koa: '`app.use(helmet())` from `koa-helmet`',
  hono: '`app.use(secureHeaders())` from `hono/secure-headers`',
  nest: '`app.use(helmet())` in `main.ts`',
  next: 'an `async headers()` block in `next.config.js` (CSP, `X-Frame-Options`, HSTS, `X-Content-Type-Options`)',
};

export default defineRule({
  meta: {
    id: 'security-headers-missing',
    category: 'security',
    checklist: 'SEC-10',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'This {{kind}} sets no security headers: no helmet-style middleware, no Content-Security-Policy, X-Frame-Options or HSTS in its code, configuration or hosting files. Browsers then allow framing (clickjacking), MIME sniffing and mixed content; add {{advice}}.',
    },
    docs: {
      summary: 'A web server or Next.js application that sets none of the standard security headers (CSP, X-Frame-Options / frame-ancestors, HSTS, X-Content-Type-Options) in code, configuration or hosting files.',
      why: 'Security headers are the browser-side half of XSS and clickjacking defence: a Content-Security-Policy limits what injected markup can load and run, `frame-ancestors`/X-Frame-Options stops the app from being framed by another site, HSTS keeps browsers on HTTPS and `nosniff` stops content-type confusion. They cost one middleware.',
      howToFix:
        'Add helmet (`helmet`, `@fastify/helmet`, `koa-helmet`), Hono `secureHeaders()`, or for Next.js an `async headers()` block in `next.config.js` (or a middleware that sets a nonce-based CSP). Start with the defaults and tighten the CSP for pages that render HTML.',
      examples: {
        invalid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport { api } from './api.js';\n\nconst app = express();\napp.use('/v1', api);\napp.get('/v1/me', (req, res) => res.json(req.user));\n\nexport default app;\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n' },
          },
        ],
        valid: [
          {
            file: 'src/app.ts',
            code: "import express from 'express';\nimport helmet from 'helmet';\n\nconst app = express();\napp.use(helmet());\napp.get('/v1/me', (req, res) => res.json(req.user));\n\nexport default app;\n",
            context: { 'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "helmet": "^8.0.0" } }\n' },
          },
          {
            file: 'next.config.js',
            code: "module.exports = {\n  async headers() {\n    return [{ source: '/(.*)', headers: [\n      { key: 'Content-Security-Policy', value: \"default-src 'self'; frame-ancestors 'none'\" },\n      { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' },\n    ] }];\n  },\n};\n",
            context: { 'package.json': '{ "name": "web", "dependencies": { "next": "^15.0.0" } }\n', 'app/page.tsx': 'export default function Page() {\n  return <main>Hello</main>;\n}\n' },
          },
        ],
      },
      peers: ['njsscan helmet_header_* controls (report each missing helmet header in Express apps)', 'eslint-plugin-security and Semgrep: no equivalent rule'],
      limitations: [
        'Headers added by a CDN, load balancer or hosting platform configured outside the repository are not visible; headers in vercel.json, netlify.toml, `_headers`, nginx/Caddy/Traefik configuration and CloudFront response-header policies in Terraform are.',
        'The presence of any security header counts; a weak or partial policy is not judged.',
        'JSON APIs are reported with low severity (the headers matter most for HTML), Next.js applications with medium severity.',
      ],
    },
  },
  scope: 'file',
  files: { languages: ['ts'], keywords: ['req', 'Request', 'ctx', 'app', 'router', 'Router', 'fastify', 'Fastify', 'Controller', 'Hono', 'export', 'helmet', 'headers', 'Content-Security-Policy'] },
  check(ctx) {
    if (nonServedPath.test(ctx.file.path)) return;
    // Routes only where the other HTTP rules look for them: its wider keywords (header code, `export`) would parse
    // a fifth more files for route facts none of them has.
    const http = mentionsHttp(ctx.file.text) ? readHttp(ctx) : undefined;
    const headers = headerCode.test(withoutComments(ctx.file.text));
    const signal: Signal = { ...(http ? { http } : {}), ...(headers ? { headers: true as const } : {}) };
    if (http || headers) ctx.emit(signal);
  },
  summarize(ctx, signals) {
    const model = httpModel(ctx.model, signals);
    // Servers with routes, and every Next.js application (its pages are HTML even without route handlers).
    const services = new Map<string, { framework: Framework; at: { path: string; start: number; end: number } | undefined }>();
    for (const r of model.routes) {
      if (!apiRoute(r) || !r.mounted || services.has(r.packageDir)) continue;
      const app = model.packages.get(r.packageDir)?.appFiles.find((f) => f.framework === r.route.framework);
      services.set(r.packageDir, { framework: r.route.framework, at: app ?? { path: r.path, start: r.route.start, end: r.route.end } });
    }
    const dirs = new Map<string, string>();
    for (const m of ctx.model.manifests()) {
      const deps = new Set([...Object.keys(m.manifest.dependencies ?? {}), ...Object.keys(m.manifest.devDependencies ?? {})]);
      if (!deps.has('next')) continue;
      const dir = m.path === 'package.json' ? '.' : m.path.slice(0, -'/package.json'.length);
      if (/(?:^|\/)(?:examples?|fixtures?|test|tests)\//.test(`${dir}/`)) continue;
      services.set(dir, { framework: 'next', at: undefined });
    }
    if (services.size === 0) return;
    const headerFiles = signals.filter((s) => (s.value as Signal).headers).map((s) => s.path);
    let edge: boolean | undefined;
    for (const [dir, service] of services) {
      const deps = dependenciesOf(ctx.model, dir);
      if (headerPackages.some((d) => deps.has(d))) continue;
      if (headerFiles.some((p) => manifestDir(ctx.model, p, dirs) === dir || (dir === '.' && !p.includes('/')))) continue;
      edge ??= edgeConfigured(ctx.model);
      if (edge) return;
      const next = service.framework === 'next';
      const config = next ? ctx.model.find((f) => new RegExp(`^${dir === '.' ? '' : `${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`}next\\.config\\.[cm]?[jt]s$`).test(f.path))[0]?.path : undefined;
      const base = { messageId: 'missing' as const, data: { kind: next ? 'Next.js application' : 'server', advice: advice[service.framework] }, ...(next ? {} : { severity: 'low' as const }) };
      if (service.at) ctx.report({ ...base, path: service.at.path, range: { start: service.at.start, end: service.at.end } });
      else if (config) ctx.report({ ...base, path: config, line: 1 });
      else ctx.report({ ...base, path: dir === '.' ? 'package.json' : `${dir}/package.json`, line: 1 });
    }
  },
});
