/**
 * Exports of the tenant's projects, run by the worker (SCL-3). `POST /v1/exports` queues one and answers 202
 * with its status URL; with an `Idempotency-Key`, a retried request returns the first job and queues nothing
 * new. `GET /v1/exports/{jobId}` reports progress and, once the file exists, a short-lived download URL
 * (the e-mail carries one too).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Gauge } from 'prom-client';
import { Type } from 'typebox';
import { recordAudit } from '../audit-log/audit-log.js';
import { authOf } from '../auth/guards.js';
import { notFound, problem } from '../errors.js';
import { IdempotencyKeyHeader, idempotentCreate } from '../idempotency/idempotency.js';
import type { ObjectStorage } from '../storage/index.js';
import { exportKey } from './export-projects.js';
import type { JobQueue, JobState } from './queue.js';

const errors = { 400: problem, 401: problem, 403: problem, 429: problem };

const ExportAccepted = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  status: Type.Literal('queued'),
});

const ExportStatus = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('ready'), Type.Literal('failed')]),
  downloadUrl: Type.Optional(Type.String({ description: 'Present when ready; valid for 5 minutes.' })),
});

const ExportParams = Type.Object({ jobId: Type.String({ format: 'uuid' }) });

const statusOf: Record<JobState, 'queued' | 'running' | 'failed'> = {
  created: 'queued',
  retry: 'queued',
  active: 'running',
  // Completed without a file: the file was deleted since (retention); ask for a new export.
  completed: 'failed',
  cancelled: 'failed',
  failed: 'failed',
};

export interface ExportRoutesOptions {
  queue: JobQueue;
  storage: ObjectStorage;
}

export const exportRoutes: FastifyPluginAsyncTypebox<ExportRoutesOptions> = async (app, { queue, storage }) => {
  // Read at scrape time; the worker backlog alert (QueueBacklogHigh) is built on it.
  new Gauge({
    name: 'queue_depth',
    help: 'Background jobs waiting to run (queued or waiting for a retry), by queue.',
    labelNames: ['queue'] as const,
    registers: [app.metrics.registry],
    async collect() {
      try {
        for (const [name, size] of Object.entries(await queue.depth())) this.set({ queue: name }, size);
      } catch (error) {
        // A scrape must not fail with the database: the other series still matter most then.
        app.log.warn({ err: error }, 'queue_depth not collected');
      }
    },
  });

  app.addHook('onRequest', app.authenticate);
  app.addHook('preHandler', app.tenantRateLimit);

  app.post(
    '/exports',
    {
      schema: {
        tags: ['exports'],
        summary: 'Export the projects',
        description: 'Queues an export of every project of the tenant; a download link is e-mailed to the caller when it is ready.',
        security: [{ bearerAuth: [] }],
        headers: IdempotencyKeyHeader,
        response: { 202: ExportAccepted, 409: problem, 422: problem, ...errors },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const result = await idempotentCreate(request, reply, async (tx, { tenantId, userId }) => {
        const jobId = await queue.enqueueExport({ tenantId, userId }, key);
        await recordAudit(tx, { tenantId, actorUserId: userId, action: 'projects.export_requested', targetType: 'job', targetId: jobId });
        return { status: 202, body: { jobId, status: 'queued' as const } };
      });
      return reply.code(202).header('location', `/v1/exports/${result.body.jobId}`).send(result.body);
    },
  );

  app.get(
    '/exports/:jobId',
    {
      schema: {
        tags: ['exports'],
        summary: 'Get the status of an export',
        security: [{ bearerAuth: [] }],
        params: ExportParams,
        response: { 200: ExportStatus, 404: problem, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = authOf(request);
      const { jobId } = request.params;
      // The key contains the tenant: another tenant's job id finds nothing here.
      const key = exportKey(tenantId, jobId);
      if (await storage.exists(key)) {
        return { jobId, status: 'ready' as const, downloadUrl: await storage.signedUrl(key, { expiresInSeconds: 300, downloadName: 'projects.json' }) };
      }
      const state = await queue.exportState(jobId, tenantId);
      if (!state) throw notFound('No such export.');
      return { jobId, status: statusOf[state] };
    },
  );
};

export default exportRoutes;
