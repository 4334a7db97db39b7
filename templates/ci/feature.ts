import { defineFeature } from '../../src/create/manifest.js';

export default defineFeature({
  id: 'ci',
  title: 'Continuous integration',
  option: {
    id: 'ci',
    message: 'CI provider',
    default: 'github',
    choices: [
      {
        value: 'github',
        label: 'GitHub Actions',
        summary: 'CI: GitHub Actions runs install, lint, typecheck and test on every pull request and on main, with actions pinned by commit SHA and read-only permissions.',
        notes: ['Push to GitHub: `.github/workflows/ci.yml` runs on every pull request.'],
      },
      {
        value: 'gitlab',
        label: 'GitLab CI',
        summary: 'CI: GitLab CI runs install, lint, typecheck and test on every merge request and on the default branch.',
        notes: ['Push to GitLab: `.gitlab-ci.yml` runs on every merge request.'],
      },
    ],
  },
});
