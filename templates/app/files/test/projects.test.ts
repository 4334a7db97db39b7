import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signup, type TestTenant } from './support/app.js';

let app: FastifyInstance;
let acme: TestTenant;

beforeAll(async () => {
  app = await createTestApp();
  acme = await signup(app, 'Acme');
});
afterAll(async () => {
  await app.close();
});

async function createProject(name: string, headers: Record<string, string> = acme.headers) {
  return app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name } });
}

describe('projects', () => {
  it('creates, reads, renames and soft-deletes a project', async () => {
    const created = await createProject('Apollo');
    expect(created.statusCode).toBe(201);
    const project = created.json<{ id: string; name: string; createdAt: string }>();
    expect(project.name).toBe('Apollo');
    expect(created.headers.location).toBe(`/v1/projects/${project.id}`);

    const read = await app.inject({ method: 'GET', url: `/v1/projects/${project.id}`, headers: acme.headers });
    expect(read.json()).toEqual(project);

    const renamed = await app.inject({ method: 'PATCH', url: `/v1/projects/${project.id}`, headers: acme.headers, payload: { name: 'Artemis' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ id: project.id, name: 'Artemis' });

    const deleted = await app.inject({ method: 'DELETE', url: `/v1/projects/${project.id}`, headers: acme.headers });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');

    const gone = await app.inject({ method: 'GET', url: `/v1/projects/${project.id}`, headers: acme.headers });
    expect(gone.statusCode).toBe(404);
    expect(gone.headers['content-type']).toContain('application/problem+json');
    const again = await app.inject({ method: 'DELETE', url: `/v1/projects/${project.id}`, headers: acme.headers });
    expect(again.statusCode).toBe(404);
    const renameGone = await app.inject({ method: 'PATCH', url: `/v1/projects/${project.id}`, headers: acme.headers, payload: { name: 'X' } });
    expect(renameGone.statusCode).toBe(404);
  });

  it('paginates with a cursor, newest first, without deleted projects', async () => {
    const tenant = await signup(app, 'Paged');
    const names = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const name of names) expect((await createProject(name, tenant.headers)).statusCode).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2';
      const page = await app.inject({ method: 'GET', url: `/v1/projects?${query}`, headers: tenant.headers });
      expect(page.statusCode).toBe(200);
      const body = page.json<{ items: { name: string }[]; nextCursor: string | null }>();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((p) => p.name));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...names].reverse());
    expect(pages).toBe(3);
  });

  it('rejects invalid input with problem+json and no internals', async () => {
    const empty = await createProject('');
    expect(empty.statusCode).toBe(400);
    expect(empty.headers['content-type']).toContain('application/problem+json');
    const problem = empty.json<{ status: number; title: string; errors: unknown[] }>();
    expect(problem).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(problem.errors.length).toBeGreaterThan(0);
    expect(empty.body).not.toContain('    at ');

    const extra = await app.inject({ method: 'POST', url: '/v1/projects', headers: acme.headers, payload: { name: 'ok', tenantId: randomUUID() } });
    expect(extra.statusCode).toBe(400);
    const badId = await app.inject({ method: 'GET', url: '/v1/projects/not-a-uuid', headers: acme.headers });
    expect(badId.statusCode).toBe(400);
    const badCursor = await app.inject({ method: 'GET', url: '/v1/projects?cursor=garbage', headers: acme.headers });
    expect(badCursor.statusCode).toBe(400);
    const badLimit = await app.inject({ method: 'GET', url: '/v1/projects?limit=1000', headers: acme.headers });
    expect(badLimit.statusCode).toBe(400);
    const badJson = await app.inject({ method: 'POST', url: '/v1/projects', headers: { ...acme.headers, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.headers['content-type']).toContain('application/problem+json');
  });

  it('requires a bearer token', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/v1/projects' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    const forged = await app.inject({ method: 'GET', url: '/v1/projects', headers: { authorization: 'Bearer a.b.c' } });
    expect(forged.statusCode).toBe(401);
  });

  it('answers unknown routes with a problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not Found' });
  });
});

describe('idempotency keys', () => {
  it('replays the first response for a retried create and creates one project', async () => {
    const tenant = await signup(app, 'Retry');
    const headers = { ...tenant.headers, 'idempotency-key': `create-${randomUUID()}` };
    const first = await createProject('Once', headers);
    const second = await createProject('Once', headers);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotency-replayed']).toBe('true');
    const list = await app.inject({ method: 'GET', url: '/v1/projects', headers: tenant.headers });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('creates one project when duplicates race', async () => {
    const tenant = await signup(app, 'Race');
    const headers = { ...tenant.headers, 'idempotency-key': `race-${randomUUID()}` };
    const responses = await Promise.all([createProject('Race', headers), createProject('Race', headers), createProject('Race', headers)]);
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(responses.map((r) => r.json<{ id: string }>().id)).size).toBe(1);
    const list = await app.inject({ method: 'GET', url: '/v1/projects', headers: tenant.headers });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('refuses a key reused for a different request', async () => {
    const headers = { ...acme.headers, 'idempotency-key': `reuse-${randomUUID()}` };
    expect((await createProject('First', headers)).statusCode).toBe(201);
    const reused = await createProject('Second', headers);
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
  });

  it('scopes keys to the tenant', async () => {
    const other = await signup(app, 'Other');
    const key = `shared-${randomUUID()}`;
    const mine = await createProject('Mine', { ...acme.headers, 'idempotency-key': key });
    const theirs = await createProject('Mine', { ...other.headers, 'idempotency-key': key });
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json<{ id: string }>().id).not.toBe(mine.json<{ id: string }>().id);
  });
});
