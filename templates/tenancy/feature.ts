import { defineFeature } from '../../src/create/manifest.js';

const databaseEnv = [
  {
    name: 'DATABASE_URL',
    example: '',
    description:
      'The application role (e.g. postgres://app@db.internal:5432/app; password from the secrets manager): a member of app_rw, not the table owner, without BYPASSRLS, so row-level security applies to it. Leave empty in development: `npm run dev` and `npm test` then start an embedded PostgreSQL.',
  },
  {
    name: 'MIGRATION_DATABASE_URL',
    example: '',
    description: 'The owner role (e.g. postgres://owner@db.internal:5432/app), used only by `npm run db:migrate`; defaults to DATABASE_URL.',
  },
] as const;

export default defineFeature({
  id: 'tenancy',
  title: 'Multi-tenancy',
  option: {
    id: 'tenancy',
    message: 'Tenancy model',
    default: 'shared-rls',
    choices: [
      {
        value: 'shared-rls',
        label: 'Shared schema with row-level security',
        hint: 'one database, every tenant row isolated by PostgreSQL RLS',
        summary: 'Tenancy: one shared schema isolated by PostgreSQL row-level security (`docs/adr/0001-tenancy.md`).',
        env: databaseEnv,
      },
      {
        value: 'hybrid',
        label: 'Hybrid: shared by default, per-tenant database routing',
        hint: 'large tenants can move to a dedicated database',
        summary:
          'Tenancy: shared schema with row-level security by default, tenants routed to dedicated databases by `config/tenants.json` (`docs/adr/0001-tenancy.md`).',
        env: [
          ...databaseEnv,
          {
            name: 'TENANT_ROUTING_FILE',
            example: 'config/tenants.json',
            description: 'Tenant-to-database routing; tenants not listed use DATABASE_URL.',
          },
        ],
        requires: [
          {
            option: 'infra',
            values: ['terraform-aws'],
            reason: 'dedicated tenant databases are provisioned by the Terraform module (infra/terraform/tenant-databases.tf)',
          },
        ],
        notes: ['List the tenants that get a dedicated database in `config/tenants.json` (start from `config/tenants.example.json`).'],
      },
    ],
  },
});
