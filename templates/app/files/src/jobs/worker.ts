import PgBoss from 'pg-boss';
import { metrics } from '../observability/metrics.js';
import { exportProjects, type ExportDeps } from './export-projects.js';
import { bossOptions, queues, type ExportProjectsJob, type InvitationEmailJob, type QueueName } from './queue.js';
import { sendInvitationEmail, type InvitationEmailDeps } from './send-invitation.js';

export interface WorkerLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface WorkerDeps extends Omit<ExportDeps, 'log'>, Omit<InvitationEmailDeps, 'log'> {
  connectionString: string;
  log: WorkerLogger;
  /** Jobs of one queue processed at the same time by this process. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
  /** How often the worker logs each queue's depth ('queue depth' lines feed the CloudWatch queue-depth alarm). */
  depthIntervalMs?: number;
}

type JobLog = { info(object: object, message: string): void };

/**
 * Starts polling the queues. Stop it with `boss.stop({ graceful: true })`: no new jobs are fetched and the
 * running ones get until the timeout to finish; unfinished ones are retried by another worker.
 */
export async function startWorker(deps: WorkerDeps): Promise<PgBoss> {
  const boss = new PgBoss({ ...bossOptions(deps.connectionString, 'worker'), supervise: true });
  boss.on('error', (error) => deps.log.error({ err: error }, 'job queue error'));
  await boss.start();

  const options = { batchSize: 1, pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 };
  const work = async <T extends { tenantId: string }>(queue: QueueName, run: (job: PgBoss.Job<T>, log: JobLog) => Promise<unknown>): Promise<void> => {
    const handle = async (job: PgBoss.Job<T>): Promise<void> => {
      const log = { info: (object: object, message: string) => deps.log.info({ queue, ...object }, message) };
      try {
        await run(job, log);
        metrics.jobsCompleted.inc({ queue });
      } catch (error) {
        metrics.jobsFailed.inc({ queue });
        deps.log.error({ err: error, queue, jobId: job.id, tenantId: job.data.tenantId }, 'job failed; pg-boss retries it with backoff');
        throw error;
      }
    };
    for (let i = 0; i < (deps.concurrency ?? 2); i += 1) {
      await boss.work<T>(queue, options, async ([job]) => {
        if (job) await handle(job);
      });
    }
  };
  await work<ExportProjectsJob>(queues.exportProjects, (job, log) => exportProjects(job, { ...deps, log }));
  await work<InvitationEmailJob>(queues.sendInvitation, (job, log) => sendInvitationEmail(job, { ...deps, log }));
  reportQueueDepth(boss, deps);
  return boss;
}

/**
 * Logs every queue's depth (queued or waiting for a retry) once per interval. The infrastructure turns these lines
 * into the queue-depth metric and treats their absence as breaching: a worker that stops reporting has stopped working.
 */
function reportQueueDepth(boss: PgBoss, deps: WorkerDeps): void {
  const report = async (): Promise<void> => {
    for (const queue of Object.values(queues)) {
      deps.log.info({ queue, queueDepth: await boss.getQueueSize(queue, { before: 'active' }) }, 'queue depth');
    }
  };
  const timer = setInterval(() => {
    report().catch((error: unknown) => deps.log.error({ err: error }, 'queue depth not read'));
  }, deps.depthIntervalMs ?? 60_000);
  timer.unref();
  boss.once('stopped', () => clearInterval(timer));
}
