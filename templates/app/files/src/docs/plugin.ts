import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface DocsOptions {
  /** `/docs` (Swagger UI) is served only when this is false; `/openapi.json` always is. */
  production: boolean;
  title?: string;
  version?: string;
}

/**
 * The OpenAPI document is built from the route schemas (API-2). Register this plugin before any route: @fastify/swagger
 * collects routes as they are added. `npm run openapi:generate` writes the same document to `openapi.json`.
 */
async function docs(app: FastifyInstance, options: DocsOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title ?? 'API', version: options.version ?? '1.0.0' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    // Shared schemas keep their `$id` as component name (`#/components/schemas/Problem`) instead of `def-0`.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  if (!options.production) {
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  }
}

export default fp(docs, { name: 'docs', fastify: '5.x' });
