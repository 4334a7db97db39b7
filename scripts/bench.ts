/**
 * Benchmarks `prodgrade audit` on a large real repository against the baselines and peer tools of the performance
 * targets (docs/benchmark.md). Every step runs in a fresh child process, so its peak memory is its own.
 *
 *   npm run bench -- [repo] [--runs N] [--skip-peers] [--cli path/to/bin/prodgrade.js]
 *
 * `--cli` (else $BENCH_CLI) measures another build of prodgrade, e.g. a private copy while others rebuild `dist/`;
 * without it `dist/` is rebuilt when stale and `bin/prodgrade.js` is measured.
 * The repository (argument, else $BENCH_REPO, else .bench/repo) is fetched, never committed; peer tools are installed
 * into .bench/tools/ on first use. Figures go to stdout and to .bench/results.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { binaryExtensions, defaultExcludedDirectories } from '../src/audit/discover.js';

const root = resolve(import.meta.dirname, '..');
const benchDir = join(root, '.bench');
const toolsDir = join(benchDir, 'tools');
const timeBin = '/usr/bin/time';
const mb = 1024 * 1024;

/** Peer tools, pinned so figures stay comparable (secretlint 12.0 is the last release that supports Node 20). */
const peerPackages = {
  secretlint: '12.0.0',
  '@secretlint/secretlint-rule-preset-recommend': '12.0.0',
  eslint: '9.39.5',
  'eslint-plugin-security': '4.1.0',
  '@microsoft/eslint-plugin-sdl': '1.1.0',
  'typescript-eslint': '8.74.0',
  typescript: '5.9.3',
} as const;

const tsExtensions = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'];

interface Args {
  repo: string;
  runs: number;
  skipPeers: boolean;
  /** The bin to measure, when not this checkout's own. */
  cli: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let repo: string | undefined;
  let runs = 3;
  let skipPeers = false;
  let cli = process.env.BENCH_CLI || undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) fail('--runs needs a whole number ≥ 1');
    } else if (arg === '--skip-peers') skipPeers = true;
    else if (arg === '--cli') {
      cli = argv[++i];
      if (!cli) fail('--cli needs the path of a bin/prodgrade.js');
    } else if (arg.startsWith('-')) fail(`unknown option ${arg} (usage: npm run bench -- [repo] [--runs N] [--skip-peers] [--cli path])`);
    else repo = arg;
  }
  if (cli !== undefined && !existsSync(cli)) fail(`no prodgrade bin at ${cli}`);
  return { repo: resolve(repo ?? process.env.BENCH_REPO ?? join(benchDir, 'repo')), runs, skipPeers, cli: cli === undefined ? undefined : resolve(cli) };
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Setup: build, peer tools, child scripts

function newestMtime(dir: string, skip: (name: string) => boolean = () => false): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (skip(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, skip));
    else if (/\.[cm]?ts$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfStale(): void {
  const marker = join(root, 'dist', 'src', 'cli', 'main.js');
  const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const skip = (name: string): boolean => name === 'fixtures' || name === 'node_modules';
  const sources = Math.max(newestMtime(join(root, 'src'), skip), newestMtime(join(root, 'rules'), skip));
  if (built >= sources) return;
  log('dist/ is stale: npm run build');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    if (!existsSync(marker)) fail('the build failed and dist/ has no CLI');
    log('the build reported errors; measuring the output it emitted');
  }
}

function installedVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(toolsDir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

function ensurePeerTools(): void {
  const missing = Object.entries(peerPackages).filter(([name, version]) => installedVersion(name) !== version);
  if (missing.length === 0) return;
  log(`installing peer tools into ${relative(root, toolsDir)}/ (first run only)`);
  mkdirSync(toolsDir, { recursive: true });
  const manifest = join(toolsDir, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, `${JSON.stringify({ name: 'prodgrade-bench-tools', private: true }, null, 2)}\n`);
  const specs = Object.entries(peerPackages).map(([name, version]) => `${name}@${version}`);
  const result = spawnSync('npm', ['install', '--prefix', toolsDir, '--no-audit', '--no-fund', '--save-exact', ...specs], {
    cwd: toolsDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) fail(`npm install of the peer tools failed (exit ${result.status}); retry, or run with --skip-peers`);
}

/** Child scripts of the baselines; plain ESM so no loader's start-up cost or memory counts against them. */
function writeChildScripts(): { listRead: string; parse: string; maxRss: string } {
  mkdirSync(toolsDir, { recursive: true });
  const walk = `
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const [rootDir, excludedJson] = process.argv.slice(2);
const excluded = new Set(JSON.parse(excludedJson));
function walk(dir, onFile) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!excluded.has(entry.name)) walk(path, onFile);
    } else if (entry.isFile()) onFile(path, entry.name);
  }
}
`;
  const listRead = join(toolsDir, 'list-read.mjs');
  writeFileSync(
    listRead,
    `${walk}
let files = 0;
let bytes = 0;
walk(rootDir, (path) => {
  files++;
  bytes += readFileSync(path).length;
});
process.stdout.write(JSON.stringify({ files, bytes }));
`,
  );
  const parse = join(toolsDir, 'parse.mjs');
  writeFileSync(
    parse,
    `${walk}
import { createRequire } from 'node:module';
const started = performance.now();
const { ts } = createRequire(${JSON.stringify(join(root, 'package.json'))})('ts-morph');
const loaded = performance.now();
const extensions = new Set(${JSON.stringify(tsExtensions)});
const kinds = { tsx: ts.ScriptKind.TSX, jsx: ts.ScriptKind.JSX, js: ts.ScriptKind.JS, mjs: ts.ScriptKind.JS, cjs: ts.ScriptKind.JS };
let files = 0;
let bytes = 0;
let lines = 0;
walk(rootDir, (path, name) => {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  if (!extensions.has(ext) || /\\.min\\.js$/.test(name)) return;
  const buffer = readFileSync(path);
  if (buffer.length > ${mb}) return;
  const text = buffer.toString('utf8');
  ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kinds[ext] ?? ts.ScriptKind.TS);
  files++;
  bytes += buffer.length;
  for (let i = text.indexOf('\\n'); i !== -1; i = text.indexOf('\\n', i + 1)) lines++;
});
process.stdout.write(JSON.stringify({ files, bytes, lines, loadMs: loaded - started, parseMs: performance.now() - loaded }));
`,
  );
  // Fallback when GNU time is not installed: every measured program is a Node process, which reports its own peak.
  const maxRss = join(toolsDir, 'maxrss.mjs');
  writeFileSync(
    maxRss,
    `import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const usage = process.resourceUsage();
  writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ maxRss: usage.maxRSS, cpuUs: usage.userCPUTime + usage.systemCPUTime }));
});
`,
  );
  return { listRead, parse, maxRss };
}

function writePeerConfigs(): { secretlintrc: string; secretlintignore: string; eslintConfig: string } {
  const secretlintrc = join(toolsDir, '.secretlintrc.json');
  writeFileSync(secretlintrc, `${JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }, null, 2)}\n`);
  // What prodgrade never reads either: default-excluded folders, binaries by extension, minified bundles and maps.
  const secretlintignore = join(toolsDir, '.secretlintignore');
  writeFileSync(
    secretlintignore,
    `${[...defaultExcludedDirectories.map((d) => `**/${d}/**`), ...[...binaryExtensions].map((e) => `**/*.${e}`), '**/*.min.js', '**/*.min.css', '**/*.map', '**/*.snap'].join('\n')}\n`,
  );
  const eslintConfig = join(toolsDir, 'eslint.config.mjs');
  writeFileSync(
    eslintConfig,
    `// generated by scripts/bench.ts: eslint-plugin-security and @microsoft/eslint-plugin-sdl on every TS/JS file
import tseslint from 'typescript-eslint';
import security from 'eslint-plugin-security';
import sdl from '@microsoft/eslint-plugin-sdl';

export default [
  { ignores: ${JSON.stringify(defaultExcludedDirectories.map((d) => `**/${d}/**`))} },
  {
    files: ['**/*.{${tsExtensions.join(',')}}'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
  },
  // "required" is "recommended" without its own copy of eslint-plugin-security, registered below in its current version
  ...sdl.configs.required.map((c) => ({ ...c, files: ['**/*.{${tsExtensions.join(',')}}'] })),
  { ...security.configs.recommended, files: ['**/*.{${tsExtensions.join(',')}}'] },
];
`,
  );
  return { secretlintrc, secretlintignore, eslintConfig };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

interface Measured {
  wallMs: number;
  /** User + system CPU time of the process and its threads. */
  cpuMs: number;
  peakRssKb: number;
  code: number;
  stdout: string;
  stderr: string;
}

function measureOnce(command: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; maxRss: string }): Promise<Measured> {
  const useTime = existsSync(timeBin);
  const reportFile = join(toolsDir, `rss-${process.pid}.txt`);
  rmSync(reportFile, { force: true });
  const [node, ...rest] = command as [string, ...string[]];
  const argv = useTime ? ['-v', '-o', reportFile, node, ...rest] : ['--import', options.maxRss, ...rest];
  return new Promise((done, reject) => {
    const started = performance.now();
    const child = spawn(useTime ? timeBin : node, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, BENCH_RSS_FILE: reportFile, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      let peakRssKb = 0;
      let cpuMs = 0;
      try {
        const report = readFileSync(reportFile, 'utf8');
        if (useTime) {
          const field = (name: string): number => Number(new RegExp(`${name}: ([\\d.]+)`).exec(report)?.[1] ?? 0);
          peakRssKb = field('Maximum resident set size \\(kbytes\\)');
          cpuMs = (field('User time \\(seconds\\)') + field('System time \\(seconds\\)')) * 1000;
        } else {
          const usage = JSON.parse(report) as { maxRss: number; cpuUs: number };
          peakRssKb = usage.maxRss;
          cpuMs = usage.cpuUs / 1000;
        }
      } catch {
        // the child died before reporting
      }
      rmSync(reportFile, { force: true });
      done({ wallMs, cpuMs, peakRssKb, code: code ?? 1, stdout, stderr });
    });
  });
}

interface Row {
  id: string;
  name: string;
  /** Median wall time of the runs, milliseconds. */
  wallMs: number;
  runsMs: number[];
  /** Median CPU time (user + system, all threads) of the runs, milliseconds. */
  cpuMs: number;
  files: number;
  bytes: number;
  filesPerSecond: number;
  mbPerSecond: number;
  peakRssMb: number;
  note?: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Step {
  id: string;
  name: string;
  command: string[];
  options: { cwd: string; env?: NodeJS.ProcessEnv; maxRss: string; okCodes?: number[] };
  size: (last: Measured) => { files: number; bytes: number; note?: string };
}

/**
 * Runs the steps in rounds, each step once per round (a, b, a, b, …), so that steps compared with each other see the
 * same machine: on a shared virtual machine the speed drifts by a third within minutes, and steps run one after the
 * other would compare different machines.
 */
async function measureRounds(runs: number, steps: readonly Step[]): Promise<Row[]> {
  const results: Measured[][] = steps.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, step] of steps.entries()) {
      const r = await measureOnce(step.command, step.options);
      if (!(step.options.okCodes ?? [0]).includes(r.code)) {
        fail(`${step.name} exited with ${r.code}:\n${(r.stderr || r.stdout).slice(-2000)}`);
      }
      results[k]!.push(r);
      log(`${step.id}) ${step.name}: ${(r.wallMs / 1000).toFixed(2)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s, ${(r.peakRssKb / 1024).toFixed(0)} MB`);
    }
  }
  return steps.map((step, k) => rowOf(step, results[k]!));
}

function rowOf({ id, name, size }: Step, results: readonly Measured[]): Row {
  const wallMs = median(results.map((r) => r.wallMs));
  const { files, bytes, note } = size(results.at(-1)!);
  return {
    id,
    name,
    wallMs,
    runsMs: results.map((r) => Math.round(r.wallMs)),
    cpuMs: median(results.map((r) => r.cpuMs)),
    files,
    bytes,
    filesPerSecond: files / (wallMs / 1000),
    mbPerSecond: bytes / mb / (wallMs / 1000),
    peakRssMb: Math.max(...results.map((r) => r.peakRssKb)) / 1024,
    ...(note ? { note } : {}),
  };
}

function measure(id: string, name: string, runs: number, command: string[], options: Step['options'], size: Step['size']): Promise<Row> {
  return measureRounds(runs, [{ id, name, command, options, size }]).then(([row]) => row!);
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface Target {
  name: string;
  value: number;
  limit: string;
  pass: boolean;
}

function table(rows: readonly Row[]): string {
  const header = ['', 'step', 'wall s', 'CPU s', 'files', 'files/s', 'MB/s', 'peak RSS MB'];
  const body = rows.map((r) => [
    `${r.id})`,
    r.name,
    (r.wallMs / 1000).toFixed(2),
    (r.cpuMs / 1000).toFixed(2),
    String(r.files),
    r.filesPerSecond.toFixed(0),
    r.mbPerSecond.toFixed(1),
    r.peakRssMb.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function repoCommit(repo: string): string | undefined {
  const result = spawnSync('git', ['-C', repo, '-c', 'core.fsmonitor=false', 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function readPrevious(file: string, commit: string | undefined): Row[] {
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as { repo: { commit?: string }; rows: Row[] };
    return previous.repo.commit === commit ? previous.rows.filter((r) => r.id === 'e' || r.id === 'f') : [];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.repo) || !statSync(args.repo).isDirectory()) {
    fail(
      `no repository at ${relative(process.cwd(), args.repo) || '.'}: fetch a large TypeScript monorepo (~3k TS files) first, e.g. \`git clone --depth 1 https://github.com/formbricks/formbricks .bench/repo\`, or pass its path (npm run bench -- <path>) or set BENCH_REPO; it is never committed (.bench/ is gitignored)`,
    );
  }
  const resultsFile = join(benchDir, 'results.json');
  const commit = repoCommit(args.repo);
  const previousPeers = args.skipPeers ? readPrevious(resultsFile, commit) : [];
  if (!args.cli) buildIfStale();
  if (!args.skipPeers) ensurePeerTools();
  const scripts = writeChildScripts();
  const { secretlintrc, secretlintignore, eslintConfig } = writePeerConfigs();
  const excluded = JSON.stringify(['.git', ...defaultExcludedDirectories]);
  const node = process.execPath;
  const repo = args.repo;
  const base = { cwd: repo, maxRss: scripts.maxRss };

  const loadAtStart = loadavg()[0]!;
  // Warm the page cache so every step reads from memory.
  await measureOnce([node, scripts.listRead, repo, excluded], base);

  const rows: Row[] = [];
  const listed = { files: 0, bytes: 0 };
  rows.push(
    await measure('a', 'list + read every file', args.runs, [node, scripts.listRead, repo, excluded], base, (m) => {
      Object.assign(listed, JSON.parse(m.stdout) as { files: number; bytes: number });
      return listed;
    }),
  );
  const parsed = { files: 0, bytes: 0, lines: 0, parseMs: 0, loadMs: 0 };
  const cli = args.cli ?? join(root, 'bin', 'prodgrade.js');
  const cacheDir = join(benchDir, 'cache');
  const audit = [node, cli, 'audit', repo, '--format', 'json=/dev/null', '--quiet'];
  // The parse and the cold audit alternate: their ratio is the target.
  rows.push(
    ...(await measureRounds(args.runs, [
      {
        id: 'b',
        name: 'TypeScript parse of every TS/JS file (1 core)',
        command: [node, scripts.parse, repo, excluded],
        options: base,
        size: (m) => {
          Object.assign(parsed, JSON.parse(m.stdout) as typeof parsed);
          return { ...parsed, note: `load ${parsed.loadMs.toFixed(0)} ms + read/parse ${parsed.parseMs.toFixed(0)} ms, ${parsed.lines} lines` };
        },
      },
      { id: 'c', name: 'prodgrade audit --no-cache (cold)', command: [...audit, '--no-cache'], options: { ...base, okCodes: [0, 1] }, size: () => listed },
    ])),
  );
  rmSync(cacheDir, { recursive: true, force: true });
  const cached = { ...base, env: { PRODGRADE_CACHE_DIR: cacheDir }, okCodes: [0, 1] };
  await measureOnce(audit, cached); // primes the cache
  rows.push(await measure('d', 'prodgrade audit, cache warm', args.runs, audit, cached, () => listed));

  if (args.skipPeers) {
    if (previousPeers.length === 2) {
      log('--skip-peers: peer figures taken from the previous results.json for this commit');
      rows.push(...previousPeers);
    } else {
      log('--skip-peers: no previous peer figures for this commit; the peer target is not evaluated');
    }
  } else {
    const bin = (path: string): string => join(toolsDir, 'node_modules', path);
    rows.push(
      await measure(
        'e',
        `secretlint ${installedVersion('secretlint')} (preset-recommend)`,
        1,
        [node, bin('secretlint/bin/secretlint.js'), '**/*', '--secretlintrc', secretlintrc, '--secretlintignore', secretlintignore, '--format', 'json', '--output', '/dev/null'],
        base,
        () => listed,
      ),
    );
    rows.push(
      await measure(
        'f',
        `eslint ${installedVersion('eslint')} + security + sdl (typescript-eslint parser)`,
        1,
        [node, bin('eslint/bin/eslint.js'), '-c', eslintConfig, '--no-inline-config', '--no-warn-ignored', '--format', 'json', '--output-file', '/dev/null', '.'],
        { ...base, okCodes: [0, 1] },
        () => parsed,
      ),
    );
  }

  const byId = new Map(rows.map((r) => [r.id, r]));
  const parse = byId.get('b')!;
  const cold = byId.get('c')!;
  const warm = byId.get('d')!;
  const pairedRatio = median(cold.runsMs.map((ms, i) => ms / parse.runsMs[i]!));
  const targets: Target[] = [
    // Each cold audit against the parse of its own round, the median of those ratios.
    { name: 'cold audit / TypeScript parse', value: pairedRatio, limit: '≤ 1.5', pass: pairedRatio <= 1.5 },
  ];
  const secretlint = byId.get('e');
  const eslint = byId.get('f');
  if (secretlint && eslint) {
    const ratio = (secretlint.wallMs + eslint.wallMs) / cold.wallMs;
    targets.push({ name: '(secretlint + eslint) / cold audit', value: ratio, limit: '≥ 8', pass: ratio >= 8 });
  }
  const peak = Math.max(cold.peakRssMb, warm.peakRssMb);
  targets.push({ name: 'audit peak RSS (MB)', value: peak, limit: '< 1024', pass: peak < 1024 });
  targets.push({ name: 'warm audit (s)', value: warm.wallMs / 1000, limit: '< 1', pass: warm.wallMs < 1000 });

  const cpu = cpus();
  const load = { start: loadAtStart, end: loadavg()[0]! };
  const busy = Math.max(load.start, load.end) > cpu.length / 2;
  const repoLabel = `${relative(root, repo) || repo}${commit ? ` @ ${commit.slice(0, 12)}` : ''}`;
  process.stdout.write(
    `\nprodgrade bench: ${repoLabel}\n${listed.files} files (${(listed.bytes / mb).toFixed(1)} MB), ${parsed.files} TS/JS files (${(parsed.bytes / mb).toFixed(1)} MB, ${parsed.lines} lines)\n` +
      `${args.cli ? `prodgrade from ${args.cli}\n` : ''}node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB; median of ${args.runs} run(s) for a-d, 1 for e-f\n` +
      `load average ${load.start.toFixed(1)} at start, ${load.end.toFixed(1)} at end${busy ? ': the machine was busy, wall times are inflated (CPU times less so)' : ''}\n\n` +
      `${table(rows)}\n\n` +
      rows
        .filter((r) => r.note)
        .map((r) => `${r.id}) ${r.note}\n`)
        .join('') +
      `\n${targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.value.toFixed(2)} (target ${t.limit})`).join('\n')}\n`,
  );

  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpu.length, cpuModel: cpu[0]?.model, memoryGiB: totalmem() / 1024 ** 3, loadAverage: load },
    prodgrade: relative(root, cli) || cli,
    repo: { path: repo, commit, files: listed.files, bytes: listed.bytes, tsFiles: parsed.files, tsBytes: parsed.bytes, tsLines: parsed.lines },
    tools: { ...Object.fromEntries(Object.keys(peerPackages).map((p) => [p, installedVersion(p) ?? null])) },
    runs: args.runs,
    peakRssFrom: existsSync(timeBin) ? 'GNU time -v' : 'process.resourceUsage().maxRSS',
    rows,
    targets,
  };
  mkdirSync(benchDir, { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`figures written to ${relative(process.cwd(), resultsFile)}`);
  process.exitCode = targets.every((t) => t.pass) ? 0 : 1;
}

await main();
