/**
 * Runs the built bin on real temporary directories, without a TTY (stdin closed) and with CI set: the way
 * `npm create prodgrade` runs in a pipeline. test/support/global-setup.ts builds dist/ and hands over a private copy.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ProjectRecord } from '../../src/create/plan.js';

const root = join(import.meta.dirname, '..', '..');
const bin = inject('prodgradeBin') ?? join(root, 'bin', 'prodgrade.js');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split('\\').join('/'))
    .sort();
}

let tmp: string;

beforeAll(() => {
  // the manifests (templates/<feature>/feature.ts) are compiled into dist/ (the private copy is taken from it);
  // their files/ are read from templates/ directly
  const built = join(root, 'dist', 'templates');
  for (const feature of readdirSync(join(root, 'templates'))) {
    const source = statSync(join(root, 'templates', feature, 'feature.ts')).mtimeMs;
    const output = join(built, feature, 'feature.js');
    if (!existsSync(output) || statSync(output).mtimeMs < source) throw new Error(`dist/templates/${feature}/feature.js is stale: run npm run build`);
  }
  tmp = mkdtempSync(join(tmpdir(), 'prodgrade-create-e2e-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function run(args: string[], options: { bin?: string; env?: Record<string, string> } = {}): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('npm_') && key !== 'FORCE_COLOR') env[key] = value;
  Object.assign(env, { CI: '1', NO_COLOR: '1' }, options.env);
  // create-prodgrade.js is not in the private copy; it is the same one-line bin with `create` prepended
  const entry = options.bin ? join(root, 'bin', options.bin) : bin;
  const result = spawnSync(process.execPath, [entry, ...args], {
    cwd: tmp,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** KnownErrors print one line (and an optional hint line), never a stack. */
function expectOneLineError(stderr: string, message: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines[1]) expect(lines[1]).toMatch(/^hint: /);
}

describe('prodgrade create (built bin, no TTY)', () => {
  it('creates a project with --yes --no-install --no-git', () => {
    const result = run(['create', 'acme-api', '--yes', '--no-install', '--no-git']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Created acme-api');
    expect(result.stdout).toContain('npm run check');
    const dir = join(tmp, 'acme-api');
    const files = filesUnder(dir);
    expect(files).toEqual(expect.arrayContaining(['.gitignore', '.github/workflows/ci.yml', 'package.json', 'prodgrade.json', 'infra/terraform/versions.tf']));
    expect(statSync(join(dir, 'infra/terraform/bootstrap-state.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'README.md')).mode & 0o111).toBe(0);

    const record = JSON.parse(readFileSync(join(dir, 'prodgrade.json'), 'utf8')) as ProjectRecord;
    expect(record.prodgrade).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
    expect(record.answers).toEqual({ name: 'acme-api', tenancy: 'shared-rls', ci: 'github', infra: 'terraform-aws', packageManager: 'npm' });
    expect(Object.keys(record.files).sort()).toEqual(files.filter((f) => f !== 'prodgrade.json'));
    for (const [path, hash] of Object.entries(record.files)) {
      expect(hash, path).toBe(`sha256:${createHash('sha256').update(readFileSync(join(dir, path))).digest('hex')}`);
    }
    // no temporary directory left beside the target
    expect(readdirSync(tmp).filter((name) => name.includes('prodgrade-'))).toEqual([]);
  });

  it('--dry-run prints the tree with counts and writes nothing', () => {
    const result = run(['create', 'dry', '--preset', 'hybrid', '--dry-run']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^dry\/\n/);
    expect(result.stdout).toContain('├── config/');
    expect(result.stdout).toContain('bootstrap-state.sh  (executable)');
    expect(result.stdout).toMatch(/\d+ files to write, \d+ directories, 4 executable, [\d.]+ kB \(dry run: nothing was written\)/);
    expect(existsSync(join(tmp, 'dry'))).toBe(false);
  });

  it('refuses a non-empty target with exit 2 and one line, leaving it untouched', () => {
    mkdirSync(join(tmp, 'busy'));
    writeFileSync(join(tmp, 'busy', 'notes.txt'), 'mine');
    const result = run(['create', 'busy', '--yes', '--no-install', '--no-git']);
    expect(result.status).toBe(2);
    expectOneLineError(result.stderr, /^prodgrade: Target directory busy is not empty$/);
    expect(readdirSync(join(tmp, 'busy'))).toEqual(['notes.txt']);
  });

  it('--force merges into a non-empty target without overwriting', () => {
    mkdirSync(join(tmp, 'merge'));
    writeFileSync(join(tmp, 'merge', 'README.md'), 'mine');
    const result = run(['create', 'merge', '--yes', '--force', '--no-install', '--no-git']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('1 existing files kept');
    expect(readFileSync(join(tmp, 'merge', 'README.md'), 'utf8')).toBe('mine');
    expect(existsSync(join(tmp, 'merge', 'package.json'))).toBe(true);
  });

  it.each([
    ['con', /^prodgrade: "con" is a reserved device name on Windows/],
    ['Acme', /^prodgrade: "Acme" is not a valid npm package name/],
  ])('rejects the invalid name %s with exit 2 and one line', (name, message) => {
    const result = run(['create', name, '--yes', '--no-install', '--no-git']);
    expect(result.status).toBe(2);
    expectOneLineError(result.stderr, message);
    expect(existsSync(join(tmp, name))).toBe(false);
  });

  it('without a TTY and without --yes, fails at once naming the missing flag', () => {
    const result = run(['create', 'partial', '--tenancy', 'hybrid', '--no-install', '--no-git']);
    expect(result.status).toBe(2);
    expectOneLineError(result.stderr, /^prodgrade: Missing --ci, --infra, --package-manager: stdin is not a terminal/);
    expect(existsSync(join(tmp, 'partial'))).toBe(false);
  });

  it('without a TTY, a missing <dir> is named too', () => {
    const result = run(['create', '--no-install']);
    expect(result.status).toBe(2);
    expectOneLineError(result.stderr, /^prodgrade: Missing <dir>/);
  });

  it('rejects a constraint violation with exit 2', () => {
    const result = run(['create', 'bad-combo', '--tenancy', 'hybrid', '--infra', 'none', '--yes']);
    expect(result.status).toBe(2);
    expectOneLineError(result.stderr, /^prodgrade: --tenancy hybrid requires --infra terraform-aws \(got none\)/);
  });

  it('reads --answers from YAML', () => {
    writeFileSync(join(tmp, 'answers.yaml'), 'tenancy: shared-rls\nci: gitlab\ninfra: none\npackageManager: yarn\n');
    const result = run(['create', 'from-file', '--answers', 'answers.yaml', '--no-install', '--no-git']);
    expect(result.status).toBe(0);
    expect(existsSync(join(tmp, 'from-file', '.gitlab-ci.yml'))).toBe(true);
    expect(existsSync(join(tmp, 'from-file', 'infra'))).toBe(false);
  });

  it('create-prodgrade takes the package manager from npm_config_user_agent', () => {
    const result = run(['via-pnpm', '--yes', '--no-install', '--no-git'], { bin: 'create-prodgrade.js', env: { npm_config_user_agent: 'pnpm/10.3.0 npm/? node/v20.20.0 linux x64' } });
    expect(result.status).toBe(0);
    const pkg = JSON.parse(readFileSync(join(tmp, 'via-pnpm', 'package.json'), 'utf8')) as { packageManager: string };
    expect(pkg.packageManager).toMatch(/^pnpm@/);
  });

  it('initializes git with an initial commit unless --no-git', () => {
    const identity = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: tmp };
    const result = run(['create', 'with-git', '--yes', '--no-install'], { env: identity });
    expect(result.status).toBe(0);
    const log = execFileSync('git', ['log', '--format=%s'], { cwd: join(tmp, 'with-git'), encoding: 'utf8', env: { ...process.env, ...identity } });
    expect(log.trim()).toBe('Initial commit from prodgrade');
    const tracked = execFileSync('git', ['ls-files'], { cwd: join(tmp, 'with-git'), encoding: 'utf8' }).trim().split('\n');
    expect(tracked).toContain('.gitignore');
    expect(tracked).toContain('prodgrade.json');
  });

  it('lists the pairwise combinations as JSON lines for a CI matrix', () => {
    const result = run(['create', '--list-combinations', 'pairwise']);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { flags: string[] });
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]!.flags).toContain('--tenancy');
  });
});
