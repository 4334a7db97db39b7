import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bin of a private copy of the built package, taken once before the suites run. */
    prodgradeBin: string;
  }
}

const lock = '/tmp/prodgrade-build.lock';

const root = join(import.meta.dirname, '..', '..');
const builtEntry = join(root, 'dist', 'src', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.name === 'fixtures' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function stale(): boolean {
  if (!existsSync(builtEntry)) return true;
  const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'rules')), statSync(join(root, 'package.json')).mtimeMs);
  return sources > statSync(builtEntry).mtimeMs;
}

/**
 * A private copy of the built package for the e2e suites: other work in the same tree may rebuild `dist/` while they
 * run, which would swap modules under a running bin and change the build id that keys the result cache.
 */
function snapshotBuild(): string {
  const copy = realpathSync(mkdtempSync(join(tmpdir(), 'prodgrade-built-')));
  execFileSync('flock', [lock, 'cp', '-R', join(root, 'dist'), join(copy, 'dist')]);
  mkdirSync(join(copy, 'bin'));
  copyFileSync(join(root, 'bin', 'prodgrade.js'), join(copy, 'bin', 'prodgrade.js'));
  copyFileSync(join(root, 'package.json'), join(copy, 'package.json'));
  for (const name of ['node_modules', 'templates']) symlinkSync(join(root, name), join(copy, name));
  return copy;
}

function build(): void {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const before = existsSync(builtEntry) ? statSync(builtEntry).mtimeMs : 0;
  try {
    execFileSync('flock', [lock, process.execPath, tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    // tsc still emits when a file elsewhere in the tree has type errors; the typecheck step reports those.
    const emitted = existsSync(builtEntry) && statSync(builtEntry).mtimeMs > before;
    if (!emitted) throw error;
    const output = String((error as { stdout?: Buffer }).stdout ?? '');
    process.stderr.write(`global-setup: the build reported type errors (dist/ was still written):\n${output.slice(0, 2000)}\n`);
  }
  execFileSync(process.execPath, [join(root, 'scripts', 'copy-cjs.mjs')], { cwd: root, stdio: 'pipe' });
}

/**
 * Builds `dist/` when it is older than the sources (the e2e suites run the built bin, the way users do; worker threads
 * exist only there), then hands the suites a private copy of it. Builds are serialized with flock, since several
 * suites share the tree. PRODGRADE_TEST_SKIP_BUILD=1 skips the build (not the copy) for runs without e2e suites.
 */
export default function setup(project: TestProject): () => void {
  if (process.env.PRODGRADE_TEST_SKIP_BUILD !== '1' && stale()) build();
  const copy = snapshotBuild();
  project.provide('prodgradeBin', join(copy, 'bin', 'prodgrade.js'));
  return () => rmSync(copy, { recursive: true, force: true });
}
