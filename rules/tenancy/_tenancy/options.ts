/** The options every tenancy rule shares, so one configuration block reads the same in each of them. */
import { option } from '../../../src/core/options.js';
import { defaultTenantKeys, type TenancyOptions } from '../../../src/audit/schema/tenancy.js';

export const tenancyOptions = {
  tenantKeys: option.stringList(
    'Column names that hold the tenant (matched ignoring case and underscores). A table with one of them, or a required reference to such a table, is tenant-owned.',
    defaultTenantKeys,
  ),
  tenantOwned: option.stringList('Models or tables that are tenant-owned whatever their columns say (Prisma model, entity class, Drizzle variable or table name).', []),
  global: option.stringList('Models or tables shared by all tenants (plans, feature flags, lookup data): never reported and never inherited through.', []),
};

export function tenancySettings(options: { tenantKeys: string[]; tenantOwned: string[]; global: string[] }): TenancyOptions {
  return { tenantKeys: options.tenantKeys, tenantOwned: options.tenantOwned, global: options.global };
}
