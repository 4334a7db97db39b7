import PgBoss from 'pg-boss';
import { metrics } from '../observability/metrics.js';
import { exportProjects, type ExportDeps } from './export-projects.js';
import { bossOptions, queues, type ExportProjectsJob } from './queue.js';

export interface WorkerLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface WorkerDeps extends Omit<ExportDeps, 'log'> {
  connectionString: string;
  log: WorkerLogger;
  /** Jobs of one queue processed at the same time by this process. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
}

/**
 * Starts polling the queues. Stop it with `boss.stop({ graceful: true })`: no new jobs are fetched and the
 * running ones get until the timeout to finish; unfinished ones are retried by another worker.
 */
export async function startWorker(deps: WorkerDeps): Promise<PgBoss> {
  const boss = new PgBoss({ ...bossOptions(deps.connectionString, 'worker'), supervise: true });
  boss.on('error', (error) => deps.log.error({ err: error }, 'job queue error'));
  await boss.start();

  const handle = async (job: PgBoss.Job<ExportProjectsJob>): Promise<void> => {
    const log = { info: (object: object, message: string) => deps.log.info({ queue: job.name, ...object }, message) };
    try {
      await exportProjects(job, { ...deps, log });
      metrics.jobsCompleted.inc({ queue: job.name });
    } catch (error) {
      metrics.jobsFailed.inc({ queue: job.name });
      deps.log.error({ err: error, queue: job.name, jobId: job.id, tenantId: job.data.tenantId }, 'job failed; pg-boss retries it with backoff');
      throw error;
    }
  };
  const options = { batchSize: 1, pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 };
  for (let i = 0; i < (deps.concurrency ?? 2); i += 1) {
    await boss.work<ExportProjectsJob>(queues.exportProjects, options, async ([job]) => {
      if (job) await handle(job);
    });
  }
  return boss;
}
