/** OpenAPI / Swagger documents in the repository, and the generators that produce one from code. */
import type { RepoModel } from '../../src/audit/model.js';
import { normalizePath } from './paths.js';

export const specGenerators = [
  '@fastify/swagger', 'fastify-swagger', 'fastify-openapi-glue', '@nestjs/swagger', 'swagger-jsdoc', 'swagger-autogen', 'express-jsdoc-swagger',
  'tsoa', '@asteasolutions/zod-to-openapi', 'zod-openapi', '@hono/zod-openapi', 'hono-openapi', 'chanfana', '@ts-rest/open-api', 'trpc-openapi',
  'trpc-to-openapi', 'next-swagger-doc', '@anatine/zod-openapi', 'routing-controllers-openapi', '@tsed/swagger', '@elysiajs/swagger',
  '@elysiajs/openapi', 'express-openapi', 'koa-swagger-decorator', 'openapi-comment-parser', '@loopback/rest-explorer', 'express-zod-api',
  'fets', '@orpc/openapi', 'typed-openapi',
];

const specName = /(?:^|\/)(?:openapi|swagger|api-spec|apispec|api-docs|oas)(?:[.-][^/]*)?\.(?:ya?ml|json)$/i;
const specHeader = /^\s*["']?(?:openapi|swagger)["']?\s*:\s*["']?\d/m;

export interface SpecOperation {
  method: string;
  path: string;
}

export interface Spec {
  path: string;
  /** Path prefix of the API from `servers[0].url` or Swagger 2 `basePath`. */
  base: string;
  operations: SpecOperation[];
}

const methods = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** Every OpenAPI/Swagger document: by file name, or a YAML/JSON file whose top level starts with `openapi:`/`swagger:`. */
export function findSpecs(model: RepoModel): Spec[] {
  const out: Spec[] = [];
  for (const f of model.files) {
    if (f.language !== 'yaml' && f.language !== 'json') continue;
    if (/(?:^|\/)(?:node_modules|fixtures?|__fixtures__|test|tests)\//.test(f.path) || f.size > 4 * 1024 * 1024) continue;
    const named = specName.test(f.path);
    if (!named && f.size > 1024 * 1024) continue;
    const text = model.text(f.path);
    if (text === undefined || !specHeader.test(text.slice(0, 4000))) continue;
    let doc: unknown;
    if (f.language === 'json') doc = model.json(f.path);
    else {
      const parsed = model.yaml(f.path);
      try {
        doc = parsed?.documents[0]?.toJS();
      } catch {
        doc = undefined;
      }
    }
    if (!doc || typeof doc !== 'object') continue;
    const d = doc as { paths?: Record<string, unknown>; servers?: Array<{ url?: unknown }>; basePath?: unknown };
    const operations: SpecOperation[] = [];
    for (const [p, item] of Object.entries(d.paths ?? {})) {
      if (!item || typeof item !== 'object') continue;
      for (const m of Object.keys(item)) if (methods.has(m.toLowerCase())) operations.push({ method: m.toUpperCase(), path: p });
    }
    let base = typeof d.basePath === 'string' ? d.basePath : '';
    const server = Array.isArray(d.servers) ? d.servers[0]?.url : undefined;
    if (typeof server === 'string') {
      const m = /^(?:[a-z]+:\/\/[^/]+|\{[^}]+\})?(\/[^?#]*)?/i.exec(server);
      base = m?.[1] ?? '';
    }
    out.push({ path: f.path, base: base === '/' ? '' : normalizePath(base) === '/' ? '' : normalizePath(base), operations });
  }
  return out;
}

/** A route path matches a spec path, with or without the spec's base path. */
export function operationKey(method: string, path: string): string {
  return `${method} ${normalizePath(path)}`;
}
