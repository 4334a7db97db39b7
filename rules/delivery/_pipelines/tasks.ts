/**
 * Follows what a CI command runs through the repository's task runners: `npm run test:ci` into its package.json
 * script, `turbo run test` / `nx affected -t test` / `pnpm -r test` into every workspace's `test` script,
 * `make test` into the Makefile recipe, `just`/`task` likewise.
 */
import type { RepoModel } from '../../../src/audit/model.js';
import { commandsIn } from './shell.js';
import type { Script } from './yaml.js';

export interface Expanded {
  argv: string[];
  /** Offset in the CI file of the command this one was reached from. */
  offset: number;
  /** End offset of that CI command. */
  end: number;
  /** Task names followed to get here, outermost first. */
  via: string[];
  /** A task (`turbo run test`) none of whose definitions was found: only its name is known. */
  unresolvedTask?: string;
}

interface TaskRun {
  runner: 'package' | 'make' | 'just' | 'task' | 'nx';
  names: string[];
  /** Run in every workspace package (turbo, nx, `pnpm -r`, `--workspaces`) rather than the current one. */
  workspaces: boolean;
  dir?: string;
  /** `pnpm turbo run test`: when no script has the name, the package manager runs the binary; these are its words. */
  binary?: string[];
}

const pnpmBuiltins = new Set(['install', 'i', 'add', 'remove', 'rm', 'uninstall', 'un', 'update', 'up', 'upgrade', 'exec', 'dlx', 'publish', 'store', 'link', 'ln', 'unlink', 'audit', 'outdated', 'why', 'list', 'ls', 'll', 'la', 'prune', 'fetch', 'rebuild', 'rb', 'config', 'c', 'init', 'import', 'deploy', 'pack', 'patch', 'patch-commit', 'env', 'setup', 'licenses', 'create', 'server', 'root', 'bin', 'doctor', 'approve-builds', 'install-test', 'it', 'ci', 'dedupe', 'self-update', 'cache', 'sbom', 'version', 'login', 'logout', 'whoami']);
const yarnBuiltins = new Set(['install', 'add', 'remove', 'upgrade', 'up', 'audit', 'npm', 'dlx', 'exec', 'why', 'info', 'init', 'pack', 'publish', 'config', 'cache', 'set', 'plugin', 'constraints', 'dedupe', 'version', 'node', 'bin', 'link', 'unlink', 'global', 'import', 'outdated', 'check', 'policy', 'licenses', 'generate-lock-entry', 'autoclean', 'upgrade-interactive', 'create', 'login', 'logout', 'owner', 'tag', 'team', 'rebuild', 'help', 'explain', 'patch', 'patch-commit', 'stage', 'search', 'unplug', 'sdks', 'workspaces', 'workspace']);
const nxCommands = new Set(['graph', 'show', 'generate', 'g', 'migrate', 'reset', 'init', 'list', 'report', 'release', 'sync', 'daemon', 'connect', 'view-logs', 'watch', 'exec', 'add', 'repair', 'import', 'print-affected', 'format', 'format:write', 'format:check', 'login', 'logout', 'mcp', 'run-many', 'affected', 'run']);
const pnpmValueFlags = new Set(['--filter', '-F', '-C', '--dir', '--reporter', '--workspace-concurrency', '--resume-from', '--test-pattern', '--changed-files-ignore-pattern', '--filter-prod']);
const npmValueFlags = new Set(['-w', '--workspace', '--prefix', '-C', '--loglevel', '--cwd']);

function nonFlags(argv: readonly string[], from: number, valueFlags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = from; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (valueFlags.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

function firstNonFlag(argv: readonly string[], from: number, valueFlags: ReadonlySet<string>): { word: string; at: number } | undefined {
  for (let i = from; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-')) {
      if (valueFlags.has(a)) i++;
      continue;
    }
    return { word: a, at: i };
  }
  return undefined;
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** What task a command runs, if it is a task-runner invocation. */
export function taskRunOf(argv: readonly string[]): TaskRun | undefined {
  const bin = basename(argv[0] ?? '');
  const workspacesFlag = argv.some((a) => ['-r', '--recursive', '--workspaces', '-ws', '--filter', '-F'].includes(a) || a.startsWith('--filter=') || a.startsWith('--workspace'));
  if (bin === 'npm') {
    const sub = firstNonFlag(argv, 1, npmValueFlags);
    if (!sub) return undefined;
    if (['test', 't', 'tst', 'it', 'install-test', 'cit', 'clean-install-test', 'install-ci-test'].includes(sub.word)) return { runner: 'package', names: ['test'], workspaces: workspacesFlag };
    if (['start', 'stop', 'restart'].includes(sub.word)) return { runner: 'package', names: [sub.word], workspaces: workspacesFlag };
    if (['run', 'run-script', 'rum', 'urn'].includes(sub.word)) {
      const name = firstNonFlag(argv, sub.at + 1, npmValueFlags);
      return name ? { runner: 'package', names: [name.word], workspaces: workspacesFlag } : undefined;
    }
    return undefined;
  }
  if (bin === 'pnpm') {
    const sub = firstNonFlag(argv, 1, pnpmValueFlags);
    if (!sub) return undefined;
    if (sub.word === 'run' || sub.word === 'recursive' || sub.word === 'multi' || sub.word === 'm') {
      const rest = sub.word === 'run' ? sub.at + 1 : sub.at + 1;
      let name = firstNonFlag(argv, rest, pnpmValueFlags);
      if (name?.word === 'run') name = firstNonFlag(argv, name.at + 1, pnpmValueFlags);
      return name ? { runner: 'package', names: [name.word], workspaces: workspacesFlag || sub.word !== 'run' } : undefined;
    }
    if (['test', 't', 'tst'].includes(sub.word)) return { runner: 'package', names: ['test'], workspaces: workspacesFlag };
    if (pnpmBuiltins.has(sub.word)) return undefined;
    return { runner: 'package', names: [sub.word], workspaces: workspacesFlag, binary: argv.slice(sub.at) };
  }
  if (bin === 'yarn') {
    const sub = firstNonFlag(argv, 1, new Set(['--cwd']));
    if (!sub) return undefined;
    if (sub.word === 'run') {
      const name = firstNonFlag(argv, sub.at + 1, new Set());
      return name ? { runner: 'package', names: [name.word], workspaces: false } : undefined;
    }
    if (sub.word === 'workspace') {
      const name = nonFlags(argv, sub.at + 1, new Set())[1];
      return name ? { runner: 'package', names: [name === 'run' ? (nonFlags(argv, sub.at + 1, new Set())[2] ?? '') : name].filter(Boolean), workspaces: true } : undefined;
    }
    if (sub.word === 'workspaces') {
      const words = nonFlags(argv, sub.at + 1, new Set(['--include', '--exclude', '--since', '-j', '--jobs', '--from']));
      const rest = words[0] === 'foreach' || words[0] === 'run' ? words.slice(1) : words;
      const name = rest[0] === 'run' ? rest[1] : rest[0];
      return name ? { runner: 'package', names: [name], workspaces: true } : undefined;
    }
    if (sub.word === 'test') return { runner: 'package', names: ['test'], workspaces: false };
    if (yarnBuiltins.has(sub.word)) return undefined;
    return { runner: 'package', names: [sub.word], workspaces: false, binary: argv.slice(sub.at) };
  }
  if (bin === 'bun') {
    const sub = firstNonFlag(argv, 1, new Set(['--cwd', '--filter', '-F']));
    if (sub?.word === 'run') {
      const name = firstNonFlag(argv, sub.at + 1, new Set(['--filter', '-F']));
      return name ? { runner: 'package', names: [name.word], workspaces: workspacesFlag } : undefined;
    }
    return undefined;
  }
  if (bin === 'turbo') {
    const words = nonFlags(argv, 1, new Set(['--filter', '-F', '--concurrency', '--cache-dir', '--output-logs', '--log-order', '--affected', '--env-mode', '--cache', '--graph', '--summarize', '--team', '--token', '--api', '--log-prefix', '--ui']));
    const names = words[0] === 'run' ? words.slice(1) : words;
    return names.length ? { runner: 'package', names: names.map((n) => n.replace(/^\/\/#/, '').replace(/^[^#]+#/, '')), workspaces: true } : undefined;
  }
  if (bin === 'nx') {
    const sub = argv[1] ?? '';
    if (sub.startsWith('affected:')) return { runner: 'nx', names: [sub.slice('affected:'.length)], workspaces: true };
    if (sub === 'run-many' || sub === 'affected') {
      const names: string[] = [];
      for (let i = 2; i < argv.length; i++) {
        const a = argv[i]!;
        const eq = /^(?:--targets?|-t)=(.+)$/.exec(a);
        if (eq) names.push(...eq[1]!.split(','));
        else if (a === '-t' || a === '--target' || a === '--targets') {
          for (let j = i + 1; j < argv.length && !argv[j]!.startsWith('-'); j++) names.push(...argv[j]!.split(','));
        }
      }
      return names.length ? { runner: 'nx', names, workspaces: true } : undefined;
    }
    if (sub === 'run') {
      const target = (argv[2] ?? '').split(':')[1];
      return target ? { runner: 'nx', names: [target], workspaces: true } : undefined;
    }
    if (sub && !sub.startsWith('-') && !nxCommands.has(sub)) return { runner: 'nx', names: [sub.includes(':') ? sub.split(':')[1]! : sub], workspaces: true };
    return undefined;
  }
  if (bin === 'lerna' || bin === 'lage' || bin === 'ultra') {
    const words = nonFlags(argv, 1, new Set(['--scope', '--ignore', '--since', '--concurrency', '--to']));
    const names = words[0] === 'run' || words[0] === 'exec' ? (words[0] === 'run' ? words.slice(1, 2) : []) : bin === 'lage' || bin === 'ultra' ? words : [];
    return names.length ? { runner: 'package', names, workspaces: true } : undefined;
  }
  if (bin === 'rushx' || (bin === 'rush' && argv[1] && !argv[1].startsWith('-'))) {
    const name = bin === 'rushx' ? argv[1] : argv[1];
    return name ? { runner: 'package', names: [name], workspaces: true } : undefined;
  }
  if (bin === 'npm-run-all' || bin === 'npm-run-all2' || bin === 'run-s' || bin === 'run-p') {
    // `npm-run-all build:*` globs script names; `--print-label`, `-p`, `-s` are flags.
    const names = nonFlags(argv, 1, new Set(['--max-parallel', '-c', '--npm-path'])).filter((n) => !n.startsWith('{'));
    return names.length ? { runner: 'package', names, workspaces: false } : undefined;
  }
  if (bin === 'make' || bin === 'gmake' || argv[0] === '$(MAKE)' || argv[0] === '${MAKE}') {
    let dir: string | undefined;
    const names: string[] = [];
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-C' || a === '--directory') dir = argv[++i];
      else if (a === '-f' || a === '--file' || a === '-j' || a === '--jobs' || a === '-o' || a === '-I') i++;
      else if (a.startsWith('-') || a.includes('=')) continue;
      else names.push(a);
    }
    return { runner: 'make', names, workspaces: false, ...(dir ? { dir } : {}) };
  }
  if (bin === 'just' || bin === 'task' || bin === 'go-task' || bin === 'mage') {
    const words = nonFlags(argv, 1, new Set(['-f', '--justfile', '-d', '--dir', '-t', '--taskfile', '--working-directory']));
    const names = words.filter((w) => !w.includes('='));
    return names.length ? { runner: bin === 'just' ? 'just' : 'task', names: names.slice(0, 1), workspaces: false } : undefined;
  }
  return undefined;
}

interface Body {
  body: string;
  dir: string;
}

interface Definitions {
  /** package.json scripts by name, with the directory of their manifest. */
  scripts: Map<string, Body[]>;
  rootScripts: Map<string, string>;
  nx: Map<string, string[]>;
  make: Map<string, Map<string, string[]>>;
  just: Map<string, string[]>;
  task: Map<string, string[]>;
}

const definitionsCache = new WeakMap<RepoModel, Definitions>();

function readMakefile(text: string): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  let current: string[] | undefined;
  let first = true;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('\t')) {
      current?.push(line.slice(1).replace(/^[@+-]+/, ''));
      continue;
    }
    const header = /^([A-Za-z0-9_./%-][A-Za-z0-9_./%\s-]*?)\s*::?(?!=)(.*)$/.exec(line);
    if (header && !line.startsWith('.PHONY') && !/^\s/.test(line)) {
      current = [];
      for (const name of header[1]!.split(/\s+/)) {
        if (!name) continue;
        targets.set(name, current);
        if (first) {
          targets.set('', current);
          first = false;
        }
      }
      // Prerequisites that are targets run too: `test: lint unit` runs lint and unit.
      for (const dep of header[2]!.split(';')[0]!.trim().split(/\s+/)) if (dep && !dep.includes('$') && !dep.includes('/')) current.push(`$(MAKE) ${dep}`);
      const inline = header[2]!.split(';')[1];
      if (inline) current.push(inline.trim());
      continue;
    }
    if (line.trim() !== '' && !line.startsWith('#')) current = undefined;
  }
  return targets;
}

function readJustfile(text: string): Map<string, string[]> {
  const recipes = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s+\S/.test(line)) {
      current?.push(line.trim().replace(/^[@-]+/, ''));
      continue;
    }
    const header = /^@?([A-Za-z0-9_-]+)(?:\s+[^:=]*)?:(?!=)\s*(.*)$/.exec(line);
    if (header) {
      current = [];
      recipes.set(header[1]!, current);
      for (const dep of header[2]!.split(/\s+/)) if (/^[A-Za-z0-9_-]+$/.test(dep)) current.push(`just ${dep}`);
      continue;
    }
    if (line.trim() !== '' && !line.startsWith('#')) current = undefined;
  }
  return recipes;
}

function definitions(model: RepoModel): Definitions {
  const cached = definitionsCache.get(model);
  if (cached) return cached;
  const defs: Definitions = { scripts: new Map(), rootScripts: new Map(), nx: new Map(), make: new Map(), just: new Map(), task: new Map() };
  for (const { path, manifest } of model.manifests()) {
    if (!manifest.scripts || typeof manifest.scripts !== 'object') continue;
    for (const [name, body] of Object.entries(manifest.scripts)) {
      if (typeof body !== 'string') continue;
      if (path === 'package.json') defs.rootScripts.set(name, body);
      const list = defs.scripts.get(name) ?? [];
      list.push({ body, dir: path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.' });
      defs.scripts.set(name, list);
    }
  }
  for (const file of model.find(/(?:^|\/)project\.json$/)) {
    const project = model.json<{ targets?: Record<string, { executor?: string; command?: string; options?: { command?: string; commands?: Array<string | { command?: string }> } }> }>(file.path);
    for (const [name, target] of Object.entries(project?.targets ?? {})) {
      if (!target || typeof target !== 'object') continue;
      const bodies: string[] = [];
      if (typeof target.command === 'string') bodies.push(target.command);
      if (typeof target.options?.command === 'string') bodies.push(target.options.command);
      for (const c of target.options?.commands ?? []) {
        if (typeof c === 'string') bodies.push(c);
        else if (typeof c?.command === 'string') bodies.push(c.command);
      }
      if (typeof target.executor === 'string' && target.executor !== 'nx:run-commands') bodies.push(`nx-executor ${target.executor}`);
      defs.nx.set(name, [...(defs.nx.get(name) ?? []), ...bodies]);
    }
  }
  for (const file of model.find(/(?:^|\/)(?:GNUmakefile|[Mm]akefile|[^/]+\.mk)$/)) {
    const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : '.';
    const existing = defs.make.get(dir) ?? new Map<string, string[]>();
    for (const [k, v] of readMakefile(model.text(file.path) ?? '')) if (!existing.has(k) || /akefile$/.test(file.path)) existing.set(k, v);
    defs.make.set(dir, existing);
  }
  for (const file of model.find(/^(?:\.?[Jj]ustfile)$/)) for (const [k, v] of readJustfile(model.text(file.path) ?? '')) defs.just.set(k, v);
  for (const file of model.find(/^Taskfile\.ya?ml$/)) {
    const docs = model.yaml(file.path)?.documents[0];
    const tasks = (docs?.toJSON() as { tasks?: Record<string, { cmds?: unknown[]; deps?: unknown[] } | string[]> } | undefined)?.tasks ?? {};
    for (const [name, task] of Object.entries(tasks)) {
      const cmds = Array.isArray(task) ? task : [...(task?.cmds ?? []), ...(task?.deps ?? [])];
      defs.task.set(
        name,
        cmds.flatMap((c) => (typeof c === 'string' ? [c] : c && typeof c === 'object' && 'cmd' in c ? [String(c.cmd)] : c && typeof c === 'object' && 'task' in c ? [`task ${String(c.task)}`] : [])),
      );
    }
  }
  definitionsCache.set(model, defs);
  return defs;
}

const placeholderTest = /no test specified/;

/** `build:*` (npm-run-all) → the root scripts whose names match. */
function globScripts(defs: Definitions, pattern: string): Body[] {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '.*').replace(/\*/g, '[^:]*')}$`);
  return [...defs.rootScripts.entries()].filter(([n]) => re.test(n)).map(([, body]) => ({ body, dir: '.' }));
}

function atRoot(bodies: readonly string[] | undefined): Body[] | undefined {
  return bodies?.map((body) => ({ body, dir: '.' }));
}

function bodiesOf(model: RepoModel, run: TaskRun, name: string): Body[] | undefined {
  const defs = definitions(model);
  if (run.runner === 'package' || run.runner === 'nx') {
    const bodies: Body[] = [];
    const all = name.includes('*') ? globScripts(defs, name) : (defs.scripts.get(name) ?? []);
    const root = name.includes('*') ? undefined : defs.rootScripts.get(name);
    if (run.workspaces) bodies.push(...all.filter((b) => b.dir !== '.' || all.length === 1));
    else if (root !== undefined) bodies.push(...atRoot([root, ...['pre', 'post'].flatMap((p) => defs.rootScripts.get(p + name) ?? [])])!);
    else bodies.push(...all);
    if (run.runner === 'nx' || run.workspaces) bodies.push(...(atRoot(defs.nx.get(name)) ?? []));
    return bodies.length ? bodies.filter((b) => !placeholderTest.test(b.body)) : undefined;
  }
  if (run.runner === 'make') {
    const targets = defs.make.get(run.dir?.replace(/^\.\//, '').replace(/\/$/, '') || '.') ?? defs.make.get('.');
    return atRoot(targets?.get(name));
  }
  if (run.runner === 'just') return atRoot(defs.just.get(name));
  return atRoot(defs.task.get(name));
}

/** Every command a CI script runs, directly or through task runners (depth-limited, cycles cut). */
export function expandScript(model: RepoModel, script: Script): Expanded[] {
  const out: Expanded[] = [];
  for (const inv of commandsIn(script.text)) {
    const offset = script.offsetAt(inv.start);
    const end = script.offsetAt(Math.max(inv.start, inv.end - 1)) + 1;
    out.push({ argv: inv.argv, offset, end, via: [] });
    // `docker run img lint`: the image's entrypoint gets `lint`, most likely one of its sub-commands.
    if (inv.container && /^[a-z][\w:-]*$/.test(inv.argv[0] ?? '')) out.push({ argv: ['<task>', inv.argv[0]!], offset, end, via: [], unresolvedTask: inv.argv[0]! });
    expandInto(model, inv.argv, { offset, end }, [], new Set(), out);
  }
  return out;
}

/** The same expansion for a single command line that does not come from a CI file (a package.json script, a CMD). */
export function expandCommandLine(model: RepoModel, text: string, offset = 0): Expanded[] {
  const out: Expanded[] = [];
  for (const inv of commandsIn(text)) {
    out.push({ argv: inv.argv, offset, end: offset, via: [] });
    expandInto(model, inv.argv, { offset, end: offset }, [], new Set(), out);
  }
  return out;
}

/** `./scripts/ci.sh`, `bash scripts/test.sh`: a shell script of the repository that a command runs. */
function scriptFileOf(model: RepoModel, argv: readonly string[], cwd: string): string | undefined {
  const candidate = argv[0] === 'bash' || argv[0] === 'sh' || argv[0] === 'zsh' ? argv.find((a, i) => i > 0 && !a.startsWith('-')) : argv[0];
  if (!candidate || !/\.(?:sh|bash)$|^(?:\.\/)?\.?(?:scripts?|bin|ci|tools)\/[\w.-]+$/.test(candidate)) return undefined;
  const path = candidate.replace(/^\.\//, '').replace(/^\$\{?(?:GITHUB_WORKSPACE|CI_PROJECT_DIR|PWD)\}?\//, '');
  const local = cwd === '.' ? path : `${cwd}/${path}`;
  return model.has(local) ? local : model.has(path) ? path : undefined;
}

function expandInto(model: RepoModel, argv: readonly string[], at: { offset: number; end: number }, via: string[], seen: Set<string>, out: Expanded[], cwd = '.'): void {
  if (via.length >= 5) return;
  if ((argv[0] ?? '').replace(/^.*\//, '') === 'concurrently') {
    // Each argument is a command line; `npm:name` is its shorthand for `npm run name`.
    for (const arg of argv.slice(1).filter((a) => !a.startsWith('-'))) {
      const line = arg.startsWith('npm:') ? `npm run ${arg.slice(4)}` : arg;
      for (const inv of commandsIn(line)) {
        out.push({ argv: inv.argv, offset: at.offset, end: at.end, via });
        expandInto(model, inv.argv, at, via, seen, out, cwd);
      }
    }
    return;
  }
  const file = scriptFileOf(model, argv, cwd);
  if (file && !seen.has(`file:${file}`)) {
    const next = new Set(seen).add(`file:${file}`);
    for (const inv of commandsIn(model.text(file) ?? '')) {
      out.push({ argv: inv.argv, offset: at.offset, end: at.end, via: [...via, file] });
      expandInto(model, inv.argv, at, [...via, file], next, out, cwd);
    }
    return;
  }
  const run = taskRunOf(argv);
  if (!run) return;
  const names = run.names.length ? run.names : run.runner === 'make' ? [''] : [];
  for (const name of names) {
    const key = `${run.runner}:${run.workspaces}:${name}`;
    if (seen.has(key)) continue;
    const next = new Set(seen).add(key);
    const bodies = bodiesOf(model, run, name);
    const chain = [...via, name || 'make'];
    if (!bodies && run.binary) {
      out.push({ argv: run.binary, offset: at.offset, end: at.end, via });
      expandInto(model, run.binary, at, via, next, out, cwd);
    }
    if (!bodies) {
      if (name) out.push({ argv: ['<task>', name], offset: at.offset, end: at.end, via: chain, unresolvedTask: name });
      continue;
    }
    for (const { body, dir } of bodies) {
      for (const inv of commandsIn(body)) {
        out.push({ argv: inv.argv, offset: at.offset, end: at.end, via: chain });
        expandInto(model, inv.argv, at, chain, next, out, dir);
      }
    }
  }
}
