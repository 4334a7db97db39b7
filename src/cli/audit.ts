import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ExitCode, KnownError, errorMessage } from '../core/errors.js';
import { realFs } from '../core/fs.js';
import { severities, type Severity } from '../core/types.js';
import type { ResolvedConfig } from '../audit/config.js';
import type { AnyRule } from '../core/define-rule.js';
import { enableCompileCache } from '../audit/compile-cache.js';
import { tuneTiering } from '../audit/tiering.js';
import { reporterNames, type ReporterName } from '../audit/reporters/names.js';
import { chalkFor, colorEnabled } from './color.js';
import { progressLine } from './progress.js';

interface AuditFlags {
  format: string[];
  failOn?: Severity | 'none';
  config?: string;
  printConfig?: boolean;
  cache: boolean;
  baseline?: string;
  updateBaseline?: boolean;
  changedSince?: string;
  listSuppressions?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  jobs?: string;
  typeCheck?: boolean;
  timing?: boolean;
}

interface OutputSpec {
  name: ReporterName;
  path?: string;
}

export function parseFormats(specs: readonly string[]): OutputSpec[] {
  const list = specs.length ? specs : ['text'];
  return list.map((spec) => {
    const eq = spec.indexOf('=');
    const name = (eq === -1 ? spec : spec.slice(0, eq)).trim();
    const path = eq === -1 ? undefined : spec.slice(eq + 1).trim();
    if (!(reporterNames as readonly string[]).includes(name)) {
      throw new KnownError(`Unknown format "${name}"`, `Use one of: ${reporterNames.join(', ')} (optionally name=path to write a file).`);
    }
    if (path === '') throw new KnownError(`--format ${name}= needs a file path after "="`, `e.g. --format ${name}=report.${name === 'markdown' ? 'md' : name}`);
    return { name: name as ReporterName, ...(path ? { path } : {}) };
  });
}

function printableConfig(config: ResolvedConfig): unknown {
  return {
    source: config.source ?? null,
    include: config.include,
    exclude: config.exclude,
    failOn: config.failOn,
    gates: config.gates,
    maxFileSizeKb: config.maxFileBytes / 1024,
    rules: Object.fromEntries(config.rules.map((r) => [r.rule.meta.id, { checklist: r.rule.meta.checklist, severity: r.severity, options: r.options }])),
    disabledRules: config.disabledRules,
  };
}

async function action(path: string | undefined, flags: AuditFlags): Promise<void> {
  enableCompileCache(resolve(path ?? '.'));
  tuneTiering();
  // Loaded here, not at start-up, and only what this run needs: the rules and the engine pull in TypeScript and the
  // parsers, which `create`, `--help`, `--version` and an audit answered by the cache do not need.
  const [{ loadRawConfig, resolveConfig }, { assertDirectory }, { auditRun }, { loadReporter }] = await Promise.all([
    import('../audit/config.js'),
    import('../audit/discover.js'),
    import('../audit/run.js'),
    import('../audit/reporters/load.js'),
  ]);
  const loadRegistry = async (): Promise<readonly AnyRule[]> => (await import('../audit/registry.js')).registry;
  // Workers inherit the environment: they time themselves too.
  if (flags.timing) process.env.PRODGRADE_TIMING = '1';
  const root = resolve(path ?? '.');
  const outputs = parseFormats(flags.format);
  if (outputs.filter((o) => !o.path).length > 1) {
    throw new KnownError('Only one --format can print to stdout', 'Give the others a file: --format sarif=results.sarif');
  }
  if (flags.updateBaseline && !flags.baseline) throw new KnownError('--update-baseline needs --baseline <file>', 'e.g. --baseline .prodgrade-baseline.json --update-baseline');
  let jobs: number | undefined;
  if (flags.jobs !== undefined) {
    jobs = Number(flags.jobs);
    if (!Number.isInteger(jobs) || jobs < 0 || jobs > 64) throw new KnownError(`--jobs must be a whole number from 0 to 64, got "${flags.jobs}"`, '0 runs every rule on the main thread.');
  }
  // Before the configuration: a mistyped path must not fall back to defaults (`--print-config`) or be misreported.
  await assertDirectory(realFs, root);
  const { raw, source } = await loadRawConfig(realFs, root, flags.config);
  if (flags.printConfig) {
    const config = resolveConfig(raw, source, await loadRegistry());
    if (flags.failOn) config.failOn = flags.failOn;
    process.stdout.write(`${JSON.stringify(printableConfig(config), null, 2)}\n`);
    return;
  }
  const interactive = Boolean(process.stderr.isTTY) && !flags.quiet;
  const progress = interactive ? progressLine(process.stderr) : undefined;
  let report;
  try {
    report = await auditRun({
      root,
      raw,
      source,
      loadRules: loadRegistry,
      ...(flags.failOn ? { failOn: flags.failOn } : {}),
      cache: flags.cache,
      ...(jobs !== undefined ? { workers: jobs } : {}),
      ...(flags.changedSince ? { changedSince: flags.changedSince } : {}),
      ...(flags.typeCheck ? { typeCheck: true } : {}),
      ...(flags.baseline ? { baseline: { path: flags.baseline, update: Boolean(flags.updateBaseline) } } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } finally {
    progress?.clear();
  }
  if (flags.listSuppressions) {
    const lines = report.suppressions.map(
      (s) => `${s.path}:${s.line}\t${s.kind}\t${s.rules.join(',')}\t${s.status}${s.until ? ` (until ${s.until})` : ''}\t${s.problem ?? s.reason}`,
    );
    process.stdout.write(lines.length ? `${lines.join('\n')}\n` : 'No suppressions.\n');
    return;
  }
  for (const output of outputs) {
    const toStdout = !output.path;
    const chalk = chalkFor(toStdout && output.name === 'text' && colorEnabled(process.stdout));
    const text = (await loadReporter(output.name))(report, { chalk, verbose: Boolean(flags.verbose) });
    if (output.path) {
      const target = resolve(output.path);
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, text);
      } catch (error) {
        throw new KnownError(`Cannot write ${output.path}: ${errorMessage(error)}`, 'Check the directory exists and is writable.');
      }
      if (!flags.quiet) process.stderr.write(`prodgrade: wrote ${output.name} report to ${output.path}\n`);
    } else if (!(flags.quiet && output.name === 'text')) {
      process.stdout.write(text);
    }
  }
  process.exitCode = report.summary.failed ? ExitCode.findings : ExitCode.ok;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('Statically audit a repository for production readiness (never runs its code, never writes into it).')
    .argument('[path]', 'repository to audit', '.')
    .option('-f, --format <format>', `output format: ${reporterNames.join(', ')}; name=path writes a file; repeatable`, (value: string, previous: string[]) => [...previous, value], [] as string[])
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...severities, 'none']))
    .option('-c, --config <file>', 'configuration file (default: prodgrade.config.{json,yaml,yml} or package.json#prodgrade)')
    .option('--print-config', 'print the resolved configuration and rule set, then exit')
    .option('--no-cache', 'ignore and do not write the result cache (kept outside the audited tree)')
    .option('--baseline <file>', 'report only findings not recorded in this baseline file')
    .option('--update-baseline', 'record the current findings into the --baseline file')
    .option('--changed-since <git-ref>', 'file findings only for files changed since the ref; repository checks still run')
    .option('--list-suppressions', 'list every inline suppression with its status, then exit')
    .option('--jobs <n>', 'worker threads for file rules, besides the main thread (default: none on 1 or 2 cores, else cores - 2, at most 4, for 300 files or more; 0 = main thread only, the tree read there too)')
    .option('--type-check', 'build a type-checked program for rules that can use types (slower; off by default)')
    .option('--verbose', 'also list fixes, skipped files, default excludes and not-assessed items')
    .option('--timing', 'print where the time went (per phase, per rule, per thread) to stderr; also PRODGRADE_TIMING=1')
    .option('-q, --quiet', 'no progress line and no text report on stdout (files are still written)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodgrade audit .
  $ prodgrade audit . --format sarif=prodgrade.sarif --format text
  $ prodgrade audit . --baseline .prodgrade-baseline.json --update-baseline
  $ prodgrade audit . --changed-since origin/main --fail-on medium`,
    )
    .action(action);
}
