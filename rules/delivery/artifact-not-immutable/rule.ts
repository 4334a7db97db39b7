import { isMap, isSeq, type Node } from 'yaml';
import { defineRule } from '../../../src/core/define-rule.js';
import { KeywordSet } from '../../../src/audit/keywords.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { environmentOf } from '../_pipelines/environments.js';
import { imageUses, repoAndTag, type BuildUse } from '../_pipelines/images.js';
import { isPipelinePath, pipelinesOf } from '../_pipelines/pipelines.js';
import { YamlReader } from '../_pipelines/yaml.js';

/** Folders whose manifests are samples or test inputs. */
const notProject = /(?:^|\/)(?:examples?|samples?|fixtures?|__fixtures__|testdata|__tests__|tests?|e2e|docs?|vendor|third[-_]party|node_modules)\//i;
/** Compose files meant for deployment (not the local development stack). */
const deployCompose = /(?:^|\/)(?:docker-)?(?:compose|stack)[.-](?:[\w-]*[.-])?(?:prod|production|staging|stage|stg|deploy|release|live|swarm)(?:[.-][\w-]+)?\.ya?ml$|(?:^|\/)docker-stack[\w.-]*\.ya?ml$/i;
const workloadKinds = /^(?:Deployment|StatefulSet|DaemonSet|Job|CronJob|Pod|ReplicaSet|Rollout|DeploymentConfig|Service|Revision|Configuration)$/;

interface ManifestImage {
  path: string;
  offset: number;
  end: number;
  ref: string;
  implicit: boolean;
}

function isLatest(ref: string): { latest: boolean; implicit: boolean } {
  const { tag, digest } = repoAndTag(ref);
  if (digest) return { latest: false, implicit: false };
  if (tag === undefined) return { latest: true, implicit: true };
  return { latest: tag === 'latest', implicit: false };
}

/** Images of containers in Kubernetes workloads (any depth: pod templates, CronJob job templates, Knative). */
function kubernetesImages(r: YamlReader, root: unknown, out: ManifestImage[]): void {
  const visit = (node: unknown, depth: number): void => {
    if (depth > 12) return;
    const n = r.deref(node);
    if (isSeq(n)) {
      for (const item of n.items) visit(item, depth + 1);
      return;
    }
    if (!isMap(n)) return;
    for (const e of r.entries(n)) {
      if ((e.key === 'containers' || e.key === 'initContainers') && isSeq(r.deref(e.value))) {
        for (const c of r.list(e.value)) {
          const image = r.get(c, 'image');
          const ref = r.str(image);
          if (ref === undefined || /\{\{|\$/.test(ref)) continue;
          const { latest, implicit } = isLatest(ref);
          // An untagged image in a manifest is usually filled in at deploy time (kustomize, skaffold, sed): only
          // an explicit `:latest` is certain.
          if (latest && !implicit) out.push({ path: r.path, offset: r.offset(image), end: r.end(image), ref, implicit });
        }
      } else visit(e.value, depth + 1);
    }
  };
  visit(root, 0);
}

const latestWord = new KeywordSet(['latest']);

function manifestImages(model: RepoModel): ManifestImage[] {
  const out: ManifestImage[] = [];
  for (const file of model.files) {
    if (notProject.test(file.path) || isPipelinePath(file.path) || file.path.startsWith('.github/')) continue;
    if (file.language === 'yaml') {
      const isCompose = deployCompose.test(file.path);
      // Only compose files are read without the word (a lockfile is large and never has it).
      if (!isCompose && !model.mentions(file.path, latestWord)) continue;
      const text = model.text(file.path) ?? '';
      const isValues = /(?:^|\/)values[\w.-]*\.ya?ml$/.test(file.path);
      const isKustomization = /(?:^|\/)kustomization\.ya?ml$/.test(file.path);
      if (!isCompose && !isValues && !isKustomization && !/^\s*kind\s*:/m.test(text)) continue;
      if (!text.includes('latest') && !isCompose) continue;
      for (const doc of model.yaml(file.path)?.documents ?? []) {
        const r = new YamlReader(doc, text, file.path);
        const root = doc.contents;
        if (isCompose) {
          for (const svc of r.entries(r.get(root, 'services'))) {
            if (r.get(svc.value, 'build') !== undefined) continue;
            const image = r.get(svc.value, 'image');
            const ref = r.str(image);
            if (ref === undefined || /\$/.test(ref)) continue;
            const { latest, implicit } = isLatest(ref);
            if (latest) out.push({ path: file.path, offset: r.offset(image), end: r.end(image), ref, implicit });
          }
        } else if (isKustomization) {
          for (const img of r.list(r.get(root, 'images'))) {
            const tag = r.get(img, 'newTag');
            if (r.str(tag) === 'latest') out.push({ path: file.path, offset: r.offset(tag), end: r.end(tag), ref: `${r.str(r.get(img, 'newName')) ?? r.str(r.get(img, 'name')) ?? 'image'}:latest`, implicit: false });
          }
        } else if (isValues) {
          const visit = (node: Node | undefined, depth: number): void => {
            if (depth > 6 || !isMap(r.deref(node))) return;
            for (const e of r.entries(node)) {
              if (e.key === 'tag' && r.str(e.value) === 'latest') {
                const repo = r.str(r.get(node, 'repository')) ?? r.str(r.get(node, 'name'));
                if (repo !== undefined) out.push({ path: file.path, offset: r.offset(e.value), end: r.end(e.value), ref: `${repo}:latest`, implicit: false });
              } else visit(e.value, depth + 1);
            }
          };
          visit(root as Node, 0);
        } else {
          const kind = r.str(r.get(root, 'kind'));
          if (kind && workloadKinds.test(kind) && r.get(root, 'apiVersion') !== undefined) kubernetesImages(r, root, out);
        }
      }
    } else if (file.language === 'hcl' && !notProject.test(file.path)) {
      const text = model.text(file.path) ?? '';
      for (const m of text.matchAll(/\bimage\s*[=:]\s*"([^"$]*:latest)"/g)) {
        const start = m.index + m[0].indexOf(m[1]!);
        out.push({ path: file.path, offset: start, end: start + m[1]!.length, ref: m[1]!, implicit: false });
      }
    } else if (file.language === 'json' && /task-?def(?:inition)?[\w.-]*\.json$|taskdef\.json$/i.test(file.path)) {
      const text = model.text(file.path) ?? '';
      for (const m of text.matchAll(/"image"\s*:\s*"([^"$]*)"/g)) {
        const { latest, implicit } = isLatest(m[1]!);
        if (!latest || /<|\{/.test(m[1]!)) continue;
        const start = m.index + m[0].lastIndexOf(m[1]!);
        out.push({ path: file.path, offset: start, end: start + m[1]!.length, ref: m[1]!, implicit });
      }
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'artifact-not-immutable',
    category: 'delivery',
    checklist: 'CI-4',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      latestOnly:
        'This job publishes the image `{{ref}}` under `latest` only, so no immutable tag identifies what was built: deploys cannot say which build runs, and rollbacks have nothing to return to. Tag every image with the commit SHA (e.g. `:${{ github.sha }}`, `:$CI_COMMIT_SHA`) and deploy that tag; `latest` may be an extra alias.',
      latestDeployed:
        'The deployment runs `{{ref}}`{{how}}, a tag that moves with every push, so which build is live depends on when each node pulled, and a rollback to "the previous version" is impossible. Deploy an immutable reference: the commit-SHA tag or the digest (`image@sha256:…`).',
      rebuilt:
        'The image is built again for `{{env}}` (`{{what}}`) instead of promoting the image that was tested in `{{first}}`, so what reaches {{env}} is a different artifact than the one that passed. Build once, tag it with the commit SHA, and have later environments deploy (retag) that exact image.',
    },
    docs: {
      summary: 'Container images published only as `latest`, deployments that run `latest`, and images rebuilt per environment instead of promoted.',
      why: 'An artifact is only trustworthy if the thing that passed the tests and staging is, byte for byte, the thing in production. A moving `latest` tag and a rebuild per environment both break that: the production image was never tested, and nobody can tell which build is running or return to the previous one.',
      howToFix:
        'Build each image once per commit and tag it immutably (`:sha-<commit>`, or a semantic version); deploy by that tag or by digest; promote between environments by retagging or by changing the deployed reference, never by rebuilding. `latest` may be pushed as an extra convenience alias but never deployed.',
      examples: {
        invalid: [
          {
            file: '.github/workflows/release.yml',
            code: 'on:\n  push:\n    branches: [main]\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build -t ghcr.io/acme/api:latest .\n      - run: docker push ghcr.io/acme/api:latest\n',
          },
        ],
        valid: [
          {
            file: '.github/workflows/release.yml',
            code: 'on:\n  push:\n    branches: [main]\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build -t ghcr.io/acme/api:${{ github.sha }} -t ghcr.io/acme/api:latest .\n      - run: docker push --all-tags ghcr.io/acme/api\n',
            note: '`latest` as an extra alias next to the commit-SHA tag is fine, as long as deployments use the SHA.',
          },
        ],
      },
      peers: ['Checkov CKV_K8S_14 (image tag is not latest or blank)', 'kube-linter `latest-tag`', 'zizmor `unpinned-images` (job containers)'],
      limitations: [
        'Untagged images in Kubernetes manifests are not reported, since kustomize, Skaffold or a CI `sed` usually fill in the tag at deploy time; only an explicit `:latest` is.',
        'A rebuild is recognised from build steps (`docker build`, build-push actions, kaniko, `gcloud builds submit`, `fly deploy` without `--image`…) in jobs whose declared environment or name differs (staging vs production); builds parameterized by a matrix or a reusable workflow input are not told apart.',
        'Compose files count as deployment files only when their name says so (`docker-compose.prod.yml`, `compose.production.yaml`, `docker-stack.yml`).',
        'Only `latest` is treated as a moving tag; environment tags that are moved on promotion (`:production`, `:main`, `:stable`) are not reported.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const pipelines = pipelinesOf(ctx.model);
    const manifests = manifestImages(ctx.model);
    if (pipelines.length === 0 && manifests.length === 0) {
      ctx.notApplicable('no CI configuration and no deployment manifest referencing `latest`');
      return;
    }
    const { uses, builds } = imageUses(ctx.model);

    // Latest-only publishing, per job and repository.
    const byJob = new Map<string, typeof uses>();
    for (const use of uses) {
      if (use.action === 'deploy') continue;
      const key = `${use.job.path}:${use.job.offset}:${repoAndTag(use.ref).repo}`;
      byJob.set(key, [...(byJob.get(key) ?? []), use]);
    }
    for (const group of byJob.values()) {
      const tags = group.map((u) => repoAndTag(u.ref));
      if (!tags.some((t) => t.tag === 'latest') || tags.some((t) => t.tag !== undefined && t.tag !== 'latest')) continue;
      // Tagging `latest` locally (to run a compose file, a smoke test) publishes nothing.
      if (!group.some((u) => u.action === 'push')) continue;
      const first = group.find((u) => repoAndTag(u.ref).tag === 'latest')!;
      ctx.report({ messageId: 'latestOnly', data: { ref: first.ref }, path: first.path, range: { start: first.offset, end: first.end } });
    }

    // Deploying latest.
    for (const use of uses) {
      if (use.action !== 'deploy') continue;
      const helm = use.ref.startsWith('(helm');
      const { latest, implicit } = helm ? { latest: true, implicit: false } : isLatest(use.ref);
      if (!latest || implicit || /\$/.test(use.ref.replace(/^\(helm.*\)$/, ''))) continue;
      ctx.report({ messageId: 'latestDeployed', data: { ref: helm ? 'the chart with `tag=latest`' : use.ref, how: '' }, path: use.path, range: { start: use.offset, end: use.end } });
    }
    for (const image of manifests) {
      ctx.report({
        messageId: 'latestDeployed',
        data: { ref: image.ref, how: image.implicit ? ' (no tag, so implicitly `latest`)' : '' },
        path: image.path,
        range: { start: image.offset, end: image.end },
        confidence: 'high',
      });
    }

    // Rebuilding per environment.
    const perEnv = new Map<string, BuildUse>();
    for (const build of builds) {
      const env = environmentOf(build.job);
      if (!env || env.cls === 'preview' || env.cls === 'development') continue;
      if (!perEnv.has(env.name)) perEnv.set(env.name, build);
    }
    if (perEnv.size >= 2) {
      const entries = [...perEnv.entries()];
      const target = entries.find(([name]) => name === 'production') ?? entries[1]!;
      const first = entries.find((e) => e !== target)!;
      ctx.report({
        messageId: 'rebuilt',
        data: { env: target[0], what: target[1].what, first: first[0] },
        path: target[1].path,
        range: { start: target[1].offset, end: target[1].end },
      });
    }
  },
});
