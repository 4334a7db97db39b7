/**
 * Projects: the example tenant resource. Every handler goes through `withTenant(request.auth.tenantId)`, so
 * row-level security scopes it even where a filter is forgotten; writes record an audit entry in the same
 * transaction. Copy this module for a new tenant resource (see the README).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../audit-log/audit-log.js';
import { authOf, requireRole } from '../auth/guards.js';
import { withTenant } from '../db/tenant.js';
import { HttpProblem, notFound, problem } from '../errors.js';
import { IdempotencyKeyHeader, idempotentCreate } from '../idempotency/idempotency.js';
import { decodeCursor, getProject, insertProject, listProjects, softDeleteProject, toProject, updateProject } from './repository.js';
import { CreateProjectBody, ListProjectsQuery, Project, ProjectPage, ProjectParams, UpdateProjectBody } from './schemas.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 429: problem };

export const projectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('preHandler', app.tenantRateLimit);

  app.get(
    '/projects',
    { schema: { tags: ['projects'], summary: 'List projects', security: [{ bearerAuth: [] }], querystring: ListProjectsQuery, response: { 200: ProjectPage, ...errors } } },
    async (request) => {
      const { tenantId } = authOf(request);
      const after = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
      if (request.query.cursor !== undefined && !after) throw new HttpProblem(400, 'The cursor is not valid; pass the nextCursor of a previous page.');
      return withTenant(tenantId, (tx) => listProjects(tx, tenantId, { limit: request.query.limit, after }));
    },
  );

  app.post(
    '/projects',
    {
      schema: {
        tags: ['projects'],
        summary: 'Create a project',
        security: [{ bearerAuth: [] }],
        headers: IdempotencyKeyHeader,
        body: CreateProjectBody,
        response: { 201: Project, 409: problem, 422: problem, ...errors },
      },
    },
    async (request, reply) => {
      const result = await idempotentCreate(request, reply, async (tx, { tenantId, userId }) => {
        const row = await insertProject(tx, tenantId, request.body);
        await recordAudit(tx, { tenantId, actorUserId: userId, action: 'project.created', targetType: 'project', targetId: row.id, data: { name: row.name } });
        return { status: 201, body: toProject(row) };
      });
      return reply.code(result.status).header('location', `/v1/projects/${result.body.id}`).send(result.body);
    },
  );

  app.get(
    '/projects/:id',
    { schema: { tags: ['projects'], summary: 'Get a project', security: [{ bearerAuth: [] }], params: ProjectParams, response: { 200: Project, ...errors } } },
    async (request) => {
      const { tenantId } = authOf(request);
      const row = await withTenant(tenantId, (tx) => getProject(tx, tenantId, request.params.id));
      if (!row) throw notFound('No such project.');
      return toProject(row);
    },
  );

  app.patch(
    '/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'Rename a project',
        security: [{ bearerAuth: [] }],
        params: ProjectParams,
        body: UpdateProjectBody,
        response: { 200: Project, ...errors },
      },
    },
    async (request) => {
      const { tenantId, userId } = authOf(request);
      const row = await withTenant(
        tenantId,
        async (tx) => {
          const updated = await updateProject(tx, tenantId, request.params.id, request.body);
          if (updated) await recordAudit(tx, { tenantId, actorUserId: userId, action: 'project.updated', targetType: 'project', targetId: updated.id, data: { ...request.body } });
          return updated;
        },
        { userId },
      );
      if (!row) throw notFound('No such project.');
      return toProject(row);
    },
  );

  app.delete(
    '/projects/:id',
    {
      preHandler: requireRole('owner', 'admin'),
      schema: { tags: ['projects'], summary: 'Delete a project (soft delete)', security: [{ bearerAuth: [] }], params: ProjectParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const { tenantId, userId } = authOf(request);
      const row = await withTenant(
        tenantId,
        async (tx) => {
          const deleted = await softDeleteProject(tx, tenantId, request.params.id);
          if (deleted) await recordAudit(tx, { tenantId, actorUserId: userId, action: 'project.deleted', targetType: 'project', targetId: deleted.id });
          return deleted;
        },
        { userId },
      );
      if (!row) throw notFound('No such project.');
      return reply.code(204).send(null);
    },
  );
};
