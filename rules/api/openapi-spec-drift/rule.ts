import { defineRule } from '../../../src/core/define-rule.js';
import { apiRoute, describeRoute, examples, httpModel, httpSelector, readHttp } from '../../_http/kit.js';
import type { LinkedRoute } from '../../_http/link.js';
import { findSpecs, operationKey, type Spec } from '../../_http/openapi.js';
import { infrastructurePath } from '../../_http/paths.js';

function keysOf(r: LinkedRoute, base: string): string[] {
  const p = r.fullPath!;
  const keys = [operationKey(r.route.method, p)];
  if (base && (p === base || p.startsWith(`${base}/`))) keys.push(operationKey(r.route.method, p.slice(base.length) || '/'));
  return keys;
}

export default defineRule({
  meta: {
    id: 'openapi-spec-drift',
    category: 'api',
    checklist: 'API-2',
    severity: 'low',
    confidence: 'low',
    stability: 'experimental',
    messages: {
      drift:
        'This OpenAPI document does not match the routes in the code: {{details}}. Clients and SDKs generated from it call endpoints that do not exist or miss ones that do; regenerate it from the route schemas and fail CI when the committed copy differs.',
    },
    docs: {
      summary: 'A committed OpenAPI/Swagger document whose paths and methods differ from the routes registered in the code (`:id` and `{id}` compare equal).',
      why: 'A contract that drifted is worse than none: SDKs, gateway configurations, mocks and documentation generated from it are wrong in ways nobody notices until a client breaks. Drift happens whenever the spec is written by hand or regenerated only occasionally.',
      howToFix:
        'Generate the document from the code (`@fastify/swagger`, `@nestjs/swagger`, `zod-openapi`, `tsoa`) instead of editing it by hand, commit the result, and add a CI step that regenerates it and fails on a difference (`git diff --exit-code openapi.json`).',
      examples: {
        invalid: [
          {
            file: 'openapi.yaml',
            code: "openapi: 3.0.3\ninfo: { title: Orders, version: 1.0.0 }\npaths:\n  /v1/orders:\n    get: { responses: { '200': { description: ok } } }\n  /v1/orders/{id}:\n    get: { responses: { '200': { description: ok } } }\n",
            context: {
              'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n',
              'src/app.ts': "import express from 'express';\n\nconst app = express();\napp.get('/v1/orders', (_req, res) => res.json([]));\napp.get('/v1/orders/:id', (req, res) => res.json({ id: req.params.id }));\napp.post('/v1/orders', (req, res) => res.status(201).json(req.body));\n",
            },
            note: '`POST /v1/orders` is in the code but not in the document.',
          },
        ],
        valid: [
          {
            file: 'openapi.yaml',
            code: "openapi: 3.0.3\ninfo: { title: Orders, version: 1.0.0 }\nservers:\n  - url: https://api.example.com/v1\npaths:\n  /orders:\n    get: { responses: { '200': { description: ok } } }\n    post: { responses: { '201': { description: created } } }\n  /orders/{id}:\n    get: { responses: { '200': { description: ok } } }\n",
            context: {
              'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n',
              'src/app.ts': "import express from 'express';\n\nconst app = express();\napp.get('/v1/orders', (_req, res) => res.json([]));\napp.get('/v1/orders/:id', (req, res) => res.json({ id: req.params.id }));\napp.post('/v1/orders', (req, res) => res.status(201).json(req.body));\n",
            },
            note: 'The path of the first `servers` URL (or Swagger 2 `basePath`) is the prefix of every path.',
          },
        ],
      },
      peers: ['Dredd and Schemathesis find drift by calling a running API; oasdiff compares two documents; no static linter compares a document with route code'],
      limitations: [
        'A document is compared with the service it overlaps most; a document that shares no route with any service is not compared.',
        'Operations documented but not found in the code are reported only when every route of the service could be followed to its full path; otherwise only routes missing from the document are.',
        'Health, metrics and docs routes, Next.js route handlers and routes with computed paths are left out of the comparison.',
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
    let incomplete = new Set<string>();
    for (const r of model.routes) {
      if (r.route.framework === 'next' || !apiRoute(r)) continue;
      if (!r.mounted || r.fullPath === null) {
        incomplete = incomplete.add(r.packageDir);
        continue;
      }
      let list = services.get(r.packageDir);
      if (!list) services.set(r.packageDir, (list = []));
      list.push(r);
    }
    if (services.size === 0) return;
    for (const spec of findSpecs(ctx.model)) {
      if (spec.operations.length === 0) continue;
      const documented = new Set(spec.operations.map((o) => operationKey(o.method, o.path)));
      let best: { dir: string; routes: LinkedRoute[]; overlap: number } | undefined;
      for (const [dir, routes] of services) {
        const overlap = routes.filter((r) => keysOf(r, spec.base).some((k) => documented.has(k))).length;
        if (overlap > 0 && (!best || overlap > best.overlap)) best = { dir, routes, overlap };
      }
      if (!best) continue;
      const details = drift(spec, best.routes, incomplete.has(best.dir));
      if (!details) continue;
      // At the `paths` key, where the operations are listed.
      const text = ctx.model.text(spec.path) ?? '';
      const m = /^[ \t]*["']?paths["']?\s*:/m.exec(text);
      const start = m ? m.index + m[0].search(/\S/) : 0;
      ctx.report({ messageId: 'drift', path: spec.path, range: { start, end: start + (m ? m[0].trim().length : 0) }, data: { details } });
    }
  },
});

function drift(spec: Spec, routes: readonly LinkedRoute[], incomplete: boolean): string | undefined {
  const documented = new Set(spec.operations.map((o) => operationKey(o.method, o.path)));
  const undocumented = routes.filter((r) => !keysOf(r, spec.base).some((k) => documented.has(k)));
  const implemented = new Set(routes.flatMap((r) => keysOf(r, spec.base)));
  const phantom = incomplete
    ? []
    : spec.operations.filter((o) => !infrastructurePath(o.path) && !implemented.has(operationKey(o.method, o.path)) && !implemented.has(operationKey(o.method, `${spec.base}${o.path}`)));
  const parts: string[] = [];
  if (undocumented.length) parts.push(`${undocumented.length} route(s) in the code are not in it (${examples(undocumented.map(describeRoute))})`);
  if (phantom.length) parts.push(`${phantom.length} documented operation(s) have no route (${examples(phantom.map((o) => `${o.method} ${o.path}`))})`);
  return parts.length ? parts.join('; ') : undefined;
}
