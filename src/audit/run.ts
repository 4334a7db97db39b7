import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AnyRule } from '../core/define-rule.js';
import { realFs } from '../core/fs.js';
import type { Severity } from '../core/types.js';
import { toolVersion } from '../core/versions.js';
import { buildId } from './build-id.js';
import { cacheFileFor } from './cache.js';
import { resolveBasics, resolveConfig, type ResolvedConfig } from './config.js';
import { assertDirectory, discover, type Discovery } from './discover.js';
import { trackedDigest, trackedFiles } from './git-tracked.js';
import type { AuditRequest } from './engine.js';
import type { WorkerPool } from './pool.js';
import type { Report } from './report.js';
import { digest } from './digest.js';
import { readRunCache, runKeyOf } from './run-cache.js';
import type { parsePrisma } from './parsers/prisma.js';
import { Timer, timingEnabled } from './timing.js';

export interface AuditRunRequest extends Omit<AuditRequest, 'config' | 'discovery' | 'runKeyBase' | 'timer'> {
  /** The configuration as read (`loadRawConfig`), not yet resolved against the rules. */
  raw: unknown;
  source: string | undefined;
  /** `--fail-on`, over the configuration's `failOn`. */
  failOn?: Severity | 'none';
  /** The rules, loaded only when the whole-run cache cannot answer. */
  loadRules: () => Promise<readonly AnyRule[]>;
  /**
   * Identifies the rule set when it is not the registry shipped with this build (the build is already part of the
   * key): tests and embedders with their own rules pass their ids and versions here.
   */
  rulesKey?: string;
}

/**
 * Everything a report depends on besides the tree: the tool build, the rule set, the configuration as written, the
 * options that change results, today's date (suppressions with `until=` expire) and the baseline file's content.
 */
async function runKeyBase(request: AuditRunRequest, root: string, today: string): Promise<string> {
  let baseline = 'none';
  if (request.baseline) {
    const path = resolve(request.baseline.path);
    let content: string;
    try {
      content = digest([(await readFile(path)).toString('latin1')]);
    } catch (error) {
      content = `unreadable ${(error as NodeJS.ErrnoException).code ?? ''}`;
    }
    baseline = `${path}\0${content}`;
  }
  return digest([
    'run-v1',
    toolVersion,
    buildId(),
    request.rulesKey ?? 'registry',
    root,
    JSON.stringify(request.raw ?? null),
    request.source ?? '',
    request.failOn ?? '',
    String(Boolean(request.typeCheck)),
    today,
    baseline,
  ]);
}

/** The rules and the engine, loaded, and the configuration resolved against the rules. */
interface LoadedEngine {
  config: ResolvedConfig;
  runAudit: typeof import('./engine.js').runAudit;
}

/**
 * `prodgrade audit`: the whole-run cache first, then the engine. On an unchanged tree (same files, configuration,
 * options, baseline, date, and what git tracks when a rule asked) the last report is returned as it was, with this
 * run's time and `stats.cache: "hit"`; the rules, their parsers and TypeScript are never loaded. Any difference
 * misses and runs the engine, whose per-file cache still spares the unchanged files.
 */
export async function auditRun(request: AuditRunRequest): Promise<Report> {
  const timer = timingEnabled() ? new Timer() : undefined;
  // Since the process started: Node and the command line's modules.
  timer?.add('start-up (Node, command line)', performance.now());
  const started = performance.now();
  try {
    return await run(request, timer, started);
  } finally {
    if (timer) {
      timer.stop();
      process.stderr.write(timer.format());
    }
  }
}

async function run(request: AuditRunRequest, timer: Timer | undefined, started: number): Promise<Report> {
  const fs = request.fs ?? realFs;
  const root = resolve(request.root);
  await assertDirectory(fs, root);
  const today = request.today ?? new Date().toISOString().slice(0, 10);
  const basics = resolveBasics(request.raw, request.source);

  // `--changed-since` depends on git history, `--update-baseline` writes: neither is ever answered from the cache.
  const cacheFile = request.cache === false ? undefined : cacheFileFor(root);
  const eligible = cacheFile !== undefined && !request.changedSince && !request.baseline?.update;
  const keyBase = eligible ? await runKeyBase(request, root, today) : undefined;
  timer?.enter('whole-run cache lookup');
  const entry = eligible ? await readRunCache(cacheFile) : undefined;
  timer?.exit();

  // Unless the cache is likely to answer, a large tree's file workers (with more than two cores) start while the tree
  // is read, and load TypeScript and their rules meanwhile.
  let pool: WorkerPool | undefined;
  const poolModule = entry !== undefined || request.typeCheck || request.workers === 0 ? undefined : await import('./pool.js');
  const startPool = (found: number): void => {
    if (!poolModule || pool || !poolModule.workersAvailable()) return;
    if (request.workers === undefined && found < poolModule.minJobsForWorkers) return;
    const size = request.workers ?? poolModule.poolSize();
    if (size > 0) pool = new poolModule.WorkerPool(size);
  };
  const onFound = (found: number): void => {
    startPool(found);
    request.onProgress?.('reading', found, 0);
  };
  const readHere = (): Promise<Discovery> =>
    discover({
      root,
      fs,
      exclude: basics.exclude,
      include: basics.include,
      maxFileBytes: basics.maxFileBytes,
      ...(entry?.stamps ? { known: entry.stamps } : {}),
      onProgress: onFound,
    });
  const timed = <T>(key: string, fn: () => Promise<T>): Promise<T> => (timer ? timer.timeAsync(key, fn) : fn());
  const loadEngine = async (): Promise<LoadedEngine> => {
    const [engine, rules] = await Promise.all([import('./engine.js'), request.loadRules()]);
    const config = resolveConfig(request.raw, request.source, rules);
    if (request.failOn) config.failOn = request.failOn;
    return { config, runAudit: engine.runAudit };
  };

  let discovery: Discovery;
  let loaded: LoadedEngine | undefined;
  let prismaAhead: Promise<ReadonlyMap<string, ReturnType<typeof parsePrisma>>> | undefined;
  // Without a cache entry the rules will run: a worker thread reads the tree (and parses the Prisma schemas) while
  // this thread loads the rules, the engine and TypeScript, which take about as long. Should it fail, this thread
  // reads the tree, and the schemas are parsed where they are read.
  const thread =
    entry === undefined && fs === realFs && request.workers !== 0
      ? (await import('./tree-thread.js')).TreeThread.start(
          { root, exclude: basics.exclude, include: basics.include, maxFileBytes: basics.maxFileBytes },
          onFound,
        )
      : undefined;
  const loadOrClose = async (): Promise<LoadedEngine> => {
    try {
      return await timed('load rules and engine', loadEngine);
    } catch (error) {
      await thread?.discovery; // its progress reports may still start the workers
      await pool?.close();
      throw error;
    }
  };
  if (thread) {
    timer?.milestone('main: discovery thread started');
    loaded = await loadOrClose();
    timer?.enter('discovery (list, read, hash) on a worker (waiting)');
    const read = await thread.discovery;
    timer?.exit();
    if (read) prismaAhead = thread.prisma;
    discovery = read ?? (await timed('discovery (list, read, hash)', readHere));
  } else discovery = await timed('discovery (list, read, hash)', readHere);
  timer?.milestone('main: tree read');
  if (entry) {
    timer?.enter('whole-run cache lookup');
    const hit =
      entry.key === runKeyOf(keyBase!, discovery) && (entry.gitDigest === undefined || entry.gitDigest === trackedDigest(await trackedFiles(root)));
    timer?.exit();
    if (hit) {
      return {
        ...entry.report,
        generatedAt: new Date().toISOString(),
        stats: { ...entry.report.stats, durationMs: Math.round(performance.now() - started), cache: 'hit', workers: 0 },
      };
    }
  }

  const { config, runAudit } = loaded ?? (await loadOrClose());
  const { raw: _raw, source: _source, failOn: _failOn, loadRules: _loadRules, rulesKey: _rulesKey, ...rest } = request;
  return runAudit({
    ...rest,
    root,
    config,
    today,
    discovery,
    ...(pool ? { pool } : {}),
    ...(prismaAhead ? { prismaAhead } : {}),
    ...(keyBase !== undefined ? { runKeyBase: keyBase } : {}),
    ...(timer ? { timer } : {}),
  });
}
