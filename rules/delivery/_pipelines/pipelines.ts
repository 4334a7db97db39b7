/**
 * Reads every CI pipeline of a repository into one normalized shape (pipelines → jobs → steps, with commands and
 * `uses` references located in the file), so the delivery rules never walk provider YAML themselves.
 */
import type { Node } from 'yaml';
import type { RepoModel } from '../../../src/audit/model.js';
import { syntheticScript, YamlReader, type Script } from './yaml.js';

export type { Script } from './yaml.js';

export type Provider = 'github' | 'gitlab' | 'circleci' | 'bitbucket' | 'azure' | 'travis';

export interface Located {
  value: string;
  offset: number;
  end: number;
}

export interface Permissions {
  offset: number;
  /** `write-all`, or every scope written out as write. */
  writeAll: boolean;
  /** Scope → access (`read`, `write`, `none`); empty for the `read-all`/`write-all`/`{}` forms. */
  scopes: Record<string, string>;
  raw: string | undefined;
}

export interface PipelineStep {
  path: string;
  offset: number;
  name?: string;
  /** The shell commands of the step (`run:`, `script:`, `command:`, a GitLab `script` list…). */
  run?: Script;
  /** An action, orb command, pipe or task reference: `owner/repo@ref`, `docker://img`, `orb/cmd`, `task:Npm@1`. */
  uses?: Located;
  /** Inputs of `uses` (`with:`, `inputs:`, `variables:`, orb parameters). */
  with: Record<string, Script>;
}

export interface PipelineJob {
  id: string;
  path: string;
  /** Offset of the job's key (or list item) in its file. */
  offset: number;
  name?: string;
  /** Deployment environment (`environment:`, Bitbucket `deployment:`, an Azure deployment job). */
  environment?: Located;
  permissions?: Permissions;
  /** The job's container image(s). */
  images: Located[];
  /** A reusable workflow (GitHub job `uses:`) or an orb job (CircleCI workflow entry `node/test`). */
  uses?: Located;
  with: Record<string, Script>;
  steps: PipelineStep[];
  /** GitLab hidden (`.template`) jobs and CircleCI `commands:`: definitions, not runs of their own. */
  template: boolean;
  /** Azure deployment strategy (`runOnce`, `rolling`, `canary`) and whether it has an `on: failure` hook. */
  strategy?: { kind: string; onFailure: boolean };
  /** GitHub `strategy.matrix` axes whose values are plain scalars (`job: [build, test, typecheck]`). */
  matrix?: Record<string, string[]>;
}

export interface Pipeline {
  provider: Provider;
  path: string;
  /** `workflow` (GitHub workflow or other provider's pipeline), `action` (composite action), `include` (GitLab/Azure template file). */
  kind: 'workflow' | 'action' | 'include';
  /** Events that run it: GitHub `on:` keys; `push`/`pull_request` for providers that run on changes by default. */
  triggers: string[];
  /** Trigger filters as text (branches, tags), for rules that need to know what a push means. */
  triggerDetail: Record<string, unknown>;
  permissions?: Permissions;
  /** Where findings about the whole file point: the `on:` key, else the first key. */
  anchor: number;
  /** Offset of the `jobs:` key (GitHub), or the anchor. */
  jobsOffset: number;
  jobs: PipelineJob[];
  /** Included templates by name (GitLab `include: template:`/`component:`, remote and project includes). */
  includes: Located[];
  /** Top-level images (GitLab/Bitbucket `image:`, CircleCI executors). */
  images: Located[];
}

const githubWorkflow = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const compositeAction = /(?:^|\/)action\.ya?ml$/;
const gitlabRoot = /^\.gitlab-ci\.ya?ml$/;
const circleci = /^\.circleci\/[^/]+\.ya?ml$/;
const bitbucket = /^bitbucket-pipelines\.ya?ml$/;
const travis = /^\.travis\.ya?ml$/;
/** Azure Pipelines files can live anywhere; these are the conventional names and folders. */
const azure = /(?:^|\/)azure-pipelines[^/]*\.ya?ml$|^\.?azure-pipelines\/.+\.ya?ml$|^\.azuredevops\/.+\.ya?ml$|^\.?pipelines\/.+\.ya?ml$/;

/** The CI system a configuration path belongs to (not counting files only reachable through includes). */
export function providerOfPath(path: string): Provider | undefined {
  if (githubWorkflow.test(path)) return 'github';
  if (gitlabRoot.test(path)) return 'gitlab';
  if (circleci.test(path)) return 'circleci';
  if (bitbucket.test(path)) return 'bitbucket';
  if (travis.test(path)) return 'travis';
  if (azure.test(path)) return 'azure';
  return undefined;
}

export function isPipelinePath(path: string): boolean {
  return providerOfPath(path) !== undefined;
}

const cache = new WeakMap<RepoModel, Pipeline[]>();

/** Every pipeline of the repository, memoized per model (all delivery rules share one read). */
export function pipelinesOf(model: RepoModel): Pipeline[] {
  let found = cache.get(model);
  if (!found) {
    found = readPipelines(model);
    cache.set(model, found);
  }
  return found;
}

/** Jobs that really run: templates left out, each job once even when YAML anchors repeat it. */
export function runnableJobs(pipelines: readonly Pipeline[]): Array<{ pipeline: Pipeline; job: PipelineJob }> {
  const seen = new Set<string>();
  const out: Array<{ pipeline: Pipeline; job: PipelineJob }> = [];
  for (const pipeline of pipelines) {
    for (const job of pipeline.jobs) {
      const key = `${job.path}:${job.offset}:${job.id}`;
      if (job.template || seen.has(key)) continue;
      seen.add(key);
      out.push({ pipeline, job });
    }
  }
  return out;
}

/** Every step of every job (templates included: a GitLab `.test` template's script runs wherever it is extended). */
export function allSteps(pipelines: readonly Pipeline[]): Array<{ pipeline: Pipeline; job: PipelineJob; step: PipelineStep }> {
  const seen = new Set<string>();
  const out: Array<{ pipeline: Pipeline; job: PipelineJob; step: PipelineStep }> = [];
  for (const pipeline of pipelines) {
    for (const job of pipeline.jobs) {
      for (const step of job.steps) {
        const key = `${step.path}:${step.offset}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ pipeline, job, step });
      }
    }
  }
  return out;
}

/** Events that run a pipeline for proposed or landed changes (as opposed to schedules and manual runs). */
const changeTriggers = new Set(['push', 'pull_request', 'pull_request_target', 'merge_group', 'merge_request', 'workflow_call']);

/** True when the pipeline runs on changes: pushes, pull/merge requests, or as a reusable piece of one. */
export function runsOnChanges(pipeline: Pipeline): boolean {
  return pipeline.kind !== 'workflow' || pipeline.triggers.some((t) => changeTriggers.has(t));
}

/**
 * The file a repository-level finding about "the CI" points at: the first pipeline that runs on pull requests,
 * else the first that runs on changes, else the first.
 */
export function primaryPipeline(pipelines: readonly Pipeline[]): Pipeline | undefined {
  const workflows = pipelines.filter((p) => p.kind === 'workflow');
  const named = (p: Pipeline): boolean => /(?:^|\/)(?:ci|main|test|tests|checks?|build|pr|pull[-_]requests?|verify|validate|lint)\.ya?ml$/i.test(p.path) || p.provider !== 'github';
  const onPulls = (p: Pipeline): boolean => p.triggers.some((t) => t === 'pull_request' || t === 'merge_request' || t === 'pull_request_target');
  return (
    workflows.find((p) => onPulls(p) && named(p)) ??
    workflows.find(onPulls) ??
    workflows.find((p) => runsOnChanges(p) && named(p)) ??
    workflows.find(runsOnChanges) ??
    workflows[0] ??
    pipelines[0]
  );
}

function readPipelines(model: RepoModel): Pipeline[] {
  const out: Pipeline[] = [];
  for (const file of model.files) {
    const path = file.path;
    if (file.language !== 'yaml') continue;
    if (githubWorkflow.test(path)) out.push(...withReader(model, path, (r) => [readGithubWorkflow(r)]));
    else if (compositeAction.test(path)) out.push(...withReader(model, path, (r) => readCompositeAction(r)));
    else if (gitlabRoot.test(path)) out.push(...readGitlab(model, path));
    else if (circleci.test(path)) out.push(...withReader(model, path, (r) => readCircleci(r)));
    else if (bitbucket.test(path)) out.push(...withReader(model, path, (r) => [readBitbucket(r)]));
    else if (travis.test(path)) out.push(...withReader(model, path, (r) => [readTravis(r)]));
    else if (azure.test(path) && looksLikeAzure(model, path)) out.push(...readAzure(model, path, 'workflow', new Set()));
  }
  return out;
}

/** A file in a `pipelines/` folder is an Azure pipeline only if it has the shape of one. */
function looksLikeAzure(model: RepoModel, path: string): boolean {
  if (/(?:^|\/)azure-pipelines[^/]*\.ya?ml$/.test(path)) return true;
  return /^(?:trigger|pr|stages|jobs|steps|pool|extends|resources|schedules)\s*:/m.test(model.text(path) ?? '');
}

function readerFor(model: RepoModel, path: string): YamlReader | undefined {
  const parsed = model.yaml(path);
  const doc = parsed?.documents[0];
  const text = model.text(path);
  if (!doc || text === undefined || doc.contents === null) return undefined;
  return new YamlReader(doc, text, path);
}

function withReader(model: RepoModel, path: string, read: (r: YamlReader) => Pipeline[]): Pipeline[] {
  const reader = readerFor(model, path);
  return reader ? read(reader) : [];
}

function located(r: YamlReader, node: unknown): Located | undefined {
  const value = r.str(node);
  return value === undefined ? undefined : { value, offset: r.offset(node), end: r.end(node) };
}

function firstKeyOffset(r: YamlReader): number {
  return r.entries(r.doc.contents)[0]?.keyOffset ?? 0;
}

function emptyPipeline(provider: Provider, path: string, kind: Pipeline['kind'], anchor: number): Pipeline {
  return { provider, path, kind, triggers: [], triggerDetail: {}, anchor, jobsOffset: anchor, jobs: [], includes: [], images: [] };
}

// ---------------------------------------------------------------- GitHub Actions

function readPermissions(r: YamlReader, node: Node | undefined, offset: number): Permissions | undefined {
  if (node === undefined) return undefined;
  const raw = r.str(node);
  if (raw !== undefined) return { offset, writeAll: raw === 'write-all', scopes: {}, raw };
  const scopes: Record<string, string> = {};
  for (const e of r.entries(node)) scopes[e.key] = r.str(e.value) ?? '';
  const values = Object.values(scopes);
  return { offset, writeAll: false, scopes, raw: values.length === 0 ? '{}' : undefined };
}

function readGithubSteps(r: YamlReader, node: Node | undefined): PipelineStep[] {
  return r.list(node).flatMap((item): PipelineStep[] => {
    if (!r.map(item)) return [];
    const run = r.script(r.get(item, 'run'));
    const uses = located(r, r.get(item, 'uses'));
    const name = r.str(r.get(item, 'name'));
    return [
      {
        path: r.path,
        offset: r.offset(item),
        ...(name !== undefined ? { name } : {}),
        ...(run ? { run } : {}),
        ...(uses ? { uses } : {}),
        with: r.scripts(r.get(item, 'with')),
      },
    ];
  });
}

function githubImages(r: YamlReader, job: Node | undefined): Located[] {
  const images: Located[] = [];
  const container = r.get(job, 'container');
  const image = located(r, r.str(container) !== undefined ? container : r.get(container, 'image'));
  if (image) images.push(image);
  for (const service of r.entries(r.get(job, 'services'))) {
    const img = located(r, r.str(service.value) !== undefined ? service.value : r.get(service.value, 'image'));
    if (img) images.push(img);
  }
  return images;
}

function readGithubWorkflow(r: YamlReader): Pipeline {
  const root = r.doc.contents;
  const on = r.entries(root).find((e) => e.key === 'on' || e.key === 'true');
  const pipeline = emptyPipeline('github', r.path, 'workflow', on?.keyOffset ?? firstKeyOffset(r));
  if (on) {
    const single = r.str(on.value);
    if (single !== undefined) pipeline.triggers = [single];
    else if (r.seq(on.value)) pipeline.triggers = r.list(on.value).flatMap((n) => r.str(n) ?? []);
    else {
      for (const e of r.entries(on.value)) {
        pipeline.triggers.push(e.key);
        pipeline.triggerDetail[e.key] = r.json(e.value);
      }
    }
  }
  const perms = r.entry(root, 'permissions');
  if (perms) pipeline.permissions = readPermissions(r, perms.value, perms.keyOffset);
  const jobs = r.entry(root, 'jobs');
  if (jobs) pipeline.jobsOffset = jobs.keyOffset;
  for (const e of r.entries(jobs?.value)) {
    const job = e.value;
    const jobPerms = r.entry(job, 'permissions');
    const envNode = r.get(job, 'environment');
    const environment = located(r, r.str(envNode) !== undefined ? envNode : r.get(envNode, 'name'));
    const uses = located(r, r.get(job, 'uses'));
    const name = r.str(r.get(job, 'name'));
    const permissions = jobPerms ? readPermissions(r, jobPerms.value, jobPerms.keyOffset) : undefined;
    const matrix: Record<string, string[]> = {};
    for (const axis of r.entries(r.get(r.get(job, 'strategy'), 'matrix'))) {
      const values = r.list(axis.value).map((v) => r.str(v));
      if (values.length > 0 && values.every((v): v is string => v !== undefined)) matrix[axis.key] = values;
    }
    pipeline.jobs.push({
      id: e.key,
      path: r.path,
      offset: e.keyOffset,
      ...(name !== undefined ? { name } : {}),
      ...(environment ? { environment } : {}),
      ...(permissions ? { permissions } : {}),
      images: githubImages(r, job),
      ...(uses ? { uses } : {}),
      with: r.scripts(r.get(job, 'with')),
      steps: readGithubSteps(r, r.get(job, 'steps')),
      template: false,
      ...(Object.keys(matrix).length > 0 ? { matrix } : {}),
    });
  }
  return pipeline;
}

function readCompositeAction(r: YamlReader): Pipeline[] {
  const runs = r.get(r.doc.contents, 'runs');
  const using = r.str(r.get(runs, 'using'));
  if (using !== 'composite') return [];
  const pipeline = emptyPipeline('github', r.path, 'action', firstKeyOffset(r));
  const runsEntry = r.entry(r.doc.contents, 'runs');
  pipeline.jobs.push({
    id: 'composite',
    path: r.path,
    offset: runsEntry?.keyOffset ?? 0,
    images: [],
    with: {},
    steps: readGithubSteps(r, r.get(runs, 'steps')),
    template: false,
  });
  return [pipeline];
}

// ---------------------------------------------------------------- GitLab CI

const gitlabReserved = new Set(['stages', 'variables', 'include', 'default', 'workflow', 'image', 'services', 'before_script', 'after_script', 'cache', 'types', 'spec']);

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${out}$`);
}

function gitlabImage(r: YamlReader, node: Node | undefined): Located | undefined {
  return located(r, r.str(node) !== undefined ? node : r.get(node, 'name'));
}

/** Resolves GitLab's `!reference [.job, script]` tag to the referenced list, within the same file. */
function gitlabScript(r: YamlReader, node: Node | undefined): Script | undefined {
  const seq = r.seq(node);
  if (!seq) return r.script(node);
  const items: Node[] = [];
  for (const item of seq.items) {
    const s = r.seq(item);
    if (s && s.tag === '!reference') {
      const path = r.list(s).map((n) => r.str(n) ?? '');
      let target: Node | undefined = r.doc.contents as Node;
      for (const key of path) target = r.get(target, key);
      items.push(...r.list(target));
    } else if (item) items.push(item as Node);
  }
  const scripts = items.map((i) => r.script(i)).filter((s): s is Script => s !== undefined);
  if (scripts.length === 0) return undefined;
  // Several pieces: join them; offsets follow each piece.
  const starts: number[] = [];
  let pos = 0;
  for (const s of scripts) {
    starts.push(pos);
    pos += s.text.length + 1;
  }
  return {
    text: scripts.map((s) => s.text).join('\n'),
    path: r.path,
    offsetAt(index) {
      let k = 0;
      while (k + 1 < starts.length && starts[k + 1]! <= index) k++;
      return scripts[k]!.offsetAt(index - starts[k]!);
    },
  };
}

function readGitlabFile(r: YamlReader, kind: Pipeline['kind']): { pipeline: Pipeline; localIncludes: string[] } {
  const root = r.doc.contents;
  const pipeline = emptyPipeline('gitlab', r.path, kind, firstKeyOffset(r));
  pipeline.triggers = ['push', 'merge_request'];
  const workflowRules = r.json(r.get(r.get(root, 'workflow'), 'rules'));
  if (workflowRules !== undefined) pipeline.triggerDetail.rules = workflowRules;
  const localIncludes: string[] = [];
  for (const inc of r.list(r.get(root, 'include'))) {
    const plain = r.str(inc);
    if (plain !== undefined) {
      if (/^https?:/.test(plain)) pipeline.includes.push(located(r, inc)!);
      else localIncludes.push(plain);
      continue;
    }
    for (const e of r.entries(inc)) {
      const value = located(r, e.value);
      if (!value) continue;
      if (e.key === 'local') localIncludes.push(value.value);
      else if (e.key === 'template' || e.key === 'component' || e.key === 'remote' || e.key === 'project') pipeline.includes.push(value);
      else if (e.key === 'file') for (const f of r.list(e.value)) if (r.str(f)) pipeline.includes.push(located(r, f)!);
    }
  }
  const topImage = gitlabImage(r, r.get(root, 'image'));
  if (topImage) pipeline.images.push(topImage);
  const defaults = r.get(root, 'default');
  const defImage = gitlabImage(r, r.get(defaults, 'image'));
  if (defImage) pipeline.images.push(defImage);
  for (const key of ['before_script', 'after_script']) {
    for (const holder of [root, defaults]) {
      const s = gitlabScript(r, r.get(holder, key));
      if (s) {
        pipeline.jobs.push({ id: key, path: r.path, offset: r.offset(r.get(holder, key)), images: [], with: {}, steps: [{ path: r.path, offset: r.offset(r.get(holder, key)), run: s, with: {} }], template: true });
      }
    }
  }
  for (const e of r.entries(root)) {
    if (gitlabReserved.has(e.key) || !r.map(e.value)) continue;
    const job = e.value;
    const steps: PipelineStep[] = [];
    for (const key of ['before_script', 'script', 'after_script']) {
      const node = r.get(job, key);
      const run = gitlabScript(r, node);
      if (run) steps.push({ path: r.path, offset: r.offset(node), name: key, run, with: {} });
    }
    const trigger = r.get(job, 'trigger');
    const envNode = r.get(job, 'environment');
    const environment = located(r, r.str(envNode) !== undefined ? envNode : r.get(envNode, 'name'));
    const image = gitlabImage(r, r.get(job, 'image'));
    const images = image ? [image] : [];
    for (const svc of r.list(r.get(job, 'services'))) {
      const img = gitlabImage(r, svc);
      if (img) images.push(img);
    }
    if (steps.length === 0 && trigger === undefined && r.get(job, 'extends') === undefined) continue;
    pipeline.jobs.push({
      id: e.key,
      path: r.path,
      offset: e.keyOffset,
      ...(environment ? { environment } : {}),
      images,
      with: {},
      steps,
      template: e.key.startsWith('.'),
    });
  }
  return { pipeline, localIncludes };
}

function readGitlab(model: RepoModel, rootPath: string): Pipeline[] {
  const out: Pipeline[] = [];
  const seen = new Set<string>();
  const queue: Array<{ path: string; kind: Pipeline['kind'] }> = [{ path: rootPath, kind: 'workflow' }];
  while (queue.length > 0 && seen.size < 100) {
    const { path, kind } = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const reader = readerFor(model, path);
    if (!reader) continue;
    const { pipeline, localIncludes } = readGitlabFile(reader, kind);
    out.push(pipeline);
    for (const inc of localIncludes) {
      const pattern = inc.replace(/^\.?\//, '');
      if (/[*?]/.test(pattern)) {
        const re = globToRegExp(pattern);
        for (const f of model.find(re)) if (/\.ya?ml$/.test(f.path)) queue.push({ path: f.path, kind: 'include' });
      } else if (model.has(pattern)) queue.push({ path: pattern, kind: 'include' });
    }
  }
  return out;
}

// ---------------------------------------------------------------- CircleCI

function readCircleciSteps(r: YamlReader, node: Node | undefined): PipelineStep[] {
  return r.list(node).flatMap((item): PipelineStep[] => {
    const bare = r.str(item);
    if (bare !== undefined) {
      return bare === 'checkout' || bare === 'setup_remote_docker' ? [] : [{ path: r.path, offset: r.offset(item), uses: located(r, item)!, with: {} }];
    }
    const [first] = r.entries(item);
    if (!first) return [];
    if (first.key === 'run') {
      const run = r.script(r.str(first.value) !== undefined ? first.value : r.get(first.value, 'command'));
      const name = r.str(r.get(first.value, 'name'));
      return run ? [{ path: r.path, offset: first.keyOffset, ...(name ? { name } : {}), run, with: {} }] : [];
    }
    if (['checkout', 'setup_remote_docker', 'save_cache', 'restore_cache', 'persist_to_workspace', 'attach_workspace', 'store_artifacts', 'store_test_results', 'add_ssh_keys'].includes(first.key)) {
      return [];
    }
    if (first.key === 'when' || first.key === 'unless') return readCircleciSteps(r, r.get(first.value, 'steps'));
    return [{ path: r.path, offset: first.keyOffset, uses: { value: first.key, offset: first.keyOffset, end: first.keyOffset + first.key.length }, with: r.scripts(first.value) }];
  });
}

function readCircleci(r: YamlReader): Pipeline[] {
  const root = r.doc.contents;
  if (r.get(root, 'jobs') === undefined && r.get(root, 'workflows') === undefined) return [];
  const pipeline = emptyPipeline('circleci', r.path, 'workflow', firstKeyOffset(r));
  pipeline.triggers = ['push', 'pull_request'];
  for (const e of r.entries(r.get(root, 'orbs'))) {
    const ref = located(r, e.value);
    if (ref) pipeline.includes.push(ref);
  }
  const imagesOf = (node: Node | undefined): Located[] => r.list(r.get(node, 'docker')).flatMap((d) => located(r, r.get(d, 'image')) ?? []);
  for (const e of r.entries(r.get(root, 'executors'))) pipeline.images.push(...imagesOf(e.value));
  for (const [section, template] of [['jobs', false], ['commands', true]] as const) {
    for (const e of r.entries(r.get(root, section))) {
      pipeline.jobs.push({ id: e.key, path: r.path, offset: e.keyOffset, images: imagesOf(e.value), with: {}, steps: readCircleciSteps(r, r.get(e.value, 'steps')), template });
    }
  }
  // Workflow entries that run orb jobs (`node/test`) are jobs of their own.
  const defined = new Set(r.entries(r.get(root, 'jobs')).map((e) => e.key));
  for (const wf of r.entries(r.get(root, 'workflows'))) {
    for (const item of r.list(r.get(wf.value, 'jobs'))) {
      const bare = r.str(item);
      const entry = bare === undefined ? r.entries(item)[0] : undefined;
      const name = bare ?? entry?.key;
      if (!name || defined.has(name) || !name.includes('/')) continue;
      const offset = bare !== undefined ? r.offset(item) : entry!.keyOffset;
      const context = r.str(r.get(entry?.value, 'name'));
      pipeline.jobs.push({
        id: name,
        path: r.path,
        offset,
        ...(context ? { name: context } : {}),
        images: [],
        uses: { value: name, offset, end: offset + name.length },
        with: r.scripts(entry?.value),
        steps: [],
        template: false,
      });
    }
  }
  return [pipeline];
}

// ---------------------------------------------------------------- Bitbucket Pipelines

function readBitbucket(r: YamlReader): Pipeline {
  const root = r.doc.contents;
  const pipeline = emptyPipeline('bitbucket', r.path, 'workflow', firstKeyOffset(r));
  const image = located(r, r.str(r.get(root, 'image')) !== undefined ? r.get(root, 'image') : r.get(r.get(root, 'image'), 'name'));
  if (image) pipeline.images.push(image);
  const pipelines = r.get(root, 'pipelines');
  const triggers = new Set<string>();
  const visitItems = (node: Node | undefined, section: string): void => {
    for (const item of r.list(node)) {
      const step = r.get(item, 'step');
      if (step !== undefined) {
        readBitbucketStep(r, pipeline, step, section);
        continue;
      }
      const parallel = r.get(item, 'parallel');
      if (parallel !== undefined) visitItems(r.get(parallel, 'steps') ?? parallel, section);
      const stage = r.get(item, 'stage');
      if (stage !== undefined) {
        const deployment = r.get(stage, 'deployment');
        const before = pipeline.jobs.length;
        visitItems(r.get(stage, 'steps'), section);
        const env = located(r, deployment);
        if (env) for (const job of pipeline.jobs.slice(before)) job.environment ??= env;
      }
    }
  };
  for (const e of r.entries(pipelines)) {
    if (e.key === 'default') {
      triggers.add('push');
      visitItems(e.value, 'default');
    } else if (['branches', 'tags', 'bookmarks', 'pull-requests', 'custom'].includes(e.key)) {
      triggers.add(e.key === 'pull-requests' ? 'pull_request' : e.key === 'custom' ? 'manual' : 'push');
      for (const sub of r.entries(e.value)) visitItems(sub.value, `${e.key}:${sub.key}`);
    }
  }
  pipeline.triggers = [...triggers];
  return pipeline;
}

function readBitbucketStep(r: YamlReader, pipeline: Pipeline, step: Node, section: string): void {
  const name = r.str(r.get(step, 'name'));
  const steps: PipelineStep[] = [];
  for (const key of ['script', 'after-script']) {
    const list = r.get(step, key);
    // The command lines; `- pipe:` items are maps and are read below.
    const run = r.script(list);
    if (run) steps.push({ path: r.path, offset: r.offset(list), name: key, run, with: {} });
    for (const item of r.list(list)) {
      const pipe = located(r, r.get(item, 'pipe'));
      if (pipe) steps.push({ path: r.path, offset: r.offset(item), uses: pipe, with: r.scripts(r.get(item, 'variables')) });
    }
  }
  const environment = located(r, r.get(step, 'deployment'));
  const image = located(r, r.str(r.get(step, 'image')) !== undefined ? r.get(step, 'image') : r.get(r.get(step, 'image'), 'name'));
  pipeline.jobs.push({
    id: name ?? `${section}#${pipeline.jobs.length + 1}`,
    path: r.path,
    offset: r.offset(step),
    ...(name ? { name } : {}),
    ...(environment ? { environment } : {}),
    images: image ? [image] : [],
    with: {},
    steps,
    template: false,
  });
}

// ---------------------------------------------------------------- Travis CI

/** The phases of a Travis job that run the project's commands, in the order Travis runs them. */
const travisPhases = ['before_install', 'install', 'before_script', 'script'];

/**
 * `.travis.yml`: the top-level phases form the default job (run for every `language` version); each entry of
 * `jobs.include` (or the older `matrix.include`) is a job that inherits the top-level phases it does not override.
 * Travis builds pushes and pull requests unless told otherwise.
 */
function readTravis(r: YamlReader): Pipeline {
  const root = r.doc.contents;
  const pipeline = emptyPipeline('travis', r.path, 'workflow', firstKeyOffset(r));
  pipeline.triggers = ['push', 'pull_request'];
  const phaseSteps = (job: unknown, inherit: boolean): PipelineStep[] => {
    const steps: PipelineStep[] = [];
    for (const phase of travisPhases) {
      const node = r.get(job, phase) ?? (inherit ? r.get(root, phase) : undefined);
      const run = r.script(node);
      if (run) steps.push({ path: r.path, offset: r.offset(node), name: phase, run, with: {} });
    }
    return steps;
  };
  const jobs = r.get(root, 'jobs') ?? r.get(root, 'matrix');
  const include = r.list(r.get(jobs, 'include'));
  const topLevel = phaseSteps(root, false);
  // Without `include`, or with a top-level `script`, the default job runs too.
  if (include.length === 0 || r.get(root, 'script') !== undefined) {
    pipeline.jobs.push({ id: 'default', path: r.path, offset: firstKeyOffset(r), images: [], with: {}, steps: topLevel, template: false });
  }
  for (const [i, item] of include.entries()) {
    const name = r.str(r.get(item, 'name')) ?? r.str(r.get(item, 'stage'));
    pipeline.jobs.push({
      id: name ?? `include#${i + 1}`,
      path: r.path,
      offset: r.offset(item),
      ...(name ? { name } : {}),
      images: [],
      with: {},
      steps: phaseSteps(item, true),
      template: false,
    });
  }
  return pipeline;
}

// ---------------------------------------------------------------- Azure Pipelines

const azureShellKeys = ['script', 'bash', 'pwsh', 'powershell'];

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i + 1);
}

function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

interface AzureContext {
  model: RepoModel;
  seen: Set<string>;
  out: Pipeline[];
}

function azureTemplatePath(r: YamlReader, ref: string): string | undefined {
  if (ref.includes('@') || ref.includes('${{')) return undefined;
  return normalizePath(ref.startsWith('/') ? ref : dirOf(r.path) + ref);
}

function readAzureSteps(r: YamlReader, node: Node | undefined, ctx: AzureContext): PipelineStep[] {
  return r.list(node).flatMap((item): PipelineStep[] => {
    for (const key of azureShellKeys) {
      const value = r.get(item, key);
      if (value !== undefined) {
        const run = r.script(value);
        const name = r.str(r.get(item, 'displayName'));
        return run ? [{ path: r.path, offset: r.offset(item), ...(name ? { name } : {}), run, with: {} }] : [];
      }
    }
    const task = r.entry(item, 'task');
    if (task) {
      const value = r.str(task.value) ?? '';
      const inputs = r.scripts(r.get(item, 'inputs'));
      const step: PipelineStep = { path: r.path, offset: r.offset(item), uses: { value: `task:${value}`, offset: r.offset(task.value), end: r.end(task.value) }, with: inputs };
      const run = azureTaskCommand(value, inputs, r.path, r.offset(item));
      if (run) step.run = run;
      return [step];
    }
    const template = r.str(r.get(item, 'template'));
    if (template !== undefined) {
      const target = azureTemplatePath(r, template);
      const steps: PipelineStep[] = [{ path: r.path, offset: r.offset(item), uses: { value: `template:${template}`, offset: r.offset(r.get(item, 'template')), end: r.end(r.get(item, 'template')) }, with: {} }];
      if (target) for (const p of readAzure(ctx.model, target, 'include', ctx.seen)) steps.push(...p.jobs.flatMap((j) => j.steps));
      return steps;
    }
    return [];
  });
}

/** The shell command an Azure task stands for, so command-based checks see `Npm@1 command: custom customCommand: run test`. */
function azureTaskCommand(task: string, inputs: Record<string, Script>, path: string, offset: number): Script | undefined {
  const name = task.split('@')[0]!.toLowerCase();
  const input = (k: string): string => inputs[k]?.text ?? '';
  if (name === 'npm') {
    const command = input('command') || 'install';
    return syntheticScript(path, command === 'custom' ? `npm ${input('customCommand')}` : `npm ${command}`, offset);
  }
  if (name === 'docker') {
    const command = input('command') || 'buildAndPush';
    const tags = input('tags')
      .split(/\s*\n\s*|\s*,\s*/)
      .filter(Boolean);
    const repo = input('repository') || 'image';
    const tagArgs = (tags.length ? tags : ['$(Build.BuildId)']).map((t) => `-t ${repo}:${t}`).join(' ');
    if (command === 'build' || command === 'buildAndPush') return syntheticScript(path, `docker build ${tagArgs} .${command === 'buildAndPush' ? ` && docker push ${repo}` : ''}`, offset);
    if (command === 'push') return syntheticScript(path, `docker push ${repo}`, offset);
    return undefined;
  }
  if (name === 'dotnetcorecli') return syntheticScript(path, `dotnet ${input('command') || 'build'}`, offset);
  if (name === 'kubernetes') return syntheticScript(path, `kubectl ${input('command')} ${input('arguments')}`.trim(), offset);
  if (name === 'helmdeploy') return syntheticScript(path, `helm ${input('command')} ${input('arguments')}`.trim(), offset);
  if (name === 'cmdline' || name === 'bash' || name === 'shellscript' || name === 'powershell') {
    const script = inputs.script ?? inputs.inlineScript;
    return script;
  }
  return undefined;
}

function readAzureJobs(r: YamlReader, node: Node | undefined, pipeline: Pipeline, ctx: AzureContext, stageEnv?: Located): void {
  for (const item of r.list(node)) {
    const template = r.str(r.get(item, 'template'));
    if (template !== undefined) {
      const target = azureTemplatePath(r, template);
      if (target) ctx.out.push(...readAzure(ctx.model, target, 'include', ctx.seen));
      continue;
    }
    const deployment = r.entry(item, 'deployment');
    const job = r.entry(item, 'job') ?? deployment;
    if (!job) continue;
    const envNode = r.get(item, 'environment');
    const environment = located(r, r.str(envNode) !== undefined ? envNode : r.get(envNode, 'name')) ?? stageEnv;
    const steps = readAzureSteps(r, r.get(item, 'steps'), ctx);
    let strategy: PipelineJob['strategy'];
    const strategyNode = r.get(item, 'strategy');
    for (const s of r.entries(strategyNode)) {
      if (!['runOnce', 'rolling', 'canary'].includes(s.key)) continue;
      strategy = { kind: s.key, onFailure: r.get(r.get(s.value, 'on'), 'failure') !== undefined };
      for (const phase of r.entries(s.value)) {
        if (phase.key === 'on') for (const hook of r.entries(phase.value)) steps.push(...readAzureSteps(r, r.get(hook.value, 'steps'), ctx));
        else steps.push(...readAzureSteps(r, r.get(phase.value, 'steps'), ctx));
      }
    }
    const container = r.get(item, 'container');
    const image = located(r, r.str(container) !== undefined ? container : r.get(container, 'image'));
    const name = r.str(r.get(item, 'displayName'));
    pipeline.jobs.push({
      id: r.str(job.value) ?? `job${pipeline.jobs.length + 1}`,
      path: r.path,
      offset: job.keyOffset,
      ...(name ? { name } : {}),
      ...(environment ? { environment } : deployment ? { environment: { value: 'deployment', offset: job.keyOffset, end: job.keyOffset } } : {}),
      images: image ? [image] : [],
      with: {},
      steps,
      template: false,
      ...(strategy ? { strategy } : {}),
    });
  }
}

function readAzure(model: RepoModel, path: string, kind: Pipeline['kind'], seen: Set<string>): Pipeline[] {
  if (seen.has(path) || seen.size > 100) return [];
  seen.add(path);
  const r = readerFor(model, path);
  if (!r) return [];
  const root = r.doc.contents;
  const ctx: AzureContext = { model, seen, out: [] };
  const pipeline = emptyPipeline('azure', path, kind, firstKeyOffset(r));
  const trigger = r.get(root, 'trigger');
  const pr = r.get(root, 'pr');
  if (kind === 'workflow') {
    if (r.str(trigger) !== 'none') pipeline.triggers.push('push');
    if (r.str(pr) !== 'none') pipeline.triggers.push('pull_request');
    if (r.get(root, 'schedules') !== undefined) pipeline.triggers.push('schedule');
  }
  for (const stage of r.list(r.get(root, 'stages'))) {
    const template = r.str(r.get(stage, 'template'));
    if (template !== undefined) {
      const target = azureTemplatePath(r, template);
      if (target) ctx.out.push(...readAzure(model, target, 'include', seen));
      continue;
    }
    readAzureJobs(r, r.get(stage, 'jobs'), pipeline, ctx);
  }
  readAzureJobs(r, r.get(root, 'jobs'), pipeline, ctx);
  const steps = r.get(root, 'steps');
  if (steps !== undefined) pipeline.jobs.push({ id: 'steps', path, offset: r.offset(steps), images: [], with: {}, steps: readAzureSteps(r, steps, ctx), template: false });
  const ext = r.str(r.get(r.get(root, 'extends'), 'template'));
  if (ext !== undefined) {
    pipeline.includes.push({ value: ext, offset: r.offset(r.get(r.get(root, 'extends'), 'template')), end: r.end(r.get(r.get(root, 'extends'), 'template')) });
    const target = azureTemplatePath(r, ext);
    if (target) ctx.out.push(...readAzure(model, target, 'include', seen));
  }
  if (kind === 'include' && pipeline.jobs.length === 0 && ctx.out.length === 0) return [];
  return [pipeline, ...ctx.out];
}
