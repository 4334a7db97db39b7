/**
 * Container image references a pipeline builds, tags, pushes or deploys, located in the CI file: `docker build -t`,
 * `docker tag`, `docker push`, kaniko `--destination`, `docker/build-push-action` tags, `kubectl set image`,
 * `gcloud run deploy --image`…
 */
import type { RepoModel } from '../../../src/audit/model.js';
import { allSteps, pipelinesOf, type Pipeline, type PipelineJob, type PipelineStep } from './pipelines.js';
import { commandsIn } from './shell.js';
import type { Script } from './yaml.js';

export interface ImageUse {
  action: 'build' | 'tag' | 'push' | 'deploy';
  ref: string;
  path: string;
  offset: number;
  end: number;
  pipeline: Pipeline;
  job: PipelineJob;
  step: PipelineStep;
}

/** A command that builds an image (from a Dockerfile or sources), for the rebuild-per-environment check. */
export interface BuildUse {
  what: string;
  path: string;
  offset: number;
  end: number;
  pipeline: Pipeline;
  job: PipelineJob;
}

function bin(word: string | undefined): string {
  return (word ?? '').replace(/^.*\//, '');
}

function locate(script: Script, from: number, word: string): { offset: number; end: number } {
  const at = script.text.indexOf(word, from);
  const start = script.offsetAt(at === -1 ? from : at);
  return { offset: start, end: start + (at === -1 ? 1 : word.length) };
}

function flagValues(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
      else if (a.startsWith(`${n}=`)) out.push(a.slice(n.length + 1));
      else if (n.length === 2 && a.startsWith(n) && a.length > 2 && !a.startsWith('--')) out.push(a.slice(2));
    }
  }
  return out;
}

const buildActions = /^(?:docker\/build-push-action|redhat-actions\/buildah-build|docker\/bake-action|mr-smithers-excellent\/docker-build-push|aevea\/action-kaniko|int128\/kaniko-action|elgohr\/publish-docker-github-action)@/i;
const deployImageInputs: Array<{ action: RegExp; input: string }> = [
  { action: /^google-github-actions\/deploy-cloudrun@/i, input: 'image' },
  { action: /^azure\/container-apps-deploy-action@/i, input: 'imageToDeploy' },
  { action: /^azure\/webapps-deploy@/i, input: 'images' },
  { action: /^aws-actions\/amazon-ecs-render-task-definition@/i, input: 'image' },
];

function scriptUses(script: Script, base: Omit<ImageUse, 'action' | 'ref' | 'offset' | 'end'>, uses: ImageUse[], builds: BuildUse[]): void {
  for (const inv of commandsIn(script.text)) {
    const argv = inv.argv;
    const b = bin(argv[0]);
    const sub = argv[1] ?? '';
    const here = (word: string): { offset: number; end: number } => locate(script, inv.start, word);
    const isBuild =
      ((b === 'docker' || b === 'podman') && (sub === 'build' || (sub === 'buildx' && argv[2] === 'build') || (sub === 'image' && argv[2] === 'build') || (sub === 'compose' && argv.includes('build')))) ||
      (b === 'buildah' && (sub === 'bud' || sub === 'build')) ||
      (b === 'docker-compose' && sub === 'build') ||
      b === 'executor' ||
      (b === 'gcloud' && argv.includes('builds') && argv.includes('submit')) ||
      (b === 'gcloud' && argv.includes('run') && argv.includes('deploy') && argv.some((a) => a === '--source' || a.startsWith('--source='))) ||
      (b === 'az' && sub === 'acr' && argv[2] === 'build') ||
      (b === 'pack' && sub === 'build') ||
      (b === 'nixpacks' && sub === 'build') ||
      ((b === 'fly' || b === 'flyctl') && sub === 'deploy' && !argv.some((a) => a === '--image' || a === '-i' || a.startsWith('--image='))) ||
      (b === 'heroku' && sub === 'container:push');
    if (isBuild) {
      const at = here(argv[0]!);
      builds.push({ what: argv.slice(0, 3).join(' '), path: base.path, ...at, pipeline: base.pipeline, job: base.job });
    }
    if (((b === 'docker' || b === 'podman') && (sub === 'build' || (sub === 'buildx' && argv[2] !== 'imagetools') || sub === 'image')) || (b === 'buildah' && (sub === 'bud' || sub === 'build'))) {
      const pushes = argv.includes('--push') || argv.some((a) => /^--output=.*push=true/.test(a));
      for (const ref of flagValues(argv, ['-t', '--tag'])) uses.push({ ...base, action: pushes ? 'push' : 'build', ref, ...here(ref) });
    }
    // `imagetools create -t` writes the tag to the registry.
    if ((b === 'docker' || b === 'podman') && sub === 'buildx' && argv[2] === 'imagetools') for (const ref of flagValues(argv, ['-t', '--tag'])) uses.push({ ...base, action: 'push', ref, ...here(ref) });
    if ((b === 'docker' || b === 'podman' || b === 'buildah') && sub === 'tag' && argv[3]) uses.push({ ...base, action: 'tag', ref: argv[3], ...here(argv[3]) });
    if ((b === 'docker' || b === 'podman' || b === 'buildah') && sub === 'push') {
      const ref = argv.slice(2).find((a) => !a.startsWith('-'));
      if (ref && !argv.includes('--all-tags') && !argv.includes('-a')) uses.push({ ...base, action: 'push', ref, ...here(ref) });
    }
    if (b === 'executor' || b === 'kaniko') for (const ref of flagValues(argv, ['--destination', '-d'])) uses.push({ ...base, action: 'push', ref, ...here(ref) });
    // Deploying a reference.
    if (b === 'kubectl' && sub === 'set' && argv[2] === 'image') {
      for (const a of argv.slice(3)) if (/^[\w.-]+=/.test(a)) uses.push({ ...base, action: 'deploy', ref: a.slice(a.indexOf('=') + 1), ...here(a) });
    }
    if (b === 'kubectl' && (sub === 'run' || sub === 'create')) for (const ref of flagValues(argv, ['--image'])) uses.push({ ...base, action: 'deploy', ref, ...here(ref) });
    if ((b === 'gcloud' && argv.includes('deploy')) || (b === 'az' && (sub === 'containerapp' || sub === 'container')) || ((b === 'fly' || b === 'flyctl') && sub === 'deploy') || (b === 'docker' && sub === 'service')) {
      for (const ref of flagValues(argv, ['--image', '-i'])) uses.push({ ...base, action: 'deploy', ref, ...here(ref) });
    }
    if (b === 'az' && sub === 'webapp') for (const ref of flagValues(argv, ['--docker-custom-image-name', '--container-image-name', '--deployment-container-image-name'])) uses.push({ ...base, action: 'deploy', ref, ...here(ref) });
    if (b === 'helm' && (sub === 'upgrade' || sub === 'install')) {
      for (const set of flagValues(argv, ['--set', '--set-string'])) {
        for (const part of set.split(',')) {
          const m = /^(?:[\w.-]+\.)?tag=(latest)$/.exec(part);
          if (m) uses.push({ ...base, action: 'deploy', ref: `(helm ${part})`, ...here(part) });
        }
      }
    }
  }
}

const cache = new WeakMap<RepoModel, { uses: ImageUse[]; builds: BuildUse[] }>();

/** Image references and image builds of the repository's pipelines (memoized per model). */
export function imageUses(model: RepoModel): { uses: ImageUse[]; builds: BuildUse[] } {
  const cached = cache.get(model);
  if (cached) return cached;
  const pipelines = pipelinesOf(model);
  const uses: ImageUse[] = [];
  const builds: BuildUse[] = [];
  for (const { pipeline, job, step } of allSteps(pipelines)) {
    const base = { path: step.path, pipeline, job, step };
    if (step.run) scriptUses(step.run, base, uses, builds);
    const action = step.uses?.value ?? '';
    if (buildActions.test(action)) {
      builds.push({ what: action.replace(/@.*/, ''), path: step.path, offset: step.uses!.offset, end: step.uses!.end, pipeline, job });
      const tags = step.with.tags;
      if (tags) {
        // One tag per line or comma-separated; a line starting with `#` is not a tag.
        for (const m of tags.text.replace(/^\s*#.*$/gm, (line) => ' '.repeat(line.length)).matchAll(/[^\s,]+/g)) {
          const start = tags.offsetAt(m.index);
          uses.push({ ...base, action: step.with.push?.text === 'true' ? 'push' : 'build', ref: m[0], offset: start, end: start + m[0].length });
        }
      }
    }
    for (const { action: re, input } of deployImageInputs) {
      const value = step.with[input];
      if (re.test(action) && value) uses.push({ ...base, action: 'deploy', ref: value.text.trim(), offset: value.offsetAt(0), end: value.offsetAt(0) + value.text.length });
    }
  }
  const result = { uses, builds };
  cache.set(model, result);
  return result;
}

/** Repository and tag of an image reference (`$IMAGE:latest` → `$IMAGE`, `latest`); untagged references have no tag. */
export function repoAndTag(ref: string): { repo: string; tag?: string; digest: boolean } {
  const clean = ref.replace(/^["']|["']$/g, '').replace(/^docker:\/\//, '');
  const digest = clean.includes('@sha256:');
  const noDigest = clean.replace(/@sha256:.*$/, '');
  // The tag separator is the last colon after the last slash that is not inside `${{ }}` or `${VAR:-x}`.
  let depth = 0;
  let colon = -1;
  let slash = -1;
  for (let i = 0; i < noDigest.length; i++) {
    const c = noDigest[i];
    if (c === '$' && noDigest[i + 1] === '{') depth++;
    else if (c === '}' && depth > 0 && noDigest[i + 1] !== '}') depth--;
    else if (depth === 0 && c === '/') slash = i;
    else if (depth === 0 && c === ':') colon = i;
  }
  if (colon > slash) return { repo: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1), digest };
  return { repo: noDigest, digest };
}
