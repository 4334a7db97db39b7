import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EmailMessage, EmailTransport } from '../src/email/index.js';
import { createFieldEncryption } from '../src/encryption/index.js';
import { exportKey, exportProjects } from '../src/jobs/export-projects.js';
import { buildApp } from '../src/app.js';
import { database } from '../src/db/database.js';
import { createJobQueue, JOB_SCHEMA, installJobQueue, jobIdFor, queues, type ExportProjectsJob, type InvitationEmailJob, type JobQueue } from '../src/jobs/queue.js';
import { invitationTokenContext, sendInvitationEmail } from '../src/jobs/send-invitation.js';
import { startWorker } from '../src/jobs/worker.js';
import { metrics } from '../src/observability/metrics.js';
import { LocalDiskStorage } from '../src/storage/local.js';
import { bearer, createTestApp, password, signup, signupWithMfa, testConfig, type TestTenant } from './support/app.js';

class RecordingEmail implements EmailTransport {
  readonly sent: EmailMessage[] = [];
  failNext = false;
  async send(message: EmailMessage) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('SMTP 421 try again later');
    }
    this.sent.push(message);
    return { messageId: `<${this.sent.length}@test>` };
  }
  async close() {}
}

const silent = { info: () => undefined, error: () => undefined };

let app: FastifyInstance;
let acme: TestTenant;
let globex: TestTenant;
let storageDir: string;
let storage: LocalDiskStorage;

beforeAll(async () => {
  storageDir = await mkdtemp(join(tmpdir(), 'jobs-test-'));
  storage = new LocalDiskStorage({ directory: storageDir, nodeEnv: 'test' });
  // The API and the worker share the storage, as they share the bucket in production.
  app = await createTestApp({ LOCAL_STORAGE_DIR: storageDir });
  [acme, globex] = await Promise.all([signup(app, 'Acme'), signup(app, 'Globex')]);
  for (const name of ['Apollo', 'Gemini']) await app.inject({ method: 'POST', url: '/v1/projects', headers: acme.headers, payload: { name } });
  const doomed = (await app.inject({ method: 'POST', url: '/v1/projects', headers: acme.headers, payload: { name: 'Deleted' } })).json<{ id: string }>();
  await app.inject({ method: 'DELETE', url: `/v1/projects/${doomed.id}`, headers: acme.headers });
  await app.inject({ method: 'POST', url: '/v1/projects', headers: globex.headers, payload: { name: 'Not yours' } });
});
afterAll(async () => {
  await app.close();
  await rm(storageDir, { recursive: true, force: true });
});

describe('job ids', () => {
  it('derives the same id from the same tenant and idempotency key, another for another tenant', () => {
    const id = jobIdFor(queues.exportProjects, acme.tenantId, 'key-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jobIdFor(queues.exportProjects, acme.tenantId, 'key-1')).toBe(id);
    expect(jobIdFor(queues.exportProjects, globex.tenantId, 'key-1')).not.toBe(id);
    expect(jobIdFor(queues.exportProjects, acme.tenantId, undefined)).not.toBe(jobIdFor(queues.exportProjects, acme.tenantId, undefined));
  });
});

describe('export-projects handler', () => {
  const job = (id: string): { id: string; data: ExportProjectsJob } => ({ id, data: { tenantId: acme.tenantId, userId: acme.userId } });

  it("writes only the tenant's live projects and e-mails the requester once", async () => {
    const email = new RecordingEmail();
    const id = '6f1c1b0e-6c1a-4e5e-9d43-0d7c8b1a0001';
    const first = await exportProjects(job(id), { storage, email, log: silent });
    expect(first).toEqual({ key: exportKey(acme.tenantId, id), projects: 2, emailed: true });
    const document = JSON.parse((await storage.get(first.key))!.toString('utf8')) as { tenantId: string; projects: { name: string }[] };
    expect(document.tenantId).toBe(acme.tenantId);
    expect(document.projects.map((p) => p.name)).toEqual(['Apollo', 'Gemini']);
    expect(email.sent).toHaveLength(1);
    expect(email.sent[0]).toMatchObject({ to: acme.email, subject: 'Your project export is ready' });
    expect(email.sent[0]!.text).toContain('file://');

    // A retry of the same job (lost lease, crash after sending) rewrites the file but sends nothing.
    const again = await exportProjects(job(id), { storage, email, log: silent });
    expect(again).toEqual({ ...first, emailed: false });
    expect(email.sent).toHaveLength(1);
  });

  it('fails when the e-mail cannot be sent, and sends on the retry', async () => {
    const email = new RecordingEmail();
    email.failNext = true;
    const id = '6f1c1b0e-6c1a-4e5e-9d43-0d7c8b1a0002';
    await expect(exportProjects(job(id), { storage, email, log: silent })).rejects.toThrow(/SMTP 421/);
    await expect(exportProjects(job(id), { storage, email, log: silent })).resolves.toMatchObject({ emailed: true });
    expect(email.sent).toHaveLength(1);
  });

  it('rejects a malformed payload before touching storage', async () => {
    const email = new RecordingEmail();
    await expect(exportProjects({ id: '../../etc', data: { tenantId: acme.tenantId, userId: acme.userId } }, { storage, email, log: silent })).rejects.toThrow(/malformed/);
  });

  it('skips the e-mail when the requester no longer exists', async () => {
    const email = new RecordingEmail();
    const gone = { id: '6f1c1b0e-6c1a-4e5e-9d43-0d7c8b1a0003', data: { tenantId: acme.tenantId, userId: '00000000-0000-4000-8000-000000000000' } };
    await expect(exportProjects(gone, { storage, email, log: silent })).resolves.toMatchObject({ projects: 2, emailed: false });
    expect(email.sent).toHaveLength(0);
  });
});

describe('POST /v1/exports and the worker', () => {
  let boss: PgBoss | undefined;
  const email = new RecordingEmail();
  afterAll(async () => {
    await boss?.stop({ graceful: true, timeout: 5000 });
  });

  it('requires authentication', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/exports' });
    expect(response.statusCode).toBe(401);
  });

  it('queues one job per idempotency key with the retry policy of the queue', async () => {
    const headers = { ...globex.headers, 'idempotency-key': 'export-1' };
    const first = await app.inject({ method: 'POST', url: '/v1/exports', headers });
    expect(first.statusCode).toBe(202);
    const { jobId, status } = first.json<{ jobId: string; status: string }>();
    expect(status).toBe('queued');
    expect(first.headers.location).toBe(`/v1/exports/${jobId}`);
    const progress = await app.inject({ method: 'GET', url: `/v1/exports/${jobId}`, headers: globex.headers });
    expect(progress.json()).toEqual({ jobId, status: 'queued' });
    // Another tenant cannot see it.
    expect((await app.inject({ method: 'GET', url: `/v1/exports/${jobId}`, headers: acme.headers })).statusCode).toBe(404);
    expect(jobId).toBe(jobIdFor(queues.exportProjects, globex.tenantId, 'export-1'));
    const replay = await app.inject({ method: 'POST', url: '/v1/exports', headers });
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toEqual({ jobId, status: 'queued' });
    const scrape = await app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.body).toMatch(/^queue_depth\{queue="export-projects"\} [1-9]/m);

    const reader = new PgBoss({ connectionString: testConfig().databaseUrl, schema: JOB_SCHEMA, migrate: false, supervise: false, schedule: false, max: 1 });
    await reader.start();
    try {
      const job = await reader.getJobById<ExportProjectsJob>(queues.exportProjects, jobId, { includeArchive: false });
      expect(job?.data).toEqual({ tenantId: globex.tenantId, userId: globex.userId });
      expect(job).toMatchObject({ retryLimit: 5, retryDelay: 30, retryBackoff: true });
    } finally {
      await reader.stop({ graceful: false });
    }
  });

  it('runs queued exports in the worker and e-mails the link', async () => {
    boss = await startWorker({ connectionString: testConfig().databaseUrl, storage, email, encryption: createFieldEncryption(testConfig()), log: silent, pollingIntervalSeconds: 0.5, concurrency: 1 });
    const response = await app.inject({ method: 'POST', url: '/v1/exports', headers: acme.headers });
    const { jobId } = response.json<{ jobId: string }>();
    await expect.poll(() => email.sent.some((message) => message.to === acme.email), { timeout: 15_000, interval: 250 }).toBe(true);
    await expect.poll(() => storage.exists(exportKey(acme.tenantId, jobId)), { timeout: 5_000 }).toBe(true);
    const ready = await app.inject({ method: 'GET', url: `/v1/exports/${jobId}`, headers: acme.headers });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ jobId, status: 'ready', downloadUrl: expect.stringMatching(/^file:\/\//) });
    expect((await app.inject({ method: 'GET', url: `/v1/exports/${crypto.randomUUID()}`, headers: acme.headers })).statusCode).toBe(404);
  });

  it('hands a failed attempt back to pg-boss for a later retry', async () => {
    const failedBefore = (await metrics.jobsFailed.get()).values.find((v) => v.labels.queue === queues.exportProjects)?.value ?? 0;
    email.failNext = true;
    const response = await app.inject({ method: 'POST', url: '/v1/exports', headers: acme.headers });
    const { jobId } = response.json<{ jobId: string }>();
    await expect.poll(() => boss?.getJobById(queues.exportProjects, jobId).then((job) => job?.state), { timeout: 15_000, interval: 250 }).toBe('retry');
    const failedAfter = (await metrics.jobsFailed.get()).values.find((v) => v.labels.queue === queues.exportProjects)?.value ?? 0;
    expect(failedAfter).toBe(failedBefore + 1);
    await boss?.stop({ graceful: true, timeout: 5000 });
    boss = undefined;
  });

  it('logs every queue\'s depth for the queue-depth alarm until it stops', async () => {
    const lines: Array<{ queue?: string; queueDepth?: unknown }> = [];
    const log = { info: (object: object, message: string) => void (message === 'queue depth' && lines.push(object)), error: () => undefined };
    const worker = await startWorker({ connectionString: testConfig().databaseUrl, storage, email, encryption: createFieldEncryption(testConfig()), log, pollingIntervalSeconds: 0.5, concurrency: 1, depthIntervalMs: 100 });
    try {
      await expect.poll(() => new Set(lines.map((line) => line.queue)).size, { timeout: 10_000, interval: 100 }).toBe(Object.values(queues).length);
      for (const line of lines) expect(line.queueDepth).toEqual(expect.any(Number));
    } finally {
      await worker.stop({ graceful: true, timeout: 5000 });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lines.length).toBe(after);
  });

  it('still answers a scrape when the queue cannot be read', async () => {
    const down = (): Promise<never> => Promise.reject(new Error('down'));
    const broken: JobQueue = { enqueueExport: down, enqueueInvitationEmail: down, exportState: down, depth: down, close: async () => undefined };
    // The process's database stays open: the app closes only what it opened itself.
    const other = await buildApp({ config: testConfig(), database: database(), jobQueue: broken });
    try {
      const scrape = await other.inject({ method: 'GET', url: '/metrics' });
      expect(scrape.statusCode).toBe(200);
      expect(scrape.body).toContain('http_request_duration_seconds');
      expect(scrape.body).not.toMatch(/^queue_depth\{/m);
    } finally {
      await other.close();
    }
  });

  it('installs the queue again without harm (re-run migrations, pg-boss upgrades)', async () => {
    await expect(installJobQueue(inject('ownerUrl'))).resolves.toBeUndefined();
  });
});

describe('invitation e-mails', () => {
  const encryption = createFieldEncryption(testConfig());
  const readJob = async (invitationId: string) => {
    const reader = new PgBoss({ connectionString: testConfig().databaseUrl, schema: JOB_SCHEMA, migrate: false, supervise: false, schedule: false, max: 1 });
    await reader.start();
    try {
      return await reader.getJobById<InvitationEmailJob>(queues.sendInvitation, invitationId, { includeArchive: true });
    } finally {
      await reader.stop({ graceful: false });
    }
  };
  const invite = async (owner: TestTenant & { stepUp: string }, email = `invitee-${crypto.randomUUID()}@example.com`) => {
    const created = await app.inject({ method: 'POST', url: '/v1/invitations', headers: bearer(owner.stepUp), payload: { email, role: 'member' } });
    expect(created.statusCode).toBe(201);
    return { email, id: created.json<{ id: string }>().id };
  };

  it('queues one e-mail per invitation, with the token encrypted in the queue, and sends it once', async () => {
    const owner = await signupWithMfa(app, 'Inviting');
    const invitation = await invite(owner);
    const job = await readJob(invitation.id);
    expect(job).toMatchObject({ retryLimit: 8, retryBackoff: true, data: { tenantId: owner.tenantId, invitationId: invitation.id } });
    expect(job!.data.token).toMatch(/^v1\./);

    const email = new RecordingEmail();
    const deps = { email, encryption, log: silent };
    expect(await sendInvitationEmail(job!, deps)).toBe('sent');
    expect(await sendInvitationEmail(job!, deps)).toBe('already-sent');
    expect(email.sent).toHaveLength(1);
    expect(email.sent[0]).toMatchObject({ to: invitation.email, subject: 'You are invited to join Inviting' });
    const token = await encryption.decrypt(job!.data.token, invitationTokenContext(invitation.id));
    expect(email.sent[0]!.text).toContain(token);
    expect(JSON.stringify(job!.data)).not.toContain(token);

    // Queueing the same invitation again is harmless.
    const queue = createJobQueue(testConfig().databaseUrl, () => undefined);
    try {
      await expect(queue.enqueueInvitationEmail(job!.data)).resolves.toBe(invitation.id);
    } finally {
      await queue.close();
    }
    const accepted = await app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token, password } });
    expect(accepted.statusCode).toBe(200);
    expect(await sendInvitationEmail(job!, deps)).toBe('not-pending');
  });

  it('skips a revoked invitation, and leaves a failed send to the retry', async () => {
    const owner = await signupWithMfa(app, 'Revoking');
    const revoked = await invite(owner);
    await app.inject({ method: 'DELETE', url: `/v1/invitations/${revoked.id}`, headers: bearer(owner.stepUp) });
    const email = new RecordingEmail();
    expect(await sendInvitationEmail((await readJob(revoked.id))!, { email, encryption, log: silent })).toBe('not-pending');

    const pending = await invite(owner);
    const job = (await readJob(pending.id))!;
    email.failNext = true;
    await expect(sendInvitationEmail(job, { email, encryption, log: silent })).rejects.toThrow(/SMTP 421/);
    expect(await sendInvitationEmail(job, { email, encryption, log: silent })).toBe('sent');
    expect(email.sent.map((message) => message.to)).toEqual([pending.email]);
    await expect(sendInvitationEmail({ id: job.id, data: { ...job.data, tenantId: 'x' } }, { email, encryption, log: silent })).rejects.toThrow(/malformed/);
  });

  it('is sent by the worker', async () => {
    const owner = await signupWithMfa(app, 'Worker');
    const email = new RecordingEmail();
    const worker = await startWorker({ connectionString: testConfig().databaseUrl, storage, email, encryption, log: silent, pollingIntervalSeconds: 0.5, concurrency: 1 });
    try {
      const invitation = await invite(owner);
      await expect.poll(() => email.sent.some((message) => message.to === invitation.email), { timeout: 15_000, interval: 250 }).toBe(true);
    } finally {
      await worker.stop({ graceful: true, timeout: 5000 });
    }
  });
});
