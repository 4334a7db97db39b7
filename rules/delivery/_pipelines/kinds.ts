/**
 * What a CI command or action is for: running tests, linting, type-checking, static analysis (SAST), dependency
 * scanning, or this audit. Commands arrive already expanded through task runners (see tasks.ts).
 */
import type { RepoModel } from '../../../src/audit/model.js';
import { allSteps, pipelinesOf, runnableJobs, type Pipeline, type PipelineJob, type PipelineStep, type Script } from './pipelines.js';
import { expandScript, type Expanded } from './tasks.js';

export type Kind = 'test' | 'lint' | 'typecheck' | 'sast' | 'depscan' | 'prodgrade';

function bin(argv: readonly string[]): string {
  const first = argv[0] ?? '';
  return first.slice(first.lastIndexOf('/') + 1).replace(/\.(?:cmd|exe)$/, '');
}

const has = (argv: readonly string[], ...words: string[]): boolean => argv.some((a) => words.includes(a));

/** Kinds of one (expanded) command. */
export function kindsOfCommand(argv: readonly string[]): Set<Kind> {
  const kinds = new Set<Kind>();
  const b = bin(argv);
  const sub = argv[1] ?? '';
  const rest = argv.slice(1);
  const version = has(rest, '--version', '-v', '--help', '-h');
  if (version) return kinds;

  // Tests.
  if (['vitest', 'jest', 'mocha', 'ava', 'tap', 'jasmine', 'karma', 'c8', 'nyc', 'pytest', 'py.test', 'tox', 'nox', 'rspec', 'phpunit', 'pest', 'ctest', 'nextest', 'uvu', 'tape', 'lab', 'wdio', 'testcafe', 'jest-ci', 'react-scripts', 'craco', 'ng', 'web-test-runner', 'wtr', 'node-tap', 'qunit', 'cucumber-js', 'behave', 'pest'].includes(b)) {
    if (b === 'react-scripts' || b === 'craco') {
      if (sub === 'test') kinds.add('test');
    } else if (b === 'ng') {
      if (sub === 'test' || sub === 'e2e') kinds.add('test');
      if (sub === 'lint') kinds.add('lint');
    } else if (b === 'vitest' && ['bench', 'typecheck', 'list', 'init'].includes(sub)) {
      if (sub === 'typecheck') kinds.add('typecheck');
    } else if ((b === 'c8' || b === 'nyc') && ['report', 'check-coverage', 'merge', 'instrument'].includes(sub)) {
      // Coverage tooling, not a test run.
    } else kinds.add('test');
  }
  if (b === 'playwright' && sub === 'test') kinds.add('test');
  if (b === 'cypress' && sub === 'run') kinds.add('test');
  if (b === 'start-server-and-test' || b === 'server-test') kinds.add('test');
  if ((b === 'node' || b === 'bun' || b === 'deno' || b === 'tsx') && has(rest, '--test', 'test')) kinds.add('test');
  if (['go', 'cargo', 'dotnet', 'swift', 'flutter', 'dart', 'mix', 'zig', 'stack', 'cabal', 'sbt', 'lein', 'elm-test'].includes(b) && has(rest, 'test', 'nextest')) kinds.add('test');
  if ((b === 'mvn' || b === 'mvnw' || b === './mvnw') && has(rest, 'test', 'verify', 'install', 'package') && !rest.some((a) => /^-D(?:skipTests|maven\.test\.skip)(?:=true)?$/.test(a))) kinds.add('test');
  if ((b === 'gradle' || b === 'gradlew') && rest.some((a) => /(?:^|:)(?:test|check|build|connectedCheck|integrationTest)$/.test(a)) && !has(rest, '-x')) kinds.add('test');
  if ((b === 'rake' || b === 'rails') && rest.some((a) => /^(?:test|spec)(?::|$)/.test(a))) kinds.add('test');
  if (b === 'python' && has(rest, 'manage.py') && has(rest, 'test')) kinds.add('test');
  if (b === 'unittest' || b === 'pytest-xdist') kinds.add('test');
  if (b === 'php' && rest.some((a) => /phpunit|pest/.test(a))) kinds.add('test');
  if (b === 'artisan' && sub === 'test') kinds.add('test');

  // Lint.
  if (['eslint', 'oxlint', 'standard', 'xo', 'tslint', 'stylelint', 'golangci-lint', 'staticcheck', 'revive', 'flake8', 'pylint', 'rubocop', 'ktlint', 'detekt', 'shellcheck', 'hadolint', 'actionlint', 'markdownlint', 'markdownlint-cli2', 'swiftlint', 'phpcs', 'phpstan', 'psalm', 'credo', 'clj-kondo', 'tflint', 'yamllint', 'sqlfluff', 'eslint_d', 'lint-staged', 'super-linter', 'megalinter', 'trunk', 'knip', 'oxc', 'biome', 'rome', 'ruff', 'pyflakes', 'pycodestyle', 'vale', 'commitlint', 'spectral', 'buf', 'dprint', 'htmlhint', 'quick-lint-js', 'deno', 'ultracite'].includes(b)) {
    if (b === 'biome' || b === 'rome') {
      if (['lint', 'check', 'ci'].includes(sub)) kinds.add('lint');
    } else if (b === 'ruff') {
      if (sub !== 'format' || has(rest, '--check')) kinds.add('lint');
    } else if (b === 'deno') {
      if (sub === 'lint') kinds.add('lint');
      if (sub === 'check') kinds.add('typecheck');
      if (sub === 'test') kinds.add('test');
    } else if (b === 'buf') {
      if (sub === 'lint') kinds.add('lint');
    } else if (b === 'dprint') {
      if (sub === 'check') kinds.add('lint');
    } else if (b === 'trunk') {
      if (sub === 'check') kinds.add('lint');
    } else if (b === 'lint-staged' || b === 'commitlint' || b === 'knip') {
      // Not a code lint of the tree: lint-staged lints staged files (nothing in CI), commitlint lints messages.
    } else if (b === 'ultracite') {
      if (sub === 'lint' || sub === 'check') kinds.add('lint');
    } else kinds.add('lint');
  }
  if (b === 'next' && sub === 'lint') kinds.add('lint');
  if (b === 'nuxi' && sub === 'typecheck') kinds.add('typecheck');
  if (b === 'go' && (sub === 'vet' || sub === 'fmt')) kinds.add('lint');
  if (b === 'cargo' && (sub === 'clippy' || (sub === 'fmt' && has(rest, '--check')))) kinds.add('lint');
  if (b === 'cargo' && ['build', 'check', 'test', 'clippy'].includes(sub)) kinds.add('typecheck');
  if (b === 'go' && ['build', 'vet', 'test'].includes(sub)) kinds.add('typecheck');
  if (b === 'nx' && (sub === 'format:check' || has(rest, 'format:check'))) kinds.add('lint');
  if (b === 'prettier' && has(rest, '--check', '-c', '--list-different', '-l')) kinds.add('lint');
  if (b === 'black' && has(rest, '--check')) kinds.add('lint');
  if (b === 'nx-executor' && /:(?:lint|eslint)$/.test(sub)) kinds.add('lint');
  if (b === 'nx-executor' && /:(?:jest|vitest|test|karma|cypress|playwright)$/.test(sub)) kinds.add('test');
  if (b === 'nx-executor' && /:(?:tsc|typecheck)$/.test(sub)) kinds.add('typecheck');

  // Type checks.
  if (b === 'tsc' || b === 'tsgo' || b === 'vue-tsc' || b === 'svelte-check' || b === 'ember-tsc' || b === 'glint' || b === 'mypy' || b === 'pyright' || b === 'basedpyright' || b === 'pytype' || b === 'tsc-files' || b === 'tsc-silent') {
    if (!has(rest, '--noCheck', '--init', '--showConfig', '--watch', '-w')) kinds.add('typecheck');
  }
  if (b === 'astro' && sub === 'check') kinds.add('typecheck');
  if (b === 'next' && sub === 'build' && !has(rest, '--no-lint')) kinds.add('typecheck');
  if (b === 'flow' && (sub === 'check' || sub === '')) kinds.add('typecheck');
  if (b === 'nest' && sub === 'build') kinds.add('typecheck');
  if (b === 'react-router' && sub === 'typegen') kinds.add('typecheck');

  // SAST.
  if (b === 'semgrep' || b === 'opengrep' || b === 'bearer' || b === 'njsscan' || b === 'bandit' || b === 'gosec' || b === 'brakeman' || b === 'horusec' || b === 'sonar-scanner' || b === 'codeql' || b === 'snyk-code' || b === 'spotbugs' || b === 'graudit' || b === 'insider' || b === 'nodejsscan' || b === 'sobelow' || b === 'psalm-security' || b === 'fortify' || b === 'sourceclear' || b === 'checkmarx' || b === 'cx' || b === 'veracode' || b === 'deepsource' || b === 'codacy-analysis-cli') {
    if (!(b === 'semgrep' && sub === 'login') && !(b === 'codeql' && sub === 'version')) kinds.add('sast');
  }
  if (b === 'snyk' && sub === 'code') kinds.add('sast');
  if ((b === 'mvn' || b === 'mvnw') && rest.some((a) => /sonar(?:qube)?:sonar|spotbugs:check|find-sec-bugs/.test(a))) kinds.add('sast');
  if ((b === 'gradle' || b === 'gradlew') && rest.some((a) => /^(?:sonar|sonarqube)$/.test(a))) kinds.add('sast');
  if (b === 'dotnet' && sub === 'sonarscanner') kinds.add('sast');

  // Dependency scanning.
  if (['npm', 'pnpm', 'yarn', 'bun'].includes(b) && sub === 'audit' && !has(rest, 'signatures', 'fix')) kinds.add('depscan');
  if (b === 'yarn' && sub === 'npm' && argv[2] === 'audit') kinds.add('depscan');
  if (['audit-ci', 'better-npm-audit', 'improved-yarn-audit', 'pip-audit', 'safety', 'govulncheck', 'grype', 'osv-scanner', 'retire', 'bundle-audit', 'bundler-audit', 'dependency-check', 'dependency-check.sh', 'nancy', 'cargo-audit', 'cargo-deny', 'trivy', 'socket', 'npq', 'jake', 'ossaudit', 'auditjs', 'mend', 'whitesource', 'wss', 'fossa', 'depscan', 'dep-scan', 'vet', 'syft-grype', 'nsp', 'audit'].includes(b)) {
    if (b === 'trivy') {
      if (['fs', 'filesystem', 'repo', 'repository', 'image', 'i', 'rootfs', 'sbom'].includes(sub)) kinds.add('depscan');
    } else if (b === 'safety') {
      if (['check', 'scan'].includes(sub)) kinds.add('depscan');
    } else if (b === 'vet' || b === 'audit') {
      // Too generic to tell.
    } else if (b === 'socket') {
      if (['ci', 'scan', 'npm', 'npx'].includes(sub)) kinds.add('depscan');
    } else kinds.add('depscan');
  }
  if (b === 'cargo' && (sub === 'audit' || sub === 'deny')) kinds.add('depscan');
  if (b === 'bundle' && sub === 'audit') kinds.add('depscan');
  if (b === 'snyk' && (sub === 'test' || sub === 'monitor' || sub === 'container')) kinds.add('depscan');
  if (b === 'docker' && sub === 'scout' && has(rest, 'cves', 'quickview', 'recommendations')) kinds.add('depscan');
  if (b === 'composer' && sub === 'audit') kinds.add('depscan');
  if (b === 'dotnet' && sub === 'list' && has(rest, '--vulnerable')) kinds.add('depscan');
  if ((b === 'mvn' || b === 'mvnw') && rest.some((a) => /dependency-check/.test(a))) kinds.add('depscan');
  if ((b === 'gradle' || b === 'gradlew') && rest.some((a) => /dependencyCheck/.test(a))) kinds.add('depscan');

  if (b === 'prodgrade' && (sub === 'audit' || sub === '' || sub.startsWith('-'))) kinds.add('prodgrade');
  return kinds;
}

/** Kinds of a task whose definition was not found, from its name alone (`test:unit`, `lint`, `typecheck`). */
export function kindsOfTaskName(name: string): Set<Kind> {
  const kinds = new Set<Kind>();
  const parts = name.toLowerCase().split(/[:_\-./]/);
  if (parts.some((p) => ['test', 'tests', 'spec', 'specs', 'e2e', 'unit', 'integration', 'vitest', 'jest', 'coverage', 'cov'].includes(p))) kinds.add('test');
  if (parts.some((p) => ['lint', 'eslint', 'linter', 'biome', 'oxlint', 'stylelint'].includes(p))) kinds.add('lint');
  if (parts.some((p) => ['typecheck', 'tsc', 'types', 'typings', 'typescript', 'check-types', 'mypy', 'pyright'].includes(p)) || /type-?check|check-?types|types?:check/.test(name.toLowerCase())) kinds.add('typecheck');
  if (parts.some((p) => ['semgrep', 'codeql', 'sast'].includes(p))) kinds.add('sast');
  if (parts.includes('audit') && !parts.includes('prodgrade')) kinds.add('depscan');
  if (parts.includes('prodgrade')) kinds.add('prodgrade');
  return kinds;
}

/** Actions, orbs, pipes, tasks and templates that do one of the jobs. Matched on the reference without its version. */
const referenceKinds: Array<{ test: RegExp; kind: Kind }> = [
  { test: /^github\/codeql-action\/(?:analyze|init|autobuild)$/i, kind: 'sast' },
  { test: /^(?:returntocorp|semgrep)\/semgrep-action$/i, kind: 'sast' },
  { test: /^sonarsource\/(?:sonarcloud-github-action|sonarqube-scan-action|sonarcloud-github-c-cpp|sonarqube-github-c-cpp)$/i, kind: 'sast' },
  { test: /^snyk\/actions\/[^/]+$/i, kind: 'depscan' },
  { test: /^bearer\/bearer-action$/i, kind: 'sast' },
  { test: /^securego\/gosec$/i, kind: 'sast' },
  { test: /^(?:shiftleftsecurity\/scan-action|checkmarx\/[^/]+|veracode\/[^/]+|codacy\/codacy-analysis-cli-action|deepsourcelabs\/[^/]+|mobb-dev\/[^/]+|aikidosec\/[^/]+)$/i, kind: 'sast' },
  { test: /^actions\/dependency-review-action$/i, kind: 'depscan' },
  { test: /^aquasecurity\/trivy-action$/i, kind: 'depscan' },
  { test: /^anchore\/scan-action$/i, kind: 'depscan' },
  { test: /^google\/osv-scanner-action(?:\/.+)?$/i, kind: 'depscan' },
  { test: /^golang\/govulncheck-action$/i, kind: 'depscan' },
  { test: /^pypa\/gh-action-pip-audit$/i, kind: 'depscan' },
  { test: /^dependency-check\/dependency-check_action$/i, kind: 'depscan' },
  { test: /^docker\/scout-action$/i, kind: 'depscan' },
  { test: /^(?:socketdev|mend|whitesource|fossas|fossa-contrib|oss-review-toolkit)\/[^/]+$/i, kind: 'depscan' },
  { test: /^(?:rustsec\/audit-check|actions-rust-lang\/audit|embarkstudios\/cargo-deny-action)$/i, kind: 'depscan' },
  { test: /^golangci\/golangci-lint-action$/i, kind: 'lint' },
  { test: /^(?:github|super-linter)\/super-linter(?:\/slim)?$/i, kind: 'lint' },
  { test: /^(?:wearerequired\/lint-action|reviewdog\/action-[^/]+|trunk-io\/trunk-action|oxc-project\/oxlint-action|oxsecurity\/megalinter(?:\/.+)?|ataylorme\/eslint-annotate-action|sibiraj-s\/action-eslint|stefanoeb\/eslint-action|rhysd\/actionlint|raven-actions\/actionlint|hadolint\/hadolint-action|ludeeus\/action-shellcheck|chartboost\/ruff-action|astral-sh\/ruff-action|ricardochaves\/python-lint|psf\/black|dominikh\/staticcheck-action)$/i, kind: 'lint' },
  { test: /^cypress-io\/github-action$/i, kind: 'test' },
  { test: /^(?:mattes\/gotest-action|robherley\/go-test-action)$/i, kind: 'test' },
  { test: /^task:(?:vstest|gradle|maven)@/i, kind: 'test' },
  { test: /^task:(?:sonarqubeanalyze|sonarcloudanalyze|advancedsecurity-codeql-analyze)@/i, kind: 'sast' },
  { test: /^task:(?:snyksecurityscan|whitesource|dependency-check-build-task|advancedsecurity-dependency-scanning)@/i, kind: 'depscan' },
  { test: /^(?:snyk\/snyk|circleci\/snyk)$/i, kind: 'depscan' },
  { test: /^sonarsource\/sonarcloud\/scan$|^sonarcloud\/scan$/i, kind: 'sast' },
  { test: /^atlassian\/(?:bitbucket-snyk-scan|snyk-scan)$|^snyk\/snyk-scan$/i, kind: 'depscan' },
  { test: /^sonarsource\/sonarcloud-(?:scan|quality-gate)$|^sonarsource\/sonarqube-scan$/i, kind: 'sast' },
  // GitLab templates and components.
  { test: /(?:^|\/)(?:Security\/)?SAST(?:-IaC)?(?:\.latest)?\.gitlab-ci\.yml$|^Jobs\/SAST(?:\.latest)?\.gitlab-ci\.yml$|components\/sast\/sast/i, kind: 'sast' },
  { test: /(?:^|\/)(?:Security|Jobs)\/(?:Dependency-Scanning|Container-Scanning)(?:\.latest)?\.gitlab-ci\.yml$|components\/(?:dependency-scanning|container-scanning)\//i, kind: 'depscan' },
  { test: /(?:^|\/)Auto-DevOps\.gitlab-ci\.yml$/i, kind: 'sast' },
  { test: /(?:^|\/)Auto-DevOps\.gitlab-ci\.yml$/i, kind: 'depscan' },
  { test: /(?:^|\/)Auto-DevOps\.gitlab-ci\.yml$/i, kind: 'test' },
  { test: /(?:^|\/)Code-Quality\.gitlab-ci\.yml$|^Jobs\/Code-Quality\.gitlab-ci\.yml$/i, kind: 'lint' },
  { test: /prodgrade/i, kind: 'prodgrade' },
];

/** `owner/repo/path@ref` → `owner/repo/path`; `docker://img:tag` and orb/pipe references likewise without version. */
export function referenceName(uses: string): string {
  return uses.replace(/@[^@]*$/, '').replace(/:[\w.-]+$/, (m) => (uses.startsWith('task:') ? m : ''));
}

export function kindsOfReference(uses: string): Set<Kind> {
  const name = uses.startsWith('task:') || uses.startsWith('template:') ? uses.replace(/^template:/, '') : referenceName(uses);
  const kinds = new Set<Kind>();
  for (const { test, kind } of referenceKinds) if (test.test(name)) kinds.add(kind);
  // CircleCI orb commands and jobs: `node/test`, `node/run-tests`, `python/test`.
  if (!name.includes('@') && /^[\w-]+\/(?:test|run-tests?|tests|jest|vitest|pytest)$/.test(name)) kinds.add('test');
  return kinds;
}

export interface KindSite {
  kind: Kind;
  pipeline: Pipeline;
  job: PipelineJob;
  step?: PipelineStep;
  path: string;
  offset: number;
  end: number;
  /** The command or reference that does it, for messages. */
  what: string;
  /** The expanded command, when the site is a command. */
  argv?: string[];
}

const sitesCache = new WeakMap<RepoModel, KindSite[]>();

/** Every place the repository's pipelines do one of the kinds of work, in file order (memoized per model). */
export function kindSites(model: RepoModel): KindSite[] {
  const cached = sitesCache.get(model);
  if (cached) return cached;
  const pipelines = pipelinesOf(model);
  const sites: KindSite[] = [];
  const add = (kinds: Iterable<Kind>, base: Omit<KindSite, 'kind'>): void => {
    for (const kind of kinds) sites.push({ kind, ...base });
  };
  for (const { pipeline, job, step } of allSteps(pipelines)) {
    if (step.run) {
      for (const e of expandScript(model, withMatrix(step.run, job.matrix))) add(commandKinds(e), { pipeline, job, step, path: step.path, offset: e.offset, end: e.end, what: describe(e), argv: e.argv });
    }
    if (step.uses) {
      const kinds = kindsOfReference(step.uses.value);
      // Retry wrappers and generic runners carry the command in an input.
      for (const key of ['command', 'run', 'script', 'args']) {
        const input = step.with[key];
        if (input && /retry|command|run|script/i.test(step.uses.value)) for (const e of expandScript(model, input)) for (const k of commandKinds(e)) kinds.add(k);
      }
      add(kinds, { pipeline, job, step, path: step.path, offset: step.uses.offset, end: step.uses.end, what: step.uses.value });
    }
  }
  for (const { pipeline, job } of runnableJobs(pipelines)) {
    if (job.uses) add(kindsOfReference(job.uses.value), { pipeline, job, path: job.path, offset: job.uses.offset, end: job.uses.end, what: job.uses.value });
    for (const image of job.images) add(imageKinds(image.value), { pipeline, job, path: job.path, offset: image.offset, end: image.end, what: image.value });
  }
  for (const pipeline of pipelines) {
    for (const inc of pipeline.includes) {
      const job: PipelineJob = { id: '(include)', path: pipeline.path, offset: inc.offset, images: [], with: {}, steps: [], template: false };
      add(kindsOfReference(inc.value), { pipeline, job, path: pipeline.path, offset: inc.offset, end: inc.end, what: inc.value });
    }
  }
  sites.sort((a, b) => a.path.localeCompare(b.path) || a.offset - b.offset);
  sitesCache.set(model, sites);
  return sites;
}

/**
 * `pnpm ${{ matrix.job }}` with `matrix: { job: [build, test] }` runs `pnpm build` and `pnpm test`: the script is read
 * once per value of each axis it uses, the copies one after another, each position mapped back to its own in the file.
 */
export function withMatrix(script: Script, matrix: Readonly<Record<string, readonly string[]>> | undefined): Script {
  if (!matrix) return script;
  const reference = /\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g;
  const axes = [...new Set([...script.text.matchAll(reference)].map((m) => m[1]!))].filter((axis) => matrix[axis]);
  if (axes.length === 0) return script;
  const variants: Array<Record<string, string>> = [{}];
  for (const axis of axes) {
    const next: Array<Record<string, string>> = [];
    for (const v of variants) for (const value of matrix[axis]!) next.push({ ...v, [axis]: value });
    variants.splice(0, variants.length, ...next.slice(0, 16));
  }
  let text = '';
  // For each character of the combined text: the index in the original script it came from.
  const origin: number[] = [];
  for (const values of variants) {
    let last = 0;
    for (const m of script.text.matchAll(reference)) {
      const value = values[m[1]!];
      if (value === undefined) continue;
      for (let i = last; i < m.index; i++) origin.push(i);
      text += script.text.slice(last, m.index);
      for (let i = 0; i < value.length; i++) origin.push(m.index);
      text += value;
      last = m.index + m[0].length;
    }
    for (let i = last; i < script.text.length; i++) origin.push(i);
    text += `${script.text.slice(last)}\n`;
    origin.push(script.text.length);
  }
  return { text, path: script.path, offsetAt: (index) => script.offsetAt(origin[Math.min(index, origin.length - 1)] ?? 0) };
}

function commandKinds(e: Expanded): Set<Kind> {
  return e.unresolvedTask !== undefined ? kindsOfTaskName(e.unresolvedTask) : kindsOfCommand(e.argv);
}

function describe(e: Expanded): string {
  const own = e.unresolvedTask !== undefined ? `task ${e.unresolvedTask}` : e.argv.slice(0, 4).join(' ');
  return e.via.length ? `${own} (via ${e.via.join(' → ')})` : own;
}

/** Scanner images used as a job's container (`image: returntocorp/semgrep`, `aquasec/trivy`). */
function imageKinds(image: string): Set<Kind> {
  const kinds = new Set<Kind>();
  if (/(?:^|\/)(?:semgrep|returntocorp\/semgrep|sonar-scanner-cli|bearer)(?:[:@]|$)/.test(image)) kinds.add('sast');
  if (/(?:^|\/)(?:aquasec\/trivy|anchore\/grype|owasp\/dependency-check|snyk\/snyk)(?:[:@]|$)/.test(image)) kinds.add('depscan');
  return kinds;
}
