/**
 * The append-only audit trail. Written with the transaction of the change it records, so a change and its
 * audit entry commit or roll back together; the application role cannot UPDATE or DELETE it.
 */
import { auditLog } from '../db/schema.js';
import type { Tx } from '../db/tenant.js';

export interface AuditEntry {
  tenantId: string;
  actorUserId: string | null;
  /** `<resource>.<verb>`, e.g. `project.created`. */
  action: string;
  targetType: string;
  targetId?: string;
  /** What changed; never secrets or whole request bodies. */
  data?: Record<string, unknown>;
}

export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    tenantId: entry.tenantId,
    actorUserId: entry.actorUserId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    data: entry.data ?? {},
  });
}
