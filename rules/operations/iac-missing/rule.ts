import { defineRule } from '../../../src/core/define-rule.js';
import { KeywordSet } from '../../../src/audit/keywords.js';
import type { RepoModel, WorkspaceFile } from '../../../src/audit/model.js';

/** Folders whose files never describe what the product deploys. */
const outsideProduct = /(?:^|\/)(?:examples?|samples?|fixtures?|__fixtures__|test-?fixtures|testdata|tests?|__tests__|e2e|docs?|\.devcontainer|vendor|third[-_]party|node_modules|templates?)\//;

const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const lower = (path: string): string => base(path).toLowerCase();

interface Detector {
  name: string;
  test: (file: WorkspaceFile, model: RepoModel) => boolean;
}

const yamlOrJson = (f: WorkspaceFile): boolean => f.language === 'yaml' || f.language === 'json';

/**
 * Words each text pattern below cannot match without, tested on the raw bytes first: the patterns run on every YAML
 * and JSON file, and a repository's locale and fixture files would otherwise all be decoded for nothing.
 */
const cloudFormationWords = new KeywordSet(['AWSTemplateFormatVersion', 'AWS::']);
const armWords = new KeywordSet(['schema.management.azure.com']);
const kubernetesWords = new KeywordSet(['apiVersion:']);
const ansibleWords = new KeywordSet(['hosts:']);
const isCiFile = (path: string): boolean => /^\.github\/|^\.gitlab-ci|^\.circleci\/|^bitbucket-pipelines|^azure-pipelines|^\.buildkite\//.test(path);
const isCompose = (path: string): boolean => /^(?:docker-)?compose(?:[.-][^/]*)?\.ya?ml$/.test(lower(path));

/** CloudFormation and SAM templates, JSON or YAML. */
const cloudFormation = /AWSTemplateFormatVersion|Transform:\s*['"]?AWS::Serverless|["']?Type["']?\s*:\s*["']?AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/;

const kubernetesKinds =
  /^kind:\s*["']?(?:Deployment|StatefulSet|DaemonSet|Service|Ingress|CronJob|Job|Namespace|HelmRelease|Kustomization|Application|ApplicationSet|Rollout|Gateway|HTTPRoute|HorizontalPodAutoscaler|PersistentVolumeClaim|ServiceAccount|ConfigMap|NetworkPolicy)["']?\s*$/m;

/** Infrastructure-as-code formats: the infrastructure (or the platform's services) is declared in files. */
const iacDetectors: Detector[] = [
  { name: 'Terraform / OpenTofu', test: (f) => /\.(?:tf|tofu|tf\.json)$/.test(f.path) || lower(f.path) === 'terragrunt.hcl' },
  { name: 'Pulumi', test: (f) => /^pulumi\.ya?ml$/.test(lower(f.path)) },
  { name: 'AWS CDK', test: (f) => lower(f.path) === 'cdk.json' },
  { name: 'CDK for Terraform', test: (f) => lower(f.path) === 'cdktf.json' },
  { name: 'SST', test: (f) => /^sst\.config\.[cm]?[jt]s$/.test(lower(f.path)) },
  { name: 'Serverless Framework', test: (f) => /^serverless\.(?:ya?ml|json|[cm]?[jt]s)$/.test(lower(f.path)) },
  { name: 'AWS Copilot', test: (f) => /(?:^|\/)copilot\/[^/]+\/manifest\.ya?ml$/.test(f.path) },
  {
    name: 'CloudFormation / SAM',
    test: (f, model) =>
      yamlOrJson(f) &&
      !isCiFile(f.path) &&
      model.textMatches(f.path, cloudFormation, cloudFormationWords),
  },
  { name: 'Bicep / ARM', test: (f, model) => f.path.endsWith('.bicep') || (f.language === 'json' && model.textMatches(f.path, /schema\.management\.azure\.com\/schemas\/[^"]*[dD]eploymentTemplate\.json/, armWords)) },
  { name: 'Helm', test: (f) => lower(f.path) === 'chart.yaml' || /^helmfile\.ya?ml$/.test(lower(f.path)) },
  { name: 'Kustomize', test: (f) => /^kustomization\.ya?ml$/.test(lower(f.path)) },
  {
    name: 'Kubernetes manifests',
    test: (f, model) => {
      if (f.language !== 'yaml' || isCiFile(f.path) || isCompose(f.path) || !model.mentions(f.path, kubernetesWords)) return false;
      const text = model.text(f.path) ?? '';
      return /^apiVersion:\s*\S+/m.test(text) && kubernetesKinds.test(text);
    },
  },
  {
    name: 'Ansible',
    test: (f, model) =>
      lower(f.path) === 'ansible.cfg' ||
      /(?:^|\/)roles\/[^/]+\/tasks\/main\.ya?ml$/.test(f.path) ||
      (f.language === 'yaml' && !isCiFile(f.path) && model.textMatches(f.path, /^- (?:name:.*\n\s+)?hosts:\s*\S/m, ansibleWords) && /^\s+(?:tasks|roles):/m.test(model.text(f.path) ?? '')),
  },
  { name: 'Nomad', test: (f) => /\.nomad(?:\.hcl)?$/.test(f.path) },
];

/** Platform manifests: the hosting platform builds the runtime from them (databases and networks included where supported). */
const platformDetectors: Detector[] = [
  { name: 'Render blueprint', test: (f) => lower(f.path) === 'render.yaml' },
  { name: 'Fly.io', test: (f) => lower(f.path) === 'fly.toml' },
  { name: 'Google App Engine', test: (f, model) => /^app\.ya?ml$/.test(lower(f.path)) && /^runtime:/m.test(model.text(f.path) ?? '') },
  { name: 'Vercel', test: (f) => lower(f.path) === 'vercel.json' },
  { name: 'Netlify', test: (f) => lower(f.path) === 'netlify.toml' },
  { name: 'Railway', test: (f) => /^railway\.(?:json|toml)$/.test(lower(f.path)) },
  { name: 'Cloudflare Workers', test: (f) => /^wrangler\.(?:toml|json|jsonc)$/.test(lower(f.path)) },
  { name: 'Platform.sh / Upsun', test: (f) => lower(f.path) === '.platform.app.yaml' || f.path.startsWith('.upsun/') },
  { name: 'AWS App Runner', test: (f) => lower(f.path) === 'apprunner.yaml' },
  { name: 'AWS Amplify', test: (f) => /^amplify\.ya?ml$/.test(lower(f.path)) },
  { name: 'Elastic Beanstalk', test: (f) => f.path.startsWith('.ebextensions/') || lower(f.path) === 'dockerrun.aws.json' },
  { name: 'Kamal', test: (f, model) => /(?:^|\/)config\/deploy(?:\.[\w-]+)?\.ya?ml$/.test(f.path) && /^servers:/m.test(model.text(f.path) ?? '') },
  { name: 'Heroku app.json', test: (f, model) => f.path === 'app.json' && /"(?:formation|addons|buildpacks)"\s*:/.test(model.text(f.path) ?? '') },
];

/** CI commands and actions that push a release somewhere. Publishing packages and docs sites does not count. */
const deployCommand =
  /\b(?:kubectl\s+(?:apply|set\s+image|rollout)|helm\s+(?:upgrade|install)|aws\s+(?:ecs\s+update-service|deploy\s|lambda\s+update-function-code|elasticbeanstalk)|gcloud\s+(?:run|app|functions)\s+deploy|flyctl\s+deploy|fly\s+deploy|heroku\s+(?:container:release|releases)|git\s+push\s+(?:https:\/\/[^\s]*)?heroku|az\s+(?:webapp|containerapp|functionapp)\s+(?:deploy|up|update)|(?:serverless|sls)\s+deploy|cdk\s+deploy|eb\s+deploy|docker\s+stack\s+deploy|kamal\s+deploy|railway\s+up|dokku|capistrano|cap\s+production\s+deploy)\b|\buses:\s*['"]?(?:aws-actions\/amazon-ecs-deploy-task-definition|google-github-actions\/deploy-(?:cloudrun|appengine|cloud-functions)|azure\/(?:webapps-deploy|k8s-deploy|functions-action|container-apps-deploy-action)|superfly\/flyctl-actions|akhileshns\/heroku-deploy|appleboy\/ssh-action|deliverybot\/helm|bitovi\/github-actions-deploy)/;

interface Signal {
  what: string;
  path: string;
}

function deploySignals(model: RepoModel): Signal[] {
  const signals: Signal[] = [];
  for (const f of model.files) {
    if (outsideProduct.test(f.path)) continue;
    if (f.language === 'dockerfile') signals.push({ what: 'a Dockerfile', path: f.path });
    else if (base(f.path) === 'Procfile') signals.push({ what: 'a Procfile', path: f.path });
    else if (isCompose(f.path) && /prod/i.test(base(f.path))) signals.push({ what: 'a production compose file', path: f.path });
    else if ((isCiFile(f.path) || /^(?:jenkinsfile|\.drone\.ya?ml|cloudbuild\.ya?ml|buildspec\.ya?ml)$/.test(lower(f.path))) && deployCommand.test(model.text(f.path) ?? '')) {
      signals.push({ what: 'a deployment step in CI', path: f.path });
    }
  }
  return signals;
}

function found(model: RepoModel, detectors: Detector[]): string[] {
  const names = new Set<string>();
  for (const f of model.files) {
    if (/(?:^|\/)(?:node_modules|vendor)\//.test(f.path)) continue;
    for (const d of detectors) if (!names.has(d.name) && d.test(f, model)) names.add(d.name);
  }
  return [...names];
}

export default defineRule({
  meta: {
    id: 'iac-missing',
    category: 'operations',
    checklist: 'OPS-1',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'This repository ships something to run ({{signals}}) but has no infrastructure as code, so the servers, databases and networks it runs on exist only as manual changes that nobody can review, repeat or rebuild for staging. Describe them with Terraform/OpenTofu, Pulumi, CDK, CloudFormation or Kubernetes manifests, or point to the repository that does.',
    },
    docs: {
      summary: 'A repository that builds something to deploy (a Dockerfile, a deployment step in CI, a Procfile) but has no infrastructure as code.',
      why: 'Infrastructure set up by hand in a console cannot be reviewed, cannot be rebuilt identically for staging or after an incident, and drifts silently. Infrastructure as code makes the environment as reproducible and reviewable as the application itself.',
      howToFix:
        'Describe the runtime environment in code next to the application (or in a dedicated infrastructure repository): Terraform/OpenTofu modules per environment, Pulumi, AWS CDK, CloudFormation/SAM, Bicep, or Kubernetes manifests/Helm charts for what runs on a cluster. If the infrastructure lives in another repository, suppress this finding and name it in the reason.',
      examples: {
        invalid: [
          {
            file: 'Dockerfile',
            code: 'FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD ["node", "server.js"]\n',
            context: { 'package.json': '{ "name": "api", "private": true, "scripts": { "start": "node server.js" } }\n' },
          },
        ],
        valid: [
          {
            file: 'infra/main.tf',
            code: 'module "service" {\n  source = "./modules/ecs-service"\n  image  = var.image\n}\n',
            context: { Dockerfile: 'FROM node:22-slim\nCMD ["node", "server.js"]\n' },
          },
          {
            file: 'fly.toml',
            code: 'app = "acme-api"\nprimary_region = "ams"\n\n[http_service]\n  internal_port = 8080\n  force_https = true\n',
            context: { Dockerfile: 'FROM node:22-slim\nCMD ["node", "server.js"]\n' },
            note: 'A platform manifest (Fly.io, Render, Vercel, Netlify, App Engine, Cloudflare Workers...) declares the runtime and counts as infrastructure as code.',
          },
        ],
      },
      peers: [],
      limitations: [
        'Infrastructure kept in a separate repository cannot be seen; suppress the finding with a reason naming that repository.',
        'A Docker Compose file alone is not counted as infrastructure as code: it describes containers on one host, usually for development. A compose file named for production counts as something to deploy.',
        'Platform manifests (Render, Fly.io, Vercel, Netlify, App Engine, Railway, Cloudflare Workers, Platform.sh, App Runner, Amplify, Elastic Beanstalk, Kamal, Heroku `app.json`) are accepted as infrastructure as code, although some platforms keep part of the configuration (domains, secrets) in their dashboard.',
        'Ansible playbooks and roles are accepted: they provision and configure servers from code.',
        'Dockerfiles under examples, tests, docs and `.devcontainer` are not taken as something to deploy. A library that ships a Dockerfile only for its users may be reported; suppress it with a reason.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const signals = deploySignals(ctx.model);
    if (signals.length === 0) {
      ctx.notApplicable('nothing in the repository is deployed (no Dockerfile, Procfile or deployment step in CI)');
      return;
    }
    if (found(ctx.model, iacDetectors).length > 0 || found(ctx.model, platformDetectors).length > 0) return;
    const kinds = [...new Set(signals.map((s) => s.what))];
    const first = signals[0]!;
    ctx.report({
      messageId: 'missing',
      data: { signals: `${kinds.join(', ')}, e.g. \`${first.path}\`` },
    });
  },
});
