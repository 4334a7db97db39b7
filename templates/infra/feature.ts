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
        hint: 'ECS Fargate, RDS PostgreSQL, S3, canary releases; S3 remote state with native locking',
        data: { aws: true, region: 'eu-west-1' },
        summary:
          'Infrastructure: Terraform for AWS under `infra/terraform/`, staging and production from the same configuration with their own S3 state: VPC, ECS Fargate behind an HTTPS-only load balancer (TLS 1.3), RDS PostgreSQL (KMS, PITR, deletion protection, Multi-AZ in production, optional replica), S3 uploads, Secrets Manager, CloudWatch alarms to SNS, CodeDeploy canary releases that roll back on alarms; `infra/deploy/` holds the scripts CI migrates and deploys with.',
        packageJson: {
          scripts: {
            'infra:fmt': 'terraform -chdir=infra/terraform fmt -check -recursive',
          },
        },
        notes: ['Create the Terraform state buckets once (`infra/terraform/bootstrap-state.sh global`, then `staging` and `production`) and apply `global/` first: see `infra/terraform/README.md`.'],
      },
      {
        value: 'none',
        label: 'None',
        hint: 'bring your own infrastructure code',
        data: { aws: false },
        summary: 'Infrastructure: none generated; keep your infrastructure as code next to the application (checklist OPS-1).',
      },
    ],
  },
  executable: [
    'terraform-aws/infra/terraform/bootstrap-state.sh.hbs',
    'terraform-aws/infra/deploy/ecs-migrate.sh.hbs',
    'terraform-aws/infra/deploy/ecs-deploy.sh.hbs',
    'terraform-aws/infra/deploy/smoke-test.sh',
  ],
});
