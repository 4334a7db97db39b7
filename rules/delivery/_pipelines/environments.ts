/** Deployment environments of CI jobs, from `environment:`/`deployment:` or, failing that, the job's name. */
import type { PipelineJob } from './pipelines.js';

export type EnvironmentClass = 'production' | 'staging' | 'development' | 'preview' | 'other';

const production = /^(?:prod|production|prd|live|main|master|release)$/;
const staging = /^(?:stag|stage|staging|stg|preprod|pre-prod|preproduction|uat|qa|acceptance|test|testing|int|integration|sandbox|demo)$/;
const development = /^(?:dev|develop|development|local)$/;
const preview = /^(?:preview|review|pr|feature|ephemeral|temp)$/;

/** The words of a name: `deploy-prod`, `Deploy to Staging`, `build_stg` → [deploy, prod], [deploy, to, staging]… */
function words(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function classify(name: string): EnvironmentClass | undefined {
  const w = words(name);
  if (w.some((x) => preview.test(x)) || /\$|\{\{/.test(name)) return 'preview';
  if (w.some((x) => production.test(x) && x !== 'main' && x !== 'master' && x !== 'release')) return 'production';
  if (w.some((x) => staging.test(x) && x !== 'test' && x !== 'testing' && x !== 'int' && x !== 'integration')) return 'staging';
  if (w.some((x) => development.test(x))) return 'development';
  return undefined;
}

/**
 * The environment a job deploys to: its declared environment name (normalized, dynamic names are `preview`), or
 * an environment word in its id or display name (`deploy-staging`, `build:prod`).
 */
export function environmentOf(job: PipelineJob): { name: string; cls: EnvironmentClass; declared: boolean } | undefined {
  if (job.environment && job.environment.value !== 'deployment') {
    const raw = job.environment.value;
    const cls = classify(raw) ?? 'other';
    return { name: cls === 'other' || cls === 'preview' ? raw.toLowerCase() : cls, cls, declared: true };
  }
  for (const candidate of [job.id, job.name ?? '']) {
    const cls = classify(candidate);
    if (cls && cls !== 'preview') return { name: cls, cls, declared: false };
  }
  return undefined;
}
