/** Named answer sets for `--preset`. Options a preset leaves out take their defaults. */
export interface Preset {
  description: string;
  options: Readonly<Record<string, string>>;
}

export const presets: Readonly<Record<string, Preset>> = {
  default: {
    description: 'shared schema with RLS, GitHub Actions, Terraform on AWS, npm (every default)',
    options: {},
  },
  hybrid: {
    description: 'hybrid tenancy with per-tenant database routing, GitHub Actions, Terraform on AWS, pnpm',
    options: { tenancy: 'hybrid', ci: 'github', infra: 'terraform-aws', packageManager: 'pnpm' },
  },
  gitlab: {
    description: 'shared schema with RLS, GitLab CI, Terraform on AWS, pnpm',
    options: { tenancy: 'shared-rls', ci: 'gitlab', infra: 'terraform-aws', packageManager: 'pnpm' },
  },
  'no-infra': {
    description: 'shared schema with RLS, GitHub Actions, no infrastructure code, Yarn',
    options: { tenancy: 'shared-rls', ci: 'github', infra: 'none', packageManager: 'yarn' },
  },
};
