import { defineFeature } from '../../src/create/manifest.js';

/** The dependency scan CI runs (checklist SEC-13): each package manager's own audit against its lockfile. */
const dependencyAudit: Record<string, string> = {
  npm: 'npm audit --audit-level=high',
  pnpm: 'pnpm audit --audit-level high',
  yarn: 'yarn npm audit --all --recursive --severity high',
};

export default defineFeature({
  id: 'delivery',
  title: 'Delivery and operations',
  summary:
    'Delivery: a multi-stage Dockerfile (pinned base image, production dependencies only, non-root, HEALTHCHECK), `docker-compose.yml` for a local PostgreSQL, Prometheus alerts each linked to a runbook under `docs/runbooks/`, SLOs, and `docs/` for architecture, ADRs, operations and security.',
  packageJson: (context) => {
    const manager = (context.packageManager as { value: string }).value;
    const audit = dependencyAudit[manager];
    if (!audit) throw new Error(`delivery: no dependency audit command for package manager ${manager}`);
    return { scripts: { 'deps:audit': audit } };
  },
  notes: ['`docker compose up -d` starts a local PostgreSQL {{versions.postgresMajor}} (see `docker-compose.yml`); `docs/operations.md` covers deploys, rollbacks and restores.'],
});
