import { resolve } from 'node:path';
import { checklist } from '../core/checklist.js';
import type { AnyRule } from '../core/define-rule.js';
import { realFs, type Fs } from '../core/fs.js';
import { atLeast, confidences, severities, type Finding } from '../core/types.js';
import { toolName, toolUri, toolVersion } from '../core/versions.js';
import { applyBaseline, type BaselineOutcome } from './baseline.js';
import { cacheFileFor, readCache, writeCache, type CacheData, type CachedFile } from './cache.js';
import type { ResolvedConfig } from './config.js';
import { digest } from './digest.js';
import { assertDirectory, discover, treeDigest, type Discovery } from './discover.js';
import { crashFinding, selectsPath, runFileRules, type ConfiguredRule, type FileJob, type FileResult } from './file-runner.js';
import { finalizeFingerprints, type DraftFinding } from './findings.js';
import { keywordSetOf, type KeywordSet } from './keywords.js';
import { RepoModel } from './model.js';
import type { parsePrisma } from './parsers/prisma.js';
import { autoWorkers, BatchQueue, minJobsForWorkers, poolSize, runOnThisThread, workersAvailable, WorkerPool } from './pool.js';
import type { NotAssessed, PackageSummary, Report } from './report.js';
import { reportSchemaVersion } from './report.js';
import { score } from './scoring.js';
import { applySuppressions, parseSuppressions, type Suppression } from './suppressions.js';
import { buildId } from './build-id.js';
import { trackedDigest } from './git-tracked.js';
import { runKeyOf, writeRunCache } from './run-cache.js';
import { Timer, timingEnabled } from './timing.js';
import { runRepositoryRules, runSummaries, type RuleOutcome } from './repository-rules.js';

export interface AuditRequest {
  root: string;
  config: ResolvedConfig;
  fs?: Fs;
  cache?: boolean;
  /** Worker threads for file rules; undefined picks by tree size, 0 runs in-process. */
  workers?: number;
  changedSince?: string;
  baseline?: { path: string; update: boolean };
  onProgress?: (phase: 'reading' | 'auditing', done: number, total: number) => void;
  /** Builds a type-checked program for rules that use types (slow; off by default). */
  typeCheck?: boolean;
  /** YYYY-MM-DD; suppressions with an earlier `until=` have expired. Defaults to today. */
  today?: string;
  /** The tree, when the caller already read it with this configuration's include, exclude and size limit. */
  discovery?: Discovery;
  /**
   * With the cache on, the report is also stored as a whole-run entry (`run-cache.ts`) under this key completed with
   * the tree's listing; `auditRun` (`run.ts`) builds it from everything else the report depends on.
   */
  runKeyBase?: string;
  /** Internal timing (`--timing`): the caller's timer, which then prints; otherwise the engine makes and prints one. */
  timer?: Timer;
  /** Worker threads the caller started while it read the tree (`auditRun`); the engine uses them and closes them. */
  pool?: WorkerPool;
  /** Prisma schemas the tree thread is parsing meanwhile (`auditRun`, tree-thread.ts). */
  prismaAhead?: Promise<ReadonlyMap<string, ReturnType<typeof parsePrisma>>>;
}

export { assertDirectory };

/** What every suppression comment contains (`parseSuppressions` skips a file without it): the cheap pre-filter. */
const suppressionMarker = 'prodgrade-ignore-';

export function signatureOf(config: ResolvedConfig, typeCheck: boolean | undefined): string {
  return digest([
    toolVersion,
    buildId(),
    JSON.stringify(config.rules.map((r) => [r.rule.meta.id, r.severity, r.options])),
    String(config.maxFileBytes),
    String(Boolean(typeCheck)),
  ]);
}


/** Runs an audit end to end and returns the report. Writes nothing into the audited tree. */
export async function runAudit(request: AuditRequest): Promise<Report> {
  const timer = request.timer ?? (timingEnabled() ? new Timer() : undefined);
  try {
    return await audit(request, timer);
  } finally {
    if (timer && !request.timer) {
      timer.stop();
      process.stderr.write(timer.format());
    }
  }
}

async function audit(request: AuditRequest, timer: Timer | undefined): Promise<Report> {
  /** What the workers measured, summed. */
  const workerTimer = timer ? new Timer(false) : undefined;
  const started = performance.now();
  const fs = request.fs ?? realFs;
  const root = resolve(request.root);
  // A caller that passes the tree has listed it, so the directory exists.
  if (!request.discovery) await assertDirectory(fs, root);
  const { config } = request;
  const today = request.today ?? new Date().toISOString().slice(0, 10);

  timer?.enter('read the result cache');
  const cacheFile = request.cache === false ? undefined : cacheFileFor(root);
  // The build's id behind the signature costs a walk of the package's code: only a cached run needs it.
  const signature = cacheFile ? signatureOf(config, request.typeCheck) : '';
  const cached: CacheData | undefined = cacheFile ? await readCache(cacheFile, signature) : undefined;
  timer?.exit();

  // Without a usable cache, a large tree's file rules will run in workers: start them now, so that they load the rules
  // and TypeScript while this thread reads the tree. (With --type-check, TypeScript files stay on this thread.)
  const earlyPool =
    !cached && !request.typeCheck && request.workers !== 0 && workersAvailable() && config.rules.some((r) => r.rule.scope === 'file');
  let pool: WorkerPool | undefined = request.pool;
  const startPool = (found: number): void => {
    if (!earlyPool || pool || !(request.workers !== undefined || found >= minJobsForWorkers)) return;
    const size = request.workers ?? poolSize();
    if (size > 0) pool = new WorkerPool(size);
  };
  timer?.enter('discovery (list, read, hash)');
  let discovery = request.discovery;
  if (discovery) startPool(discovery.files.length);
  else {
    discovery = await discover({
      root,
      fs,
      exclude: config.exclude,
      include: config.include,
      maxFileBytes: config.maxFileBytes,
      onProgress: (found) => {
        startPool(found);
        request.onProgress?.('reading', found, 0);
      },
    });
  }
  timer?.exit();
  timer?.milestone('main: rules loaded, engine starts');
  timer?.enter('repository model');
  const model = new RepoModel(root, discovery.files, discovery.skipped);
  // Before any repository rule asks the model about a file's words: the file rules' keywords are then answered in the
  // same pass over its bytes as theirs.
  const ruleWords = new Map<AnyRule, KeywordSet>(config.rules.flatMap(({ rule }) => (rule.scope === 'file' && rule.files.keywords ? [[rule, keywordSetOf(rule.files.keywords)] as const] : [])));
  if (timer) model.timer = timer;
  const tree = treeDigest(discovery);
  let trackedDigestOnce: Promise<string> | undefined;
  const gitDigest = (): Promise<string> => (trackedDigestOnce ??= model.tracked().then(trackedDigest));
  let repoCached = cached?.repo?.treeDigest === tree ? cached.repo : undefined;
  // `git add` or `git rm --cached` changes what repository rules see without changing a byte of the tree.
  if (repoCached?.gitDigest !== undefined && repoCached.gitDigest !== (await gitDigest())) repoCached = undefined;

  // Readers of the database schemas wait for them; everything else goes on meanwhile.
  if (request.prismaAhead && !repoCached) model.adoptPrismaLater(request.prismaAhead);

  const repoOutcome: RuleOutcome = { drafts: [], notApplicable: new Map() };
  if (repoCached) {
    repoOutcome.drafts.push(...repoCached.drafts);
    for (const [id, reason] of Object.entries(repoCached.notApplicable)) repoOutcome.notApplicable.set(id, reason);
  }
  const repositoryRules = async (): Promise<void> => {
    timer?.milestone('main: repository rules start');
    timer?.enter('repository rules');
    if (!repoCached) await runRepositoryRules(config.rules, model, repoOutcome, timer);
    timer?.exit();
  };
  // With worker threads, the repository rules run on this thread while the workers audit the files, so the files are
  // selected (after the prepare steps) first. Without, they run first: the prepare steps, which wait for the schemas
  // a worker may still be parsing, come after them, and a source they parse here is not parsed again for its file
  // rules.
  const withWorkers = pool !== undefined || (workersAvailable() && !request.typeCheck && (request.workers ?? poolSize()) > 0);
  if (!withWorkers) {
    timer?.exit();
    await repositoryRules();
    timer?.enter('repository model');
  }

  // Prepare steps (e.g. which tables are tenant-owned) run once here; their results travel to the workers and key
  // the per-file cache, so a schema change re-audits every file that depends on it.
  const prepared: Record<string, unknown> = repoCached ? { ...repoCached.prepared } : {};
  const failedPrepare = new Set<string>(repoCached?.failedPrepare ?? []);
  const fileRules: ConfiguredRule[] = [];
  timer?.exit();
  timer?.enter('prepare steps of file rules');
  for (const { rule, options } of config.rules) {
    if (rule.scope !== 'file') continue;
    if (rule.prepare && !repoCached) {
      timer?.enter(`rule ${rule.meta.id}`);
      try {
        prepared[rule.meta.id] = await rule.prepare({ model, options: options as never });
      } catch (error) {
        failedPrepare.add(rule.meta.id);
        repoOutcome.drafts.push({ ...crashFinding(rule, '(repository)', '.', error), location: null });
      } finally {
        timer?.exit();
      }
    }
    if (!failedPrepare.has(rule.meta.id)) fileRules.push({ rule, options, prepared: prepared[rule.meta.id] });
  }
  timer?.exit();
  timer?.enter('select files (paths, keyword pre-filters)');
  const preparedDigest = digest([JSON.stringify(prepared)]);
  const fileCache = cached?.preparedDigest === preparedDigest ? cached.files : undefined;
  const fileResults: FileResult[] = [];
  const pending: FileJob[] = [];
  const mainThreadJobs: FileJob[] = [];
  const parsedHere = model.parsedOnMainThread();
  // With --type-check, TypeScript files are parsed once, into the program, and audited here on the main thread.
  const program =
    request.typeCheck && fileRules.some((r) => r.rule.scope === 'file' && r.rule.files.types)
      ? (await import('./type-program.js')).buildTypeProgram(model)
      : undefined;
  const hashes = new Map(discovery.files.map((f) => [f.path, f.hash]));
  // Languages and paths are tested here; keywords where the file is audited, all in one pass (keywords.ts), so that
  // this thread neither decodes nor scans the files that go to a worker.
  for (const f of discovery.files) {
    const file = model.file(f.path)!;
    const hit = fileCache?.[f.path];
    if (hit && hit.hash === f.hash && hit.packageDir === file.packageDir) {
      fileResults.push({ path: f.path, drafts: hit.drafts, signals: hit.signals, ...(hit.skipped ? { skipped: hit.skipped } : {}) });
      continue;
    }
    const candidates: number[] = [];
    for (let i = 0; i < fileRules.length; i++) {
      const { rule } = fileRules[i]!;
      if (rule.scope === 'file' && selectsPath(rule.files, file)) candidates.push(i);
    }
    if (candidates.length === 0) continue;
    const here = parsedHere.has(f.path) || (program !== undefined && file.language === 'ts');
    const job: FileJob = { path: f.path, language: file.language, packageDir: file.packageDir, size: f.size, rules: candidates };
    if (here || !withWorkers) {
      // Audited on this thread: the model has likely read the file's bytes for a repository rule already.
      job.rules = candidates.filter((i) => {
        const words = ruleWords.get(fileRules[i]!.rule);
        return words === undefined || model.mentions(f.path, words);
      });
      job.keywordsTested = true;
      if (job.rules.length === 0) {
        fileResults.push({ path: f.path, drafts: [], signals: {} });
        continue;
      }
    }
    const decoded = here || f.decoded;
    if (decoded) job.text = f.text;
    // Keywords are matched on the bytes even when the text is decoded; a worker is sent only one of the two.
    if (!decoded || here || !withWorkers) job.bytes = f.content();
    (here ? mainThreadJobs : pending).push(job);
  }
  timer?.exit();
  const queue = new BatchQueue(pending);
  const workers = pool && pending.length > 0 ? pool.size : Math.min(request.workers ?? autoWorkers(pending.length), queue.remaining);
  if (!pool && workers > 0) pool = new WorkerPool(workers);
  const total = pending.length + mainThreadJobs.length;
  let done = 0;
  const tick = (n: number): void => {
    done += n;
    request.onProgress?.('auditing', done, total);
  };
  try {
    // Workers audit the files while this thread runs the repository rules, then its own files, then takes its share
    // of the workers' queue. Without workers, the repository rules run first: a source they parse here is not
    // parsed again for its file rules.
    const inWorkers = pool && pending.length > 0 ? pool.run(queue, fileRules, tick, workerTimer) : undefined;
    inWorkers?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    timer?.milestone('main: files selected');
    if (withWorkers) await repositoryRules();
    timer?.milestone('main: file rules start');
    timer?.enter('file rules on this thread');
    const auditHere = (job: FileJob): FileResult => runFileRules(job, fileRules, program?.sourceFile(job.path) ?? parsedHere.get(job.path), program?.checker, timer);
    for (const job of mainThreadJobs) {
      fileResults.push(auditHere(job));
      tick(1);
    }
    for (const r of await runOnThisThread(queue, auditHere, tick)) fileResults.push(r);
    timer?.exit();
    timer?.milestone('main: queue empty');
    timer?.enter('waiting for the workers');
    if (inWorkers) for (const r of await inWorkers) fileResults.push(r);
    timer?.exit();
    if (timer && workerTimer) {
      timer.workers = workers;
      timer.workerTotals = workerTimer.totals;
      timer.milestones.push(...workerTimer.milestones);
    }
  } finally {
    await pool?.close();
  }
  fileResults.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  timer?.milestone('main: summaries start');
  timer?.enter('summaries of file rules');
  if (!repoCached) runSummaries(config.rules, model, fileResults, repoOutcome, timer);
  timer?.exit();
  timer?.enter('write the result cache');

  // A full hit leaves the cache as it was read: rewriting it would only cost time.
  const unchanged = repoCached !== undefined && fileCache !== undefined && total === 0 && fileResults.length === Object.keys(fileCache).length;
  if (cacheFile && !unchanged) {
    const files: Record<string, CachedFile> = {};
    for (const r of fileResults) {
      const h = hashes.get(r.path);
      const packageDir = model.file(r.path)?.packageDir;
      if (h && packageDir !== undefined) files[r.path] = { hash: h, packageDir, drafts: r.drafts, signals: r.signals, ...(r.skipped ? { skipped: r.skipped } : {}) };
    }
    await writeCache(cacheFile, {
      signature,
      preparedDigest,
      files,
      repo: {
        treeDigest: tree,
        ...(model.askedGit() ? { gitDigest: await gitDigest() } : {}),
        drafts: repoOutcome.drafts,
        notApplicable: Object.fromEntries(repoOutcome.notApplicable),
        prepared,
        failedPrepare: [...failedPrepare],
      },
    });
  }
  timer?.exit();
  timer?.enter('findings, suppressions, baseline, score');

  // Findings: severity overrides from configuration, then fingerprints, suppressions, --changed-since, baseline.
  const severityOf = new Map(config.rules.map((r) => [r.rule.meta.id, r]));
  const fileDrafts = fileResults.flatMap((r) => r.drafts);
  const applyOverride = (d: DraftFinding): DraftFinding => {
    const configured = severityOf.get(d.ruleId);
    return configured && !d.internal && configured.severity !== configured.rule.meta.severity ? { ...d, severity: configured.severity } : d;
  };
  const fromFiles = new Set<DraftFinding>(fileDrafts);
  let drafts = [...fileDrafts, ...repoOutcome.drafts].map((d) => {
    const out = applyOverride(d);
    if (fromFiles.has(d)) fromFiles.add(out);
    return out;
  });
  if (request.changedSince) {
    const changed = await (await import('./changed.js')).changedFiles(root, request.changedSince);
    drafts = drafts.filter((d) => !fromFiles.has(d) || (d.location !== null && changed.has(d.location.path)));
  }
  let findings: Finding[] = finalizeFingerprints(drafts);

  const knownIds = new Set(config.rules.map((r) => r.rule.meta.id).concat(config.disabledRules));
  // Only files that mention a suppression are decoded here; the rest of a cached run needs no text at all.
  const suppressions: Suppression[] = discovery.files.flatMap((f) => (f.includes(suppressionMarker) ? parseSuppressions(f.path, f.text, today) : []));
  for (const s of suppressions) {
    const unknown = s.rules.filter((r) => r !== 'all' && !knownIds.has(r));
    if (unknown.length && s.status !== 'invalid') {
      s.status = 'invalid';
      s.problem = `names unknown rule ${unknown.join(', ')}`;
    }
  }
  findings = applySuppressions(findings, suppressions);

  let baseline: BaselineOutcome | undefined;
  if (request.baseline) {
    baseline = await applyBaseline(request.baseline.path, request.baseline.update, findings, root);
    findings = baseline.findings;
  }

  findings.sort(
    (a, b) =>
      (a.location?.path ?? '').localeCompare(b.location?.path ?? '') ||
      (a.location?.startLine ?? 0) - (b.location?.startLine ?? 0) ||
      (a.location?.startColumn ?? 0) - (b.location?.startColumn ?? 0) ||
      a.ruleId.localeCompare(b.ruleId),
  );

  // What was assessed: a file rule whose files exist, a repository rule that did not declare itself not applicable.
  const notApplicableReasons = new Map<string, string[]>();
  const assessed = new Set<string>();
  for (const { rule } of config.rules) {
    const id = rule.meta.checklist;
    let reason = repoOutcome.notApplicable.get(rule.meta.id);
    if (rule.scope === 'file' && reason === undefined && !model.files.some((f) => selectsPath(rule.files, f))) {
      reason = `${rule.meta.id}: no ${(rule.files.languages ?? ['matching']).join('/')} files`;
    }
    if (reason === undefined) assessed.add(id);
    else notApplicableReasons.set(id, [...new Set([...(notApplicableReasons.get(id) ?? []), reason])]);
  }
  const notAssessed: NotAssessed[] = checklist
    .filter((item) => !assessed.has(item.id))
    .map((item) => ({
      checklist: item.id,
      title: item.title,
      reason:
        notApplicableReasons.get(item.id)?.join('; ') ??
        (config.rules.length === 0 || !config.rules.some((r) => r.rule.meta.checklist === item.id)
          ? `No enabled rule observes this item yet (the checklist looks for: ${item.audit})`
          : 'Not observed in this run'),
    }));

  const scored = score(findings, assessed);
  const packages: PackageSummary[] = model.packages.map((pkg) => {
    const own = findings.filter((f) => f.package === pkg.dir);
    const s = score(own, assessed);
    return { dir: pkg.dir, name: pkg.name, score: s.score, grade: s.grade, findings: own.filter((f) => !f.internal).length };
  });
  const bySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Report['summary']['counts']['bySeverity'];
  const byConfidence = Object.fromEntries(confidences.map((c) => [c, 0])) as Report['summary']['counts']['byConfidence'];
  let internal = 0;
  for (const f of findings) {
    if (f.internal) {
      internal++;
      continue;
    }
    bySeverity[f.severity]++;
    byConfidence[f.confidence]++;
  }
  const failedGates = Object.entries(config.gates).flatMap(([section, minimum]) => {
    const s = scored.sections[section as keyof typeof scored.sections].score;
    return s !== null && minimum !== undefined && s < minimum ? [{ section: section as keyof typeof scored.sections, minimum, score: s }] : [];
  });
  const failOn = config.failOn;
  const failed = failedGates.length > 0 || (failOn !== 'none' && findings.some((f) => !f.internal && atLeast(f.severity, failOn)));

  const skippedFiles = [...discovery.skipped, ...fileResults.filter((r) => r.skipped).map((r) => ({ path: r.path, reason: r.skipped! }))].sort(
    (a, b) => a.path.localeCompare(b.path),
  );
  const cacheState = !cacheFile ? 'off' : repoCached && pending.length === 0 ? 'hit' : cached ? 'partial' : 'miss';
  const report: Report = {
    schemaVersion: reportSchemaVersion,
    tool: { name: toolName, version: toolVersion, uri: toolUri },
    root,
    generatedAt: new Date().toISOString(),
    summary: {
      score: scored.score,
      grade: scored.grade,
      sections: scored.sections,
      counts: { total: findings.length - internal, bySeverity, byConfidence, internal },
      packages,
      failOn,
      failed,
      failedGates,
    },
    findings,
    notAssessed,
    skippedFiles,
    suppressions,
    ...(baseline ? { baseline: { path: baseline.path, matched: baseline.matched, stale: baseline.stale } } : {}),
    config: { source: config.source ?? null, defaultExcludes: discovery.defaultExcludes, monorepoTools: model.monorepo.tools },
    stats: {
      files: discovery.files.length,
      bytes: discovery.files.reduce((n, f) => n + f.size, 0),
      durationMs: Math.round(performance.now() - started),
      cache: cacheState,
      workers,
    },
  };
  timer?.exit();
  if (cacheFile && request.runKeyBase !== undefined) {
    timer?.enter('write the whole-run cache');
    await writeRunCache(cacheFile, runKeyOf(request.runKeyBase, discovery), report, model.askedGit() ? await gitDigest() : undefined, discovery.stamps);
    timer?.exit();
  }
  return report;
}

