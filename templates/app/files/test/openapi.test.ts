import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, operationDiff, renderOpenApi } from '../src/docs/openapi.js';
import { createTestApp } from './support/app.js';

describe('openapi.json', () => {
  it('matches the routes (run `npm run openapi:generate` and commit the result when this fails)', async () => {
    const [committed, current] = await Promise.all([readFile(OPENAPI_FILE, 'utf8'), renderOpenApi()]);
    expect(operationDiff(committed, current)).toEqual({ added: [], removed: [] });
    expect(committed).toBe(current);
  });

  it('documents every /v1 operation with its security requirement', async () => {
    const document = JSON.parse(await renderOpenApi()) as { paths: Record<string, Record<string, { security?: unknown }>> };
    expect(document.paths['/v1/exports']?.post?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(document.paths).every((path) => path.startsWith('/v1/'))).toBe(true);
  });

  it('reports added and removed operations', () => {
    const doc = (paths: object): string => JSON.stringify({ paths });
    expect(operationDiff(doc({ '/a': { get: {} } }), doc({ '/a': { get: {}, post: {} }, '/b': { get: {} } }))).toEqual({ added: ['POST /a', 'GET /b'], removed: [] });
    expect(operationDiff(doc({ '/a': { get: {} } }), doc({}))).toEqual({ added: [], removed: ['GET /a'] });
  });
});

describe('served documentation', () => {
  it('serves /openapi.json always and /docs outside production', async () => {
    const app = await createTestApp();
    try {
      const spec = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(spec.statusCode).toBe(200);
      expect(spec.json()).toMatchObject({ openapi: '3.1.0' });
      const ui = await app.inject({ method: 'GET', url: '/docs/' });
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toMatch(/text\/html/);
    } finally {
      await app.close();
    }
  });

  it('does not serve /docs in production', async () => {
    const app = await createTestApp({ NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(8) + 'Zq3vN8pL2xW7rT5yU1iO4aS6dF9gH0jK', JWT_ISSUER: 'https://api.test', JWT_AUDIENCE: 'https://api.test', STORAGE_DRIVER: 's3', S3_BUCKET: 'b', EMAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://mail.test', ENCRYPTION_KEY_PROVIDER: 'local' });
    try {
      expect((await app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
