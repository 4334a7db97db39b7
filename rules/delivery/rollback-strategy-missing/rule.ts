import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { KeywordSet } from '../../../src/audit/keywords.js';
import { environmentOf } from '../_pipelines/environments.js';
import { allSteps, pipelinesOf, runnableJobs, type Pipeline, type PipelineJob } from '../_pipelines/pipelines.js';
import { expandScript } from '../_pipelines/tasks.js';

interface DeploySite {
  what: string;
  path: string;
  offset: number;
  end: number;
  job: PipelineJob;
  pipeline: Pipeline;
  /** True when the command itself carries an automatic rollback (helm --atomic, a canary strategy…). */
  safe: boolean;
}

/** Deploys of long-running services: the kind a bad release stays live on. Static hosting and publishing are left out. */
function deployCommand(argv: readonly string[]): { what: string; safe: boolean } | undefined {
  const bin = (argv[0] ?? '').replace(/^.*\//, '');
  const sub = argv[1] ?? '';
  const has = (...words: string[]): boolean => argv.some((a) => words.some((w) => a === w || a.startsWith(`${w}=`)));
  const what = argv.slice(0, 3).join(' ');
  if (bin === 'kubectl' && (sub === 'apply' || sub === 'set' || sub === 'replace' || (sub === 'rollout' && argv[2] === 'restart'))) return { what, safe: false };
  if (bin === 'kubectl' && sub === 'argo' && argv[2] === 'rollouts') return { what, safe: true };
  if (bin === 'helm' && (sub === 'upgrade' || sub === 'install')) return { what, safe: has('--atomic', '--rollback-on-failure') };
  if (bin === 'helmfile' && (sub === 'apply' || sub === 'sync')) return { what, safe: false };
  if (bin === 'skaffold' && (sub === 'run' || sub === 'deploy')) return { what, safe: false };
  if (bin === 'argocd' && sub === 'app' && argv[2] === 'sync') return { what, safe: false };
  if (bin === 'aws' && sub === 'ecs' && (argv[2] === 'update-service' || argv[2] === 'deploy')) return { what, safe: false };
  if (bin === 'aws' && sub === 'deploy' && argv[2] === 'create-deployment') return { what, safe: true };
  if (bin === 'aws' && sub === 'apprunner') return { what, safe: true };
  if (bin === 'aws' && sub === 'lambda' && argv[2] === 'update-function-code') return { what, safe: false };
  if (bin === 'ecs-deploy' || (bin === 'ecs' && sub === 'deploy')) return { what, safe: has('--rollback', '--enable-rollback') };
  if (bin === 'copilot' && (sub === 'deploy' || (sub === 'svc' && argv[2] === 'deploy'))) return { what, safe: true };
  if (bin === 'eb' && sub === 'deploy') return { what, safe: false };
  if (bin === 'gcloud' && argv.includes('run') && argv.includes('deploy')) return { what, safe: has('--no-traffic') };
  if (bin === 'gcloud' && argv.includes('app') && argv.includes('deploy')) return { what, safe: has('--no-promote') };
  if (bin === 'gcloud' && argv.includes('deploy') && argv.includes('releases')) return { what, safe: true };
  if (bin === 'az' && (sub === 'webapp' || sub === 'containerapp' || sub === 'functionapp') && (argv.includes('deploy') || argv.includes('update') || argv.includes('up') || (argv.includes('config') && argv.includes('container')))) {
    return { what, safe: has('--slot') };
  }
  if ((bin === 'fly' || bin === 'flyctl') && sub === 'deploy') {
    const strategy = argv.find((a, i) => argv[i - 1] === '--strategy' || a.startsWith('--strategy='));
    return { what, safe: /canary|bluegreen/.test(strategy ?? '') };
  }
  if (bin === 'railway' && (sub === 'up' || sub === 'redeploy')) return { what, safe: false };
  if (bin === 'heroku' && (sub === 'container:release' || sub === 'deploy')) return { what, safe: false };
  if (bin === 'git' && sub === 'push' && argv.some((a) => /heroku|dokku/.test(a))) return { what: `git push ${argv.find((a) => /heroku|dokku/.test(a))}`, safe: false };
  if (bin === 'docker' && sub === 'stack' && argv[2] === 'deploy') return { what, safe: false };
  if (bin === 'docker' && sub === 'service' && argv[2] === 'update') return { what, safe: has('--update-failure-action') && argv.includes('rollback') };
  if ((bin === 'serverless' || bin === 'sls') && sub === 'deploy') return { what, safe: false };
  if (bin === 'sam' && sub === 'deploy') return { what, safe: false };
  if (bin === 'cdk' && sub === 'deploy') return { what, safe: false };
  if (bin === 'kamal' && sub === 'deploy') return { what, safe: true };
  if (bin === 'cap' && argv.includes('deploy')) return { what, safe: false };
  if (bin === 'pm2' && (sub === 'deploy' || sub === 'reload')) return { what, safe: false };
  if (bin === 'ssh' && argv.slice(1).some((a) => /docker[\s-]+compose\b.*\bup\b|docker\s+(?:stack\s+deploy|service\s+update)|pm2\s+(?:reload|restart)|systemctl\s+restart|kubectl\s+apply/.test(a))) {
    return { what: 'ssh … (remote restart)', safe: false };
  }
  return undefined;
}

const deployActions: Array<{ test: RegExp; safe: (w: Record<string, string>) => boolean }> = [
  { test: /^aws-actions\/amazon-ecs-deploy-task-definition@/i, safe: (w) => /CODE_DEPLOY/i.test(w['codedeploy-appspec'] ?? '') || 'codedeploy-application' in w },
  { test: /^google-github-actions\/deploy-cloudrun@/i, safe: (w) => /--no-traffic/.test(w.flags ?? '') || w.no_traffic === 'true' },
  { test: /^google-github-actions\/deploy-appengine@/i, safe: (w) => w.promote === 'false' },
  { test: /^azure\/(?:webapps-deploy|container-apps-deploy-action|functions-action|k8s-deploy)@/i, safe: (w) => 'slot-name' in w || /canary|blue-green/i.test(w.strategy ?? '') },
  { test: /^azure\/aks-set-context@/i, safe: () => false },
  { test: /^superfly\/flyctl-actions(?:\/setup-flyctl)?@/i, safe: (w) => /canary|bluegreen/.test(w.args ?? '') },
  { test: /^akhileshns\/heroku-deploy@/i, safe: (w) => w.rollbackonhealthcheckfailed === 'true' },
  { test: /^appleboy\/ssh-action@/i, safe: () => false },
  { test: /^deliverybot\/helm@/i, safe: (w) => w.atomic === 'true' },
  { test: /^helmfile\/helmfile-action@/i, safe: (w) => /--atomic/.test(w['helmfile-args'] ?? '') || !/\b(?:apply|sync|deploy)\b/.test(w['helmfile-args'] ?? 'apply') },
  { test: /^task:(?:AzureWebApp|AzureRmWebAppDeployment|AzureFunctionApp|KubernetesManifest|HelmDeploy|AzureContainerApps|EcsDeploy)@/i, safe: (w) => 'deployToSlotOrASE' in w || 'slotName' in w || /canary/i.test(w.strategy ?? '') || /--atomic/.test(w.arguments ?? '') },
  { test: /^(?:atlassian\/(?:aws-ecs-deploy|aws-elasticbeanstalk-deploy|aws-lambda-deploy|google-cloud-run-deploy|azure-web-apps-deploy|heroku-deploy|ssh-run|kubectl-run|helm-pipe))(?::|$)/i, safe: () => false },
  // CircleCI orb jobs and commands (`hokusai/deploy-production`, `aws-ecs/deploy-service-update`, `heroku/deploy-via-git`).
  { test: /^[\w-]+\/(?:[\w-]*deploy[\w-]*|update[-_]service|update-container-image|upgrade[-_]helm[-_]chart)$/i, safe: () => false },
];

/**
 * Rollback and progressive-delivery mechanisms visible anywhere in the repository. `words`, where given, are what the
 * text expression cannot match without (it is case-sensitive): a file without any is not decoded.
 */
const rollbackEvidence: Array<{ files: RegExp; text: RegExp; words?: KeywordSet }> = [
  { files: /\.ya?ml$/, text: /^\s*kind\s*:\s*(?:Rollout|Canary|AnalysisTemplate|DeliveryPipeline|Experiment)\b/m },
  { files: /\.ya?ml$/, text: /\bflagger\.app\/|argoproj\.io\/v1alpha1[\s\S]*kind:\s*Rollout|\bfailure_action\s*:\s*rollback\b|\bDeploymentPreference\s*:|\bdeploymentSettings\s*:|\bautoRollback\b/ },
  { files: /\.(?:tf|hcl)$/, text: /deployment_circuit_breaker\s*\{[^}]*rollback\s*=\s*true|aws_codedeploy_deployment_group|deployment_controller\s*\{[^}]*CODE_DEPLOY|auto_rollback_configuration|blue_green_deployment_config|google_clouddeploy_delivery_pipeline/s },
  { files: /\.(?:[cm]?[jt]s|json|ya?ml)$/, text: /circuitBreaker\s*:\s*\{[^}]*rollback\s*:\s*true|"DeploymentCircuitBreaker"\s*:\s*\{[^}]*"Rollback"\s*:\s*true|DeploymentCircuitBreaker:[\s\S]{0,80}Rollback:\s*true|CodeDeployEcsDeployConfig|EcsDeploymentGroup|LambdaDeploymentConfig\.CANARY|deploymentController\s*:\s*\{\s*type\s*:\s*(?:ecs\.)?DeploymentControllerType\.CODE_DEPLOY/, words: new KeywordSet(['ircuitBreaker', 'CodeDeployEcsDeployConfig', 'EcsDeploymentGroup', 'LambdaDeploymentConfig', 'DeploymentControllerType']) },
  { files: /(?:^|\/)appspec\.ya?ml$/, text: /./ },
  { files: /(?:^|\/)fly\.toml$/, text: /strategy\s*=\s*["'](?:canary|bluegreen)["']/ },
  { files: /(?:^|\/)helmfile[\w.-]*\.ya?ml(?:\.gotmpl)?$|(?:^|\/)helmfile\.d\/.+\.ya?ml(?:\.gotmpl)?$/, text: /\batomic\s*:\s*true\b/ },
  { files: /(?:^|\/)\.ebextensions\/.+\.config$|(?:^|\/)\.elasticbeanstalk\/.+$/, text: /DeploymentPolicy\s*:\s*(?:Immutable|TrafficSplitting)/ },
  { files: /(?:^|\/)config\/deploy(?:\.[\w-]+)?\.ya?ml$/, text: /^service\s*:/m },
];

/** Rollback steps in CI: `kubectl rollout undo`, `helm rollback`, a slot swap, a traffic shift. */
const rollbackCommand = /\bkubectl\s+(?:argo\s+rollouts|rollout\s+undo)\b|\bhelm\s+rollback\b|\bdeployment\s+slot\s+swap\b|\bupdate-traffic\b|\bheroku\s+(?:releases:)?rollback\b|\bkamal\s+rollback\b|\bargocd\s+app\s+rollback\b|\baws\s+deploy\s+stop-deployment\b|--auto-rollback|\bflagger\b|\bfly(?:ctl)?\s+releases\s+rollback\b/;

function hasRollbackEvidence(model: RepoModel, pipelines: readonly Pipeline[]): boolean {
  for (const { step, job } of allSteps(pipelines)) {
    if (step.run && rollbackCommand.test(step.run.text)) return true;
    if (job.strategy && (job.strategy.kind !== 'runOnce' || job.strategy.onFailure)) return true;
  }
  return model.files.some((f) => rollbackEvidence.some((e) => e.files.test(f.path) && model.textMatches(f.path, e.text, e.words)));
}

const nameWords = (name: string): string[] => name.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/**
 * A job that tests a deployment (`upgrade-integration-test.yml`, job `e2e`) rather than releasing one: it deploys to a
 * throwaway environment on the runner. Named for testing, and not for deploying or releasing.
 */
function testJob(pipeline: Pipeline, job: PipelineJob): boolean {
  const words = [pipeline.path.replace(/^.*\//, '').replace(/\.ya?ml$/, ''), job.id, job.name ?? ''].flatMap(nameWords);
  if (words.some((w) => /^(?:deploy|deployment|release|rollout|publish|promote|prod|production|staging)$/.test(w))) return false;
  if (job.environment) return false;
  return words.some((w) => /^(?:test|tests|e2e|integration|smoke)$/.test(w));
}

function deploySites(model: RepoModel, pipelines: readonly Pipeline[]): DeploySite[] {
  const sites: DeploySite[] = [];
  for (const { pipeline, job, step } of allSteps(pipelines)) {
    if (testJob(pipeline, job)) continue;
    if (step.run) {
      for (const e of expandScript(model, step.run)) {
        const d = deployCommand(e.argv);
        if (d) sites.push({ ...d, path: step.path, offset: e.offset, end: e.end, job, pipeline });
      }
    }
    if (step.uses) {
      const action = deployActions.find((a) => a.test.test(step.uses!.value));
      if (action) {
        const inputs = Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, v.text]));
        // An SSH step is a deploy when its script restarts the service.
        if (/ssh-action|ssh-run/.test(step.uses.value) && !/docker\s+(?:compose|-compose|stack|service|run)|pm2|systemctl\s+restart|kubectl|git\s+pull/.test(inputs.script ?? inputs.COMMAND ?? '')) continue;
        sites.push({ what: step.uses.value.replace(/@.*$/, ''), path: step.path, offset: step.uses.offset, end: step.uses.end, job, pipeline, safe: action.safe(inputs) });
      }
    }
  }
  for (const { pipeline, job } of runnableJobs(pipelines)) {
    const action = job.uses && deployActions.find((a) => a.test.test(job.uses!.value));
    if (action) {
      const inputs = Object.fromEntries(Object.entries(job.with).map(([k, v]) => [k, v.text]));
      sites.push({ what: job.uses!.value.replace(/@.*$/, ''), path: job.path, offset: job.uses!.offset, end: job.uses!.end, job, pipeline, safe: action.safe(inputs) });
    }
  }
  return sites;
}

export default defineRule({
  meta: {
    id: 'rollback-strategy-missing',
    category: 'delivery',
    checklist: 'CI-5',
    severity: 'medium',
    confidence: 'low',
    stability: 'experimental',
    messages: {
      noRollback:
        'This pipeline deploys with `{{what}}` but the repository shows no automatic rollback (no canary or blue-green rollout, no `helm --atomic`, no ECS circuit breaker with rollback, no `kubectl rollout undo` on failure), so a bad release stays live until someone notices and redeploys by hand. Make failed health checks roll the release back automatically.',
    },
    docs: {
      summary: 'Deployments of long-running services with no visible canary, blue-green or automatic rollback mechanism.',
      why: 'Every release can be bad. When a deploy replaces all instances at once and nothing watches error rates or health checks, the bad version serves all traffic until a human notices, finds the previous version and redeploys it, which is the slowest and most stressful moment to do it.',
      howToFix:
        'Pick the mechanism of your platform: Kubernetes with Argo Rollouts or Flagger (canary with analysis) or at least `helm upgrade --atomic`; ECS with `deployment_circuit_breaker { enable = true, rollback = true }` or CodeDeploy blue-green; Cloud Run with `--no-traffic` then a gradual `update-traffic`; Azure slots with a swap; Fly `strategy = "canary"`; Kamal deploys (health-checked). Add a CI step that rolls back when post-deploy checks fail.',
      examples: {
        invalid: [
          {
            file: '.github/workflows/deploy.yml',
            code: 'on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: helm upgrade --install api ./chart --set image.tag=${{ github.sha }}\n',
          },
        ],
        valid: [
          {
            file: '.github/workflows/deploy.yml',
            code: 'on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: helm upgrade --install --atomic --timeout 5m api ./chart --set image.tag=${{ github.sha }}\n',
          },
        ],
      },
      peers: ['No static peer; Argo Rollouts, Flagger, AWS CodeDeploy and ECS circuit breakers are the mechanisms looked for'],
      limitations: [
        'Heuristic: rollback is accepted if any mechanism appears anywhere in the repository, without proving it covers the deployed service; mechanisms configured outside the repository (a platform setting, an infrastructure repository) are not seen, hence the low confidence.',
        'Platforms whose deploys are atomic and instantly reversible by design (Vercel, Netlify, Cloudflare Pages, Firebase Hosting, GitHub Pages) and package publishing are not treated as deploys.',
        'A Kubernetes rolling update with readiness probes stops a broken rollout but does not roll it back, so it is still reported.',
        'Only reported when a CI pipeline deploys. Jobs named for testing and not for deploying (`upgrade-integration-test.yml`, job `e2e`) deploy to a throwaway environment and are not counted.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const pipelines = pipelinesOf(ctx.model);
    const sites = deploySites(ctx.model, pipelines);
    if (sites.length === 0) {
      ctx.notApplicable('no deployment step found in CI');
      return;
    }
    if (sites.some((s) => s.safe) || hasRollbackEvidence(ctx.model, pipelines)) return;
    const target = sites.find((s) => environmentOf(s.job)?.cls === 'production') ?? sites.find((s) => environmentOf(s.job)?.cls !== 'preview') ?? sites[0]!;
    ctx.report({ messageId: 'noRollback', data: { what: target.what }, path: target.path, range: { start: target.offset, end: target.end } });
  },
});
