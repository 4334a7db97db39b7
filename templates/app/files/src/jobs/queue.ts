/**
 * The job queue: pg-boss in its own `pgboss` schema of the shared database. Its tables are installed and its
 * queues created by the migration step (owner role, `installJobQueue`); the API and the worker connect as the
 * application role, which may only read and write them.
 */
import { createHash, randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import pg from 'pg';

export const JOB_SCHEMA = 'pgboss';
/** The group role of the application (see the grants migration). */
const APP_ROLE = 'app_rw';

export const queues = {
  exportProjects: 'export-projects',
  sendInvitation: 'send-invitation',
} as const;

export type QueueName = (typeof queues)[keyof typeof queues];

/**
 * Retries with exponential backoff (30 s, 60 s, 120 s…); a job running longer than `expireInSeconds` is
 * considered lost and retried, so handlers must be idempotent.
 */
const queuePolicies: Record<QueueName, Omit<PgBoss.Queue, 'name'>> = {
  'export-projects': { retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 15 * 60, retentionMinutes: 7 * 24 * 60 },
  // An invitation is valid for 7 days: retrying longer than a day would deliver a link nobody expects any more.
  'send-invitation': { retryLimit: 8, retryDelay: 30, retryBackoff: true, expireInSeconds: 5 * 60, retentionMinutes: 24 * 60 },
};

export function bossOptions(connectionString: string, name: string): PgBoss.ConstructorOptions {
  return { connectionString, schema: JOB_SCHEMA, application_name: name, max: 2, migrate: false, schedule: false };
}

/** Creates or upgrades the pg-boss schema and the queues, and lets the application role use them. Run as the owner. */
export async function installJobQueue(ownerConnectionString: string): Promise<void> {
  const boss = new PgBoss({ ...bossOptions(ownerConnectionString, 'migrate'), migrate: true, supervise: false });
  boss.on('error', () => {
    // start() and the calls below reject with the same error.
  });
  await boss.start();
  try {
    for (const [name, policy] of Object.entries(queuePolicies)) {
      await boss.createQueue(name, { name, ...policy });
      await boss.updateQueue(name, { name, ...policy });
    }
  } finally {
    await boss.stop({ graceful: false });
  }
  const client = new pg.Client({ connectionString: ownerConnectionString, application_name: 'migrate' });
  client.on('error', () => {
    // A dropped connection also rejects the pending query.
  });
  await client.connect();
  try {
    await client.query(`GRANT USAGE ON SCHEMA ${JOB_SCHEMA} TO ${APP_ROLE}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${JOB_SCHEMA} TO ${APP_ROLE}`);
  } finally {
    await client.end();
  }
}

/** Same key, same tenant → same job id: a retried request cannot enqueue the work twice. */
export function jobIdFor(queue: string, tenantId: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const hex = createHash('sha256').update(`${queue}\0${tenantId}\0${idempotencyKey}`).digest('hex');
  // Formatted as an RFC 9562 version 8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export interface ExportProjectsJob {
  tenantId: string;
  /** Who asked; the link goes to their e-mail address. */
  userId: string;
}

export interface InvitationEmailJob {
  tenantId: string;
  invitationId: string;
  /** The invitation token, envelope-encrypted (`invitationTokenContext`): the queue's tables never hold it in clear. */
  token: string;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

/** What the API needs from the queue; tests and `openapi:generate` pass a fake. */
export interface JobQueue {
  enqueueExport(data: ExportProjectsJob, idempotencyKey?: string): Promise<string>;
  /** One e-mail per invitation: queueing the same invitation again is a no-op. */
  enqueueInvitationEmail(data: InvitationEmailJob): Promise<string>;
  /** The state of a tenant's export job; undefined when there is none (or it belongs to another tenant). */
  exportState(jobId: string, tenantId: string): Promise<JobState | undefined>;
  /** Jobs waiting to run (queued or waiting for a retry), per queue: the `queue_depth` metric. */
  depth(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The API's side of the queue: sending only, no polling or maintenance. */
export function createJobQueue(connectionString: string, onError: (error: Error) => void): JobQueue {
  const boss = new PgBoss({ ...bossOptions(connectionString, 'api-queue'), supervise: false });
  boss.on('error', onError);
  let started: Promise<unknown> | undefined;
  // Connects on first use; a failed start (database down) is retried by the next call.
  const start = async (): Promise<void> => {
    started ??= boss.start().catch((error: unknown) => {
      started = undefined;
      throw error;
    });
    await started;
  };
  /** Sends a job under a caller-chosen id; an id already taken means the same work was queued before. */
  const sendOnce = async (queue: QueueName, data: object, id: string, retried: boolean): Promise<string> => {
    await start();
    const created = await boss.send(queue, { ...data }, { id });
    if (created) return created;
    // Nothing inserted: either the same request was already accepted, or the queue does not exist.
    if (retried && (await boss.getJobById(queue, id, { includeArchive: true }))) return id;
    throw new Error(`Queue ${queue} refused the job: run the migrations (npm run db:migrate) to install it`);
  };
  return {
    enqueueExport: (data, idempotencyKey) => sendOnce(queues.exportProjects, data, jobIdFor(queues.exportProjects, data.tenantId, idempotencyKey), idempotencyKey !== undefined),
    enqueueInvitationEmail: (data) => sendOnce(queues.sendInvitation, data, data.invitationId, true),
    async exportState(jobId, tenantId) {
      await start();
      const job = await boss.getJobById<ExportProjectsJob>(queues.exportProjects, jobId, { includeArchive: true });
      return job && job.data.tenantId === tenantId ? job.state : undefined;
    },
    async depth() {
      await start();
      const sizes = await Promise.all(Object.values(queues).map(async (name) => [name, await boss.getQueueSize(name, { before: 'active' })] as const));
      return Object.fromEntries(sizes);
    },
    async close() {
      if (started) await boss.stop({ graceful: true, timeout: 5_000 });
    },
  };
}
