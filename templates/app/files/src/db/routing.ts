/**
 * Tenant-to-database routing for the hybrid tenancy model: tenants listed in TENANT_ROUTING_FILE live in a
 * dedicated database (same migrations, same row-level security), everyone else in the shared one. Identity
 * (tenants, users, memberships, sessions, invitations) always stays in the shared database.
 */
import { readFileSync } from 'node:fs';

export interface TenantRoute {
  tenantId: string;
  url: string;
  /** The owner role of that database, for migrations (`migrationUrlEnv`); defaults to `url`. */
  migrationUrl: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads and validates the routing file; connection strings come from the environment variables it names. */
export function loadTenantRouting(file: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): TenantRoute[] {
  if (!file) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`TENANT_ROUTING_FILE ${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const tenants = (parsed as { tenants?: unknown }).tenants;
  if (typeof tenants !== 'object' || tenants === null) throw new Error(`TENANT_ROUTING_FILE ${file} must have a "tenants" object`);
  const problems: string[] = [];
  const routes: TenantRoute[] = [];
  for (const [tenantId, entry] of Object.entries(tenants)) {
    const { urlEnv, migrationUrlEnv } = entry as { urlEnv?: unknown; migrationUrlEnv?: unknown };
    if (!uuid.test(tenantId)) problems.push(`"${tenantId}" is not a tenant id (uuid)`);
    else if (typeof urlEnv !== 'string' || !urlEnv) problems.push(`tenant ${tenantId} needs "urlEnv", the variable holding its connection string`);
    else if (!env[urlEnv]) problems.push(`tenant ${tenantId}: environment variable ${urlEnv} is not set`);
    else if (migrationUrlEnv !== undefined && (typeof migrationUrlEnv !== 'string' || !env[migrationUrlEnv])) {
      problems.push(`tenant ${tenantId}: "migrationUrlEnv" must name a set environment variable`);
    } else {
      const url = env[urlEnv];
      routes.push({ tenantId: tenantId.toLowerCase(), url, migrationUrl: (typeof migrationUrlEnv === 'string' && env[migrationUrlEnv]) || url });
    }
  }
  if (problems.length) throw new Error(`TENANT_ROUTING_FILE ${file}:\n- ${problems.join('\n- ')}`);
  return routes;
}
