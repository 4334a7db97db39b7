/**
 * `export-projects`: writes a tenant's projects to object storage as JSON and e-mails the requester a
 * time-limited link. Safe to run more than once for the same job (retries, an expired lease): the file
 * key is derived from the job id, and a marker object records that the e-mail went out.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { projects, users } from '../db/schema.js';
import { withSystem, withTenant } from '../db/tenant.js';
import type { EmailTransport } from '../email/index.js';
import { toProject } from '../projects/repository.js';
import type { ObjectStorage } from '../storage/index.js';
import type { ExportProjectsJob } from './queue.js';

export interface ExportDeps {
  storage: ObjectStorage;
  email: EmailTransport;
  log: { info(object: object, message: string): void };
  /** Validity of the download link. */
  linkTtlSeconds?: number;
}

export interface ExportResult {
  key: string;
  projects: number;
  emailed: boolean;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function exportKey(tenantId: string, jobId: string): string {
  return `tenants/${tenantId}/exports/projects-${jobId}.json`;
}

export async function exportProjects(job: { id: string; data: ExportProjectsJob }, deps: ExportDeps): Promise<ExportResult> {
  const { tenantId, userId } = job.data;
  // The payload comes from the database, but a malformed one must fail here, not become a storage path.
  if (!uuid.test(job.id) || !uuid.test(tenantId) || !uuid.test(userId)) throw new Error(`export-projects: malformed job ${job.id}`);
  const key = exportKey(tenantId, job.id);
  const sentMarker = `${key}.emailed`;

  // The worker has no request: it sets the tenant itself, so row-level security scopes the read.
  const rows = await withTenant(
    tenantId,
    (tx) =>
      tx
        .select()
        .from(projects)
        .where(and(eq(projects.tenantId, tenantId), isNull(projects.deletedAt)))
        .orderBy(projects.createdAt, projects.id),
    { userId },
  );
  const document = { tenantId, exportedAt: new Date().toISOString(), jobId: job.id, projects: rows.map(toProject) };
  await deps.storage.put(key, JSON.stringify(document, null, 2), { contentType: 'application/json' });

  if (await deps.storage.exists(sentMarker)) {
    deps.log.info({ jobId: job.id, tenantId, key }, 'export rewritten; e-mail already sent');
    return { key, projects: rows.length, emailed: false };
  }
  const [user] = await withSystem((tx) => tx.select({ email: users.email }).from(users).where(eq(users.id, userId)));
  if (!user) {
    // Deleted since the request: nobody to tell, and retrying will not change that.
    deps.log.info({ jobId: job.id, tenantId, userId }, 'export written; requester no longer exists, no e-mail sent');
    return { key, projects: rows.length, emailed: false };
  }
  // Short: a presigned URL dies with the credentials that signed it (an IAM role's last an hour or so anyway);
  // GET /v1/exports/{jobId} hands out a fresh one.
  const ttl = deps.linkTtlSeconds ?? 60 * 60;
  const url = await deps.storage.signedUrl(key, { expiresInSeconds: ttl, downloadName: 'projects.json' });
  await deps.email.send({
    to: user.email,
    subject: 'Your project export is ready',
    text: `Your export of ${rows.length} project(s) is ready. This link is valid for ${Math.round(ttl / 60)} minutes:\n\n${url}\n\nAfterwards, GET /v1/exports/${job.id} returns a new one.\n`,
  });
  await deps.storage.put(sentMarker, new Date().toISOString(), { contentType: 'text/plain' });
  deps.log.info({ jobId: job.id, tenantId, key, projects: rows.length }, 'export written and e-mailed');
  return { key, projects: rows.length, emailed: true };
}
