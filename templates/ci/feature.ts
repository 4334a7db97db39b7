import { defineFeature } from '../../src/create/manifest.js';

export default defineFeature({
  id: 'ci',
  title: 'Continuous integration and delivery',
  option: {
    id: 'ci',
    message: 'CI provider',
    default: 'github',
    choices: [
      {
        value: 'github',
        label: 'GitHub Actions',
        // The OIDC issuer and token subjects the AWS roles trust (infra/terraform/ci-roles.tf, global/main.tf).
        data: {
          github: true,
          oidcHost: 'token.actions.githubusercontent.com',
          publishSubject: 'repo:${var.repository}:ref:refs/heads/main',
          deploySubject: 'repo:${var.repository}:environment:${var.environment}',
        },
        summary:
          'CI/CD: GitHub Actions. Pull requests: lint, type-check, tests against PostgreSQL with a coverage threshold, OpenAPI and migration drift, `prodgrade audit` (SARIF to code scanning), dependency review and audit, CodeQL, image build and Trivy scan. Main: one image per commit, migrations as their own job, staging then production with the same digest. Actions pinned by commit SHA, least-privilege permissions, OIDC to the cloud; Dependabot keeps pins current.',
        notes: [
          'Push to GitHub: `.github/workflows/ci.yml` runs on every pull request and on main. Create the `staging` and `production` environments (require reviewers on production) and their variables listed in `docs/operations.md`.',
        ],
      },
      {
        value: 'gitlab',
        label: 'GitLab CI',
        data: {
          github: false,
          oidcHost: 'gitlab.com',
          publishSubject: 'project_path:${var.repository}:ref_type:branch:ref:main',
          deploySubject: 'project_path:${var.repository}:ref_type:branch:ref:main',
        },
        summary:
          'CI/CD: GitLab CI. Merge requests: lint, type-check, tests against PostgreSQL with a coverage threshold, OpenAPI and migration drift, `prodgrade audit`, dependency audit, GitLab SAST, image build and Trivy scan. Default branch: one image per commit, migrations as their own job, staging then production with the same digest, OIDC ID tokens to the cloud; Renovate keeps pins current.',
        notes: [
          'Push to GitLab: `.gitlab-ci.yml` runs on every merge request and on the default branch. Protect `main` and the `production` environment, and set the CI/CD variables listed in `docs/operations.md`.',
        ],
      },
    ],
  },
});
