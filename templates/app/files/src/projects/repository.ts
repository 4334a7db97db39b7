/**
 * Data access for projects. Every function takes the transaction of `withTenant`, so row-level security
 * already confines it to the tenant; the explicit `tenant_id` filters keep the intent visible and the
 * indexes used.
 */
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { projects } from '../db/schema.js';
import type { Tx } from '../db/tenant.js';
import type { Project, ProjectPage } from './schemas.js';

type Row = typeof projects.$inferSelect;

export function toProject(row: Row): Project {
  return { id: row.id, name: row.name, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

interface Cursor {
  createdAt: Date;
  id: string;
}

function encodeCursor(row: Row): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

/** undefined for a cursor this API did not produce. */
export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const date = new Date(createdAt);
    return Number.isNaN(date.getTime()) ? undefined : { createdAt: date, id };
  } catch {
    return undefined;
  }
}

const live = (tenantId: string) => and(eq(projects.tenantId, tenantId), isNull(projects.deletedAt));

export async function listProjects(tx: Tx, tenantId: string, page: { limit: number; after?: Cursor }): Promise<ProjectPage> {
  const { after } = page;
  const rows = await tx
    .select()
    .from(projects)
    .where(and(live(tenantId), after ? or(lt(projects.createdAt, after.createdAt), and(eq(projects.createdAt, after.createdAt), lt(projects.id, after.id))) : undefined))
    .orderBy(desc(projects.createdAt), desc(projects.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items: items.map(toProject), nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
}

export async function getProject(tx: Tx, tenantId: string, id: string): Promise<Row | undefined> {
  const [row] = await tx
    .select()
    .from(projects)
    .where(and(live(tenantId), eq(projects.id, id)));
  return row;
}

export async function insertProject(tx: Tx, tenantId: string, values: { name: string }): Promise<Row> {
  const [row] = await tx.insert(projects).values({ tenantId, name: values.name }).returning();
  return row!;
}

export async function updateProject(tx: Tx, tenantId: string, id: string, values: { name?: string }): Promise<Row | undefined> {
  const [row] = await tx
    .update(projects)
    .set({ ...values, updatedAt: sql`now()` })
    .where(and(live(tenantId), eq(projects.id, id)))
    .returning();
  return row;
}

/** Soft delete: the row stays (the application role has no DELETE on projects). */
export async function softDeleteProject(tx: Tx, tenantId: string, id: string): Promise<Row | undefined> {
  const [row] = await tx
    .update(projects)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(live(tenantId), eq(projects.id, id)))
    .returning();
  return row;
}
