import { defineFeature } from '../../src/create/manifest.js';

export default defineFeature({
  id: 'infra',
  title: 'Infrastructure as code',
  option: {
    id: 'infra',
    message: 'Infrastructure',
    default: 'terraform-aws',
    choices: [
      {
        value: 'terraform-aws',
        label: 'Terraform on AWS',
        hint: 'S3 remote state with native locking, one state per environment',
        data: { region: 'eu-west-1' },
        summary: 'Infrastructure: Terraform for AWS under `infra/terraform/`, with remote state in S3 per environment.',
        packageJson: {
          scripts: {
            'infra:fmt': 'terraform -chdir=infra/terraform fmt -check -recursive',
          },
        },
        notes: ['Create the Terraform state bucket once per environment: `infra/terraform/bootstrap-state.sh staging` (see `infra/terraform/README.md`).'],
      },
      {
        value: 'none',
        label: 'None',
        hint: 'bring your own infrastructure code',
        summary: 'Infrastructure: none generated; keep your infrastructure as code next to the application (checklist OPS-1).',
      },
    ],
  },
  executable: ['terraform-aws/infra/terraform/bootstrap-state.sh.hbs'],
});
