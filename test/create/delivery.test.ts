/**
 * Delivery and operations of the generated repository (checklist CI, OPS, OBS-5, DB-6, SEC-11/12/13), checked
 * without Docker or a cloud: every CI/infrastructure combination is planned and its workflows, pipeline, Terraform,
 * Dockerfile and alerts are parsed and checked; then `prodgrade audit` runs on written-out projects.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { ts as Ts } from 'ts-morph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../src/audit/config.js';
import { runAudit } from '../../src/audit/engine.js';
import { parseDockerfile } from '../../src/audit/parsers/dockerfile.js';
import { parseHcl, type HclBlock, type HclFile } from '../../src/audit/parsers/hcl.js';
import { parseTypeScript, typescript } from '../../src/audit/parsers/typescript.js';
import { registry } from '../../src/audit/registry.js';
import { allCombinations, pairwiseCombinations, type OptionAnswers } from '../../src/create/combinations.js';
import { features } from '../../src/create/features.js';
import type { FilePlan } from '../../src/create/plan.js';
import { templateVersions } from '../../src/create/versions.js';
import { planFor, text } from './support.js';

const label = (combo: OptionAnswers): string => Object.values(combo).join(' ');
const combos = allCombinations(features);
const plans = new Map<string, FilePlan>();
/** Scratch directory for the pipelines gitlab-ci-local reads. */
let scratch: string;

beforeAll(async () => {
  for (const combo of combos) plans.set(label(combo), await planFor(combo));
  scratch = await mkdtemp(join(tmpdir(), 'prodgrade-gitlab-ci-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function planOf(combo: OptionAnswers): FilePlan {
  return plans.get(label(combo))!;
}

const has = (plan: FilePlan, path: string): boolean => plan.files.some((f) => f.path === path);
const paths = (plan: FilePlan, pattern: RegExp): string[] => plan.files.map((f) => f.path).filter((p) => pattern.test(p));

type Yaml = Record<string, unknown>;
const asRecord = (value: unknown): Yaml => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Yaml) : {});

const execFileAsync = promisify(execFile);
/**
 * gitlab-ci-local's CLI. It validates the pipeline, with its includes and `extends` expanded, against GitLab's CI JSON
 * schema (ajv), and checks that stages, `needs` and scripts resolve. Pinned to 4.73.0: 4.74.0 and later call
 * Set.prototype.union, which Node 20 lacks.
 */
const gitlabCiLocal = join(dirname(createRequire(import.meta.url).resolve('gitlab-ci-local/package.json')), 'dist/index.js');
/** Where gitlab-ci-local looks for `include: template: Jobs/SAST.gitlab-ci.yml` before downloading it from gitlab.com. */
const sastTemplatePath = '.gitlab-ci-local/includes/gitlab.com/gitlab-org/gitlab/-/raw/HEAD/lib/gitlab/ci/templates/Jobs/SAST.gitlab-ci.yml';
/** Offline stand-in for GitLab's own SAST template, whose analyzer jobs run in the `test` stage. */
const sastTemplateStandIn = 'semgrep-sast:\n  stage: test\n  script:\n    - /analyzer run\n';

interface GitlabLint {
  exitCode: number;
  /** gitlab-ci-local's diagnostics (stderr), for failure messages. */
  log: string;
  /** The pipeline with includes, `extends`, anchors and defaults expanded (`--preview`); empty when it was rejected. */
  expanded: Record<string, Yaml>;
}

async function lintGitlabPipeline(pipeline: string): Promise<GitlabLint> {
  const dir = await mkdtemp(join(scratch, 'pipeline-'));
  await writeFile(join(dir, '.gitlab-ci.yml'), pipeline);
  await mkdir(dirname(join(dir, sastTemplatePath)), { recursive: true });
  await writeFile(join(dir, sastTemplatePath), sastTemplateStandIn);
  await execFileAsync('git', ['init', '-q'], { cwd: dir });
  // HOME: no user-level gitlab-ci-local variables or .env leak in. `--preview` runs no job.
  const env = { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [gitlabCiLocal, '--preview'], { cwd: dir, env, maxBuffer: 32 * 1024 * 1024 });
    return { exitCode: 0, log: stderr, expanded: parseYaml(stdout) as Record<string, Yaml> };
  } catch (error) {
    const failed = error as { code?: unknown; stderr?: string };
    return { exitCode: typeof failed.code === 'number' ? failed.code : -1, log: failed.stderr ?? String(error), expanded: {} };
  }
}

/** Many combinations write the same pipeline: each distinct one is linted once. */
const gitlabLints = new Map<string, Promise<GitlabLint>>();
const lintOnce = (pipeline: string): Promise<GitlabLint> => {
  if (!gitlabLints.has(pipeline)) gitlabLints.set(pipeline, lintGitlabPipeline(pipeline));
  return gitlabLints.get(pipeline)!;
};

describe('the checks themselves', () => {
  it('reject a workflow that breaks GitHub’s schema', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions:\n      contents: raed\n    steps:\n      - run: echo\n        bogus: 1\n';
    const parsed = parseWorkflow({ name: 'broken.yml', content: broken }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().length).toBeGreaterThanOrEqual(2);
  });

  it('reject Terraform that terraform fmt would rewrite', () => {
    expect(fmtProblems('resource "a" "b" {\n  name = "x"\n  count  = 1\n   tags = {}\n}\n')).toEqual(['line 4: indentation', 'line 2: misaligned "="']);
    expect(fmtProblems('locals {\n  x = jsonencode([{\n    a  = 1\n    bb = 2\n  }])\n}\n')).toEqual([]);
  });

  it('accept a valid GitLab pipeline and expand it', async () => {
    const valid = await lintGitlabPipeline('stages: [test]\n.node:\n  image: node:24\n  interruptible: true\nlint:\n  extends: .node\n  stage: test\n  script: [npm run lint]\n');
    expect(valid.exitCode, valid.log).toBe(0);
    expect(valid.expanded.lint).toMatchObject({ stage: 'test', interruptible: true, image: { name: 'node:24' } });
  });

  it('reject a GitLab pipeline that breaks GitLab’s schema, names a job after a global keyword, or needs a missing job', async () => {
    const broken = await lintGitlabPipeline('stages: [test]\nlint:\n  stage: test\n  script: [npm run lint]\n  interruptible: "yes"\n  bogus: 1\n');
    expect(broken.exitCode).not.toBe(0);
    expect(broken.log).toContain("'bogus' property is not expected to be here at lint");
    expect(broken.log).toContain("'interruptible' property type must be boolean at lint.interruptible");
    // A job called `image` is GitLab's (deprecated) top-level default image, not a job.
    const reserved = await lintGitlabPipeline('stages: [test]\nimage:\n  stage: test\n  script: [docker build .]\n');
    expect(reserved.exitCode).not.toBe(0);
    expect(reserved.log).toContain('at default.image');
    const dangling = await lintGitlabPipeline('stages: [test]\nlint:\n  stage: test\n  needs: [install]\n  script: [npm run lint]\n');
    expect(dangling.exitCode).not.toBe(0);
    expect(dangling.log).toContain('needs: [install] for lint could not be found');
  });
});

describe.each(combos.filter((c) => c.ci === 'github'))('GitHub Actions ($tenancy, $infra, $packageManager)', (combo) => {
  const source = (): string => text(planOf(combo), '.github/workflows/ci.yml');
  const workflow = (): Yaml => parseYaml(source()) as Yaml;
  const jobs = (): Record<string, Yaml> => asRecord(workflow().jobs) as Record<string, Yaml>;

  it('is a valid workflow for GitHub’s own workflow schema and parser', async () => {
    const parsed = parseWorkflow({ name: '.github/workflows/ci.yml', content: source() }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
  });

  it('pins every action by commit SHA, never uses pull_request_target, and starts read-only', () => {
    const uses = [...source().matchAll(/uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(5);
    for (const [, ref, comment] of uses) {
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(comment).toMatch(/# v\d+\.\d+\.\d+/);
    }
    expect(Object.keys(asRecord(workflow().on))).not.toContain('pull_request_target');
    expect(workflow().permissions).toEqual({ contents: 'read' });
    expect(source()).not.toMatch(/write-all|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    expect(asRecord(workflow().concurrency).group).toBeTruthy();
  });

  it('runs every check on pull requests', () => {
    const all = source();
    const check = jobs().check!;
    const steps = (check.steps as Yaml[]).map((s) => String(s.run ?? s.uses));
    for (const script of ['lint', 'typecheck', 'db:check', 'openapi:check', 'test', 'build', 'deps:audit']) expect(steps.some((s) => s.endsWith(` ${script}`))).toBe(true);
    expect(asRecord(asRecord(check.services).postgres).image).toBe(`postgres:${templateVersions.postgresImage.version}`);
    expect(asRecord(check.env).DATABASE_URL).toMatch(/^postgres:\/\/app@localhost/);
    expect(all).toMatch(/prodgrade audit \. --format sarif=prodgrade\.sarif/);
    expect(all).toContain('github/codeql-action/upload-sarif@');
    expect(all).toContain('github/codeql-action/analyze@');
    expect(all).toContain('actions/dependency-review-action@');
    expect(all).toContain('aquasecurity/trivy-action@');
    expect(jobs().image!.if).toBe("github.event_name == 'pull_request'");
    if (combo.infra === 'terraform-aws') expect(JSON.stringify(jobs().terraform!.steps)).toContain('terraform fmt -check -recursive infra/terraform');
  });

  it('builds the image once on main, tagged with the commit SHA, and deploys its digest', () => {
    const publish = jobs().publish!;
    expect(publish.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    const build = (publish.steps as Yaml[]).filter((s) => String(s.uses).startsWith('docker/build-push-action@'));
    expect(build).toHaveLength(1);
    expect(String(asRecord(build[0]!.with).tags)).toMatch(/:\$\{\{ github\.sha \}\}$/);
    expect(source()).not.toMatch(/:latest\b/);
    // Dependabot keeps base-image digests current once written; the docs say how to write them the first time.
    const ecosystems = (parseYaml(text(planOf(combo), '.github/dependabot.yml')) as { updates: Yaml[] }).updates.map((u) => u['package-ecosystem']);
    expect(ecosystems).toEqual(expect.arrayContaining(['npm', 'github-actions', 'docker']));
    expect(text(planOf(combo), 'docs/operations.md')).toMatch(/`docker buildx imagetools inspect node:\S+`.*\n`FROM node:\S+@sha256:<digest>`/);
    const deployJobs = Object.keys(jobs()).filter((id) => /^(?:migrate|deploy)-/.test(id));
    if (combo.infra === 'none') {
      expect(deployJobs).toEqual([]);
      return;
    }
    expect(deployJobs).toEqual(['migrate-staging', 'deploy-staging', 'migrate-production', 'deploy-production']);
    // Migrations are their own job before each rollout; production follows staging; every job deploys one digest.
    expect(jobs()['deploy-staging']!.needs).toEqual(['publish', 'migrate-staging']);
    expect(jobs()['migrate-production']!.needs).toEqual(['publish', 'deploy-staging']);
    expect(jobs()['deploy-production']!.needs).toEqual(['publish', 'migrate-production']);
    for (const id of deployJobs) {
      const job = jobs()[id]!;
      expect(asRecord(job.permissions)).toEqual({ contents: 'read', 'id-token': 'write' });
      expect(asRecord(job.concurrency)['cancel-in-progress']).toBe(false);
      expect(JSON.stringify(job.steps)).toContain('needs.publish.outputs.image');
    }
  });
});

describe.each(combos.filter((c) => c.ci === 'gitlab'))('GitLab CI ($tenancy, $infra, $packageManager)', (combo) => {
  const source = (): string => text(planOf(combo), '.gitlab-ci.yml');
  const pipeline = (): Yaml => parseYaml(source(), { merge: true }) as Yaml;

  it('is a valid pipeline for GitLab’s CI schema, with existing stages, needs and scripts (gitlab-ci-local)', async () => {
    const lint = await lintOnce(source());
    expect(lint.exitCode, lint.log).toBe(0);
    const jobs = Object.keys(lint.expanded).filter((id) => asRecord(lint.expanded[id]).script);
    expect(jobs).toEqual(expect.arrayContaining(['check', 'audit', 'container-image', 'publish']));
    // The offline stand-in for GitLab's SAST template assumes what the template does: its jobs run in `test`.
    expect(pipeline().stages).toContain('test');
    expect(pipeline().include).toEqual([{ template: 'Jobs/SAST.gitlab-ci.yml' }]);
  });

  it('runs the checks on merge requests, builds once, and deploys a digest with OIDC', async () => {
    const all = source();
    const config = pipeline();
    for (const script of ['lint', 'typecheck', 'db:check', 'openapi:check', 'test', 'build', 'deps:audit']) expect(all).toMatch(new RegExp(`^    - \\S.* ${script}$`, 'm'));
    expect(all).toContain('prodgrade audit .');
    expect(all).toContain(`aquasec/trivy:${templateVersions.trivy.version}`);
    if (combo.infra === 'terraform-aws') expect(asRecord(config.terraform).script).toContain('terraform -chdir=infra/terraform validate');
    expect(all).toMatch(/docker build --tag "\$repository:\$CI_COMMIT_SHA"/);
    expect(all).not.toMatch(/:latest\b|AWS_SECRET_ACCESS_KEY/);
    // As GitLab runs them (`extends`, anchors and defaults expanded): the image is scanned on merge requests,
    // built once and pushed on the default branch, and deploy jobs get the OIDC token from `.deploy`.
    const { expanded } = await lintOnce(source());
    expect(asRecord(expanded['container-image']).rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(asRecord(expanded.publish).rules).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }]);
    expect(String(asRecord(expanded.publish).script)).toContain('docker push "$repository:$CI_COMMIT_SHA"');
    // Renovate adds the base images' digests (the generator cannot read them offline) and keeps them current.
    expect((JSON.parse(text(planOf(combo), 'renovate.json')) as { extends: string[] }).extends).toContain('docker:pinDigests');
    const deployJobs = Object.keys(config).filter((id) => /^(?:migrate|deploy)-/.test(id));
    if (combo.infra === 'none') {
      expect(deployJobs).toEqual([]);
      return;
    }
    expect(deployJobs).toEqual(['migrate-staging', 'deploy-staging', 'migrate-production', 'deploy-production']);
    expect(asRecord(config['deploy-production']).needs).toEqual(['publish', 'migrate-production']);
    for (const id of deployJobs) {
      expect(asRecord(asRecord(expanded[id]).id_tokens).AWS_ID_TOKEN, id).toEqual({ aud: 'sts.amazonaws.com' });
      expect(asRecord(expanded[id]).rules, id).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }]);
    }
  });
});

/**
 * `terraform fmt` rules that can be checked without terraform: two spaces per open bracket level (brackets opened on one
 * line count as one level, as hclwrite does), `=` of consecutive one-line attributes aligned one space after the
 * longest name, no tabs, no trailing whitespace.
 */
function fmtProblems(source: string): string[] {
  const problems: string[] = [];
  const levels: number[] = [];
  let group: { line: number; column: number; key: number }[] = [];
  const flush = (): void => {
    const columns = new Set(group.map((g) => g.column));
    const longest = Math.max(...group.map((g) => g.key));
    if (group.length && (columns.size > 1 || group[0]!.column !== longest + 1)) problems.push(`line ${group[0]!.line + 1}: misaligned "="`);
    group = [];
  };
  source.split('\n').forEach((raw, i) => {
    if (/\s$/.test(raw)) problems.push(`line ${i + 1}: trailing whitespace`);
    if (raw.includes('\t')) problems.push(`line ${i + 1}: tab`);
    const code = raw.trim().replace(/"(?:[^"\\]|\\.)*"/g, '""');
    let net = (code.match(/[{[(]/g) ?? []).length - (code.match(/[}\])]/g) ?? []).length;
    if (/^[}\])]/.test(code)) while (net < 0 && levels.length) net += levels.pop()!;
    if (code && !code.startsWith('#') && raw.length - raw.trimStart().length !== 2 * levels.length) problems.push(`line ${i + 1}: indentation`);
    if (net > 0) levels.push(net);
    else while (net < 0 && levels.length) net += levels.pop()!;
    const attribute = /^(\s*)([\w-]+)(\s*)= /.exec(raw);
    if (attribute && !/[{[(]$/.test(code)) group.push({ line: i, column: attribute[1]!.length + attribute[2]!.length + attribute[3]!.length, key: attribute[1]!.length + attribute[2]!.length });
    else flush();
  });
  flush();
  return problems;
}

function resources(files: HclFile[]): Map<string, HclBlock> {
  const map = new Map<string, HclBlock>();
  for (const file of files) for (const block of file.blocks) if (block.type === 'resource') map.set(`${block.labels[0]}.${block.labels[1]}`, block);
  return map;
}

const nested = (block: HclBlock, ...types: string[]): HclBlock | undefined =>
  types.reduce<HclBlock | undefined>((b, type) => b?.blocks.find((c) => c.type === type), block);

/** The property names of every `<logger>.<level>({ ... }, message)` call with this message in the plan's src/. */
function logCallsWith(plan: FilePlan, message: string): string[][] {
  const ts = typescript();
  const found: string[][] = [];
  for (const path of paths(plan, /^src\/.*\.ts$/)) {
    const visit = (node: Ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && /^(?:info|warn)$/.test(node.expression.name.text)) {
        const [fields, text] = node.arguments;
        if (fields && ts.isObjectLiteralExpression(fields) && text && ts.isStringLiteralLike(text) && text.text === message) {
          found.push(fields.properties.flatMap((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? [p.name.text] : [])));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(parseTypeScript(path, text(plan, path)));
  }
  return found;
}

describe.each(combos.filter((c) => c.infra === 'terraform-aws' && c.packageManager === 'npm'))('Terraform ($tenancy, $ci)', (combo) => {
  let root: HclFile[] = [];
  let global: HclFile[] = [];

  beforeAll(async () => {
    const parse = (pattern: RegExp): Promise<HclFile[]> => Promise.all(paths(planOf(combo), pattern).map((p) => parseHcl(text(planOf(combo), p))));
    root = await parse(/^infra\/terraform\/[\w-]+\.tf$/);
    global = await parse(/^infra\/terraform\/global\/[\w-]+\.tf$/);
  });

  it('parses as HCL and is formatted the way terraform fmt writes it', () => {
    const tf = paths(planOf(combo), /\.(?:tf|tfvars|tfbackend)$/);
    expect(tf.length).toBeGreaterThan(15);
    expect(root.length).toBeGreaterThan(10);
    for (const file of [...root, ...global]) expect(file.hasErrors).toBe(false);
    for (const path of tf) expect(fmtProblems(text(planOf(combo), path)), path).toEqual([]);
  });

  it('declares the network, service, database, storage, secrets, alarms and releases with their settings', () => {
    const r = resources(root);
    for (const address of ['aws_vpc.main', 'aws_subnet.private', 'aws_nat_gateway.main', 'aws_ecs_cluster.main', 'aws_ecs_service.web', 'aws_ecs_service.worker', 'aws_ecs_task_definition.migrate', 'aws_lb.main', 'aws_s3_bucket_public_access_block.uploads', 'aws_s3_bucket_versioning.uploads', 'aws_secretsmanager_secret.app', 'aws_cloudwatch_log_group.app', 'aws_sns_topic.alarms', 'aws_codedeploy_deployment_group.web']) {
      expect(r.has(address), address).toBe(true);
    }
    const listener = r.get('aws_lb_listener.https')!;
    expect(listener.attributes.protocol!.literal).toBe('HTTPS');
    expect(String(listener.attributes.ssl_policy!.literal)).toMatch(/^ELBSecurityPolicy-TLS13-/);
    expect([...r.values()].filter((b) => b.labels[0] === 'aws_lb_listener')).toHaveLength(1);

    const db = r.get('aws_db_instance.main')!.attributes;
    expect(db.storage_encrypted!.literal).toBe(true);
    expect(db.kms_key_id!.text).toBe('aws_kms_key.main.arn');
    expect(db.deletion_protection!.literal).toBe(true);
    expect(db.backup_retention_period!.text).toBe('var.db_backup_retention_days');
    expect(db.multi_az!.text).toBe('local.production');
    expect(r.get('aws_db_instance.replica')!.attributes.count!.text).toBe('var.db_read_replica ? 1 : 0');
    const params = r.get('aws_db_parameter_group.main')!.blocks.filter((b) => b.type === 'parameter').map((b) => `${String(b.attributes.name!.literal)}=${String(b.attributes.value!.literal)}`);
    expect(params).toContain('rds.force_ssl=1');
    expect(nested(r.get('aws_s3_bucket_server_side_encryption_configuration.uploads')!, 'rule', 'apply_server_side_encryption_by_default')!.attributes.sse_algorithm!.literal).toBe('aws:kms');
    expect(r.get('aws_kms_key.main')!.attributes.enable_key_rotation!.literal).toBe(true);

    const alarms = [...r.keys()].filter((k) => k.startsWith('aws_cloudwatch_metric_alarm.'));
    expect(alarms.sort()).toEqual(
      ['api_5xx_rate', 'api_p99_latency', 'db_connections', 'db_cpu', 'load_balancer_5xx', 'queue_depth'].map((n) => `aws_cloudwatch_metric_alarm.${n}`),
    );
    for (const alarm of alarms) expect(r.get(alarm)!.attributes.alarm_actions!.text).toBe('[aws_sns_topic.alarms.arn]');

    const group = r.get('aws_codedeploy_deployment_group.web')!;
    expect(nested(group, 'auto_rollback_configuration')!.attributes.events!.text).toContain('DEPLOYMENT_STOP_ON_ALARM');
    expect(nested(group, 'alarm_configuration')!.attributes.alarms!.text).toContain('api_5xx_rate');
    expect(nested(group, 'deployment_style')!.attributes.deployment_type!.literal).toBe('BLUE_GREEN');
    expect(nested(r.get('aws_ecs_service.web')!, 'deployment_controller')!.attributes.type!.literal).toBe('CODE_DEPLOY');
    expect(nested(r.get('aws_ecs_service.worker')!, 'deployment_circuit_breaker')!.attributes.rollback!.literal).toBe(true);
  });

  it('alarms on the queue depth that the worker logs to the log group', () => {
    const r = resources(root);
    const filter = r.get('aws_cloudwatch_log_metric_filter.queue_depth')!;
    expect(filter.attributes.log_group_name!.text).toBe('aws_cloudwatch_log_group.app.name');
    const transformation = nested(filter, 'metric_transformation')!.attributes;
    const alarm = r.get('aws_cloudwatch_metric_alarm.queue_depth')!.attributes;
    expect([alarm.namespace!.text, alarm.metric_name!.text]).toEqual([transformation.namespace!.text, transformation.name!.text]);
    // A worker that stopped reporting is a worker that stopped working.
    expect(alarm.treat_missing_data!.literal).toBe('breaching');
    const message = /\$\.msg = \\"([^"\\]+)\\"/.exec(filter.attributes.pattern!.text)?.[1];
    const field = /^"\$\.(\w+)"$/.exec(transformation.value!.text)?.[1];
    expect(filter.attributes.pattern!.text).toContain(`($.${field} >= 0)`);
    // The worker's task sends its stdout to that log group, and the worker writes the line.
    expect(text(planOf(combo), 'infra/terraform/ecs.tf')).toMatch(/awslogs-group\s+= aws_cloudwatch_log_group\.app\.name/);
    expect(r.get('aws_ecs_task_definition.worker')!.attributes.container_definitions!.text).toMatch(/logConfiguration\s+= merge\(local\.log_configuration\b/);
    expect(logCallsWith(planOf(combo), message!).some((fields) => fields.includes(field!)), `a log call ({ ${field}: n }, '${message}') in src/`).toBe(true);
  });

  it('keeps remote state with locking and documents every variable', () => {
    const plan = planOf(combo);
    for (const path of ['infra/terraform/versions.tf', 'infra/terraform/global/versions.tf']) {
      expect(text(plan, path)).toMatch(/backend "s3" \{\n {4}encrypt {6}= true\n {4}use_lockfile = true/);
    }
    for (const file of [...root, ...global]) {
      for (const variable of file.blocks.filter((b) => b.type === 'variable')) {
        expect(variable.attributes.description, variable.labels[0]).toBeDefined();
        expect(variable.attributes.type, variable.labels[0]).toBeDefined();
      }
    }
    const ecr = resources(global).get('aws_ecr_repository.app')!;
    expect(ecr.attributes.image_tag_mutability!.literal).toBe('IMMUTABLE');
    // OIDC trust only: no IAM user or access key anywhere.
    const all = [...resources(root).keys(), ...resources(global).keys()];
    expect(all.filter((k) => /aws_iam_(?:user|access_key)\./.test(k))).toEqual([]);
    expect(text(plan, 'infra/terraform/ci-roles.tf')).toContain(combo.ci === 'github' ? 'repo:${var.repository}:environment:${var.environment}' : 'project_path:${var.repository}:ref_type:branch:ref:main');
  });
});

describe.each(combos.filter((c) => c.tenancy === 'shared-rls' && c.ci === 'github'))('Dockerfile ($infra, $packageManager)', (combo) => {
  it('is multi-stage, pinned, production-only, non-root and health-checked', () => {
    const plan = planOf(combo);
    const model = parseDockerfile(text(plan, 'Dockerfile'));
    expect(model.stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of model.stages) expect(stage.image).toBe(`node:${templateVersions.nodeImage.version}-bookworm-slim`);
    const final = model.stages.at(-1)!;
    const keywords = final.instructions.map((i) => i.keyword);
    expect(keywords).not.toContain('RUN');
    const users = final.instructions.filter((i) => i.keyword === 'USER');
    expect(users.at(-1)?.args).toBe('node');
    expect(keywords).toContain('HEALTHCHECK');
    expect(final.instructions.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "dist/server.js"]');
    expect(model.instructions.filter((i) => i.keyword === 'ADD')).toEqual([]);
    expect(model.instructions.filter((i) => /^(?:ENV|ARG)$/.test(i.keyword) && /SECRET|PASSWORD|TOKEN|KEY/i.test(i.args))).toEqual([]);
    const prodInstall = model.stages.find((s) => s.name === 'dependencies')!.instructions.find((i) => i.keyword === 'RUN' && /\b(?:ci|install|focus)\b/.test(i.args))!.args;
    expect(prodInstall).toMatch(/--omit=dev|--prod|--production/);
    const ignore = text(plan, '.dockerignore').split('\n');
    for (const entry of ['.env', '.git', 'node_modules']) expect(ignore).toContain(entry);
    expect(parseYaml(text(plan, 'docker-compose.yml'))).toMatchObject({ services: { postgres: { image: `postgres:${templateVersions.postgresImage.version}` } } });
  });
});

describe('alerts, runbooks and docs', () => {
  const plan = (): FilePlan => planOf(combos[0]!);

  it('links every alert to a runbook that says what it means, how to diagnose, mitigate and escalate', () => {
    const rules = (parseYaml(text(plan(), 'monitoring/prometheus/alerts.yml')) as { groups: { rules: Yaml[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(['ApiHighErrorRate', 'ApiHighLatency', 'DatabaseHighCpu', 'DatabaseConnectionsHigh', 'QueueBacklogHigh']);
    for (const rule of rules) {
      const runbook = String(asRecord(rule.annotations).runbook_url);
      expect(runbook).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      const body = text(plan(), runbook);
      expect(body.startsWith(`# ${String(rule.alert)}\n`)).toBe(true);
      for (const section of ['## What it means', '## Diagnose', '## Mitigate', '## Escalate']) expect(body).toContain(section);
      expect(asRecord(rule.labels).severity).toMatch(/^(?:page|ticket)$/);
    }
    // The SLO thresholds are the alert thresholds.
    const slo = text(plan(), 'docs/slo.md');
    expect(slo).toContain('99.9%');
    expect(slo).toContain('5xx ratio above 1% for 5 minutes');
    expect(slo).toContain('p99 above 1 s for 10 minutes');
    expect(text(plan(), 'infra/terraform/alarms.tf')).toMatch(/threshold\s+= 1\n/);
  });

  it('alerts on series the application exports (or a CloudWatch exporter, for aws_*)', () => {
    const rules = (parseYaml(text(plan(), 'monitoring/prometheus/alerts.yml')) as { groups: { rules: Yaml[] }[] }).groups.flatMap((g) => g.rules);
    // Series names: what is left of an expression without label matchers, ranges, grouping clauses and function calls.
    const series = rules.flatMap((rule) =>
      [...String(rule.expr).replace(/\b(?:by|without)\s*\([^)]*\)|\{[^}]*\}|\[[^\]]*\]/g, '').matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]!),
    );
    const families = [...new Set(series.filter((name) => !name.startsWith('aws_')).map((name) => name.replace(/_(?:bucket|count|sum)$/, '')))];
    expect(families.sort()).toEqual(['http_request_duration_seconds', 'queue_depth']);
    const sources = paths(plan(), /^src\/.*\.ts$/).map((path) => text(plan(), path)).join('\n');
    for (const family of families) expect(sources, family).toContain(`name: '${family}'`);
  });

  it('documents the architecture, the decisions, operations and security', () => {
    expect(text(plan(), 'docs/architecture.md')).toContain('```mermaid\nflowchart');
    for (const adr of ['0001-tenancy', '0002-auth-tokens', '0003-queue']) expect(has(plan(), `docs/adr/${adr}.md`)).toBe(true);
    const operations = text(plan(), 'docs/operations.md');
    for (const section of ['## Base images', '## Deploy', '## Roll back', '## Run a migration', '## Restore from point-in-time recovery', '## Rotate a secret', '## Move a tenant to a dedicated database']) {
      expect(operations).toContain(section);
    }
    const security = text(plan(), 'docs/security.md');
    for (const section of ['## Threat model', '## How tenant isolation is enforced', '## How it is tested']) expect(security).toContain(section);
  });
});

/** The checklist items issue 6 makes this feature responsible for. */
const owned = /^(?:CI-\d+|OPS-\d+|OBS-5|DB-6|SEC-1[123])$/;
const lockfiles: Record<string, [string, string]> = {
  npm: ['package-lock.json', '{ "lockfileVersion": 3 }\n'],
  pnpm: ['pnpm-lock.yaml', "lockfileVersion: '9.0'\n"],
  yarn: ['yarn.lock', '__metadata:\n  version: 8\n'],
};

describe('prodgrade audit of generated repositories', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'prodgrade-delivery-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it.each(pairwiseCombinations(features))('finds nothing in CI, OPS, OBS-5, DB-6, SEC-11/12/13 ($tenancy, $ci, $infra, $packageManager)', async (combo) => {
    const dir = join(tmp, label(combo).replace(/ /g, '-'));
    for (const file of planOf(combo).files) {
      await mkdir(dirname(join(dir, file.path)), { recursive: true });
      await writeFile(join(dir, file.path), file.content);
    }
    // `create` installs dependencies, which writes the lockfile; the plan alone has none.
    const [lockfile, content] = lockfiles[combo.packageManager!]!;
    await writeFile(join(dir, lockfile), content);
    const report = await runAudit({ root: dir, config: resolveConfig(undefined, 'test', registry), cache: false, workers: 0, today: '2026-01-01' });
    const found = report.findings
      .filter((f) => owned.test(f.checklist) && f.severity !== 'info')
      // Choosing no infrastructure is choosing to keep it elsewhere (the option's summary says so).
      .filter((f) => !(combo.infra === 'none' && f.ruleId === 'iac-missing'))
      .map((f) => `${f.checklist} ${f.ruleId} ${f.location?.path ?? '(repository)'}:${f.location?.startLine ?? ''}`);
    expect(found).toEqual([]);
  });
});
