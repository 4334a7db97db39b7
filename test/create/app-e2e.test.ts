/**
 * The generated application, end to end: `prodgrade create` with the default answers into a temporary
 * directory, then what its README promises — `npm install`, `npm test` (embedded PostgreSQL, coverage
 * thresholds), lint, type checks, the production build, `npm run dev` serving /healthz — and a clean
 * `prodgrade audit`. It needs the npm registry and several minutes, so it runs in CI (`CI` set) or with
 * PRODGRADE_APP_E2E=1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = inject('prodgradeBin') ?? join(root, 'bin', 'prodgrade.js');
const enabled = Boolean(process.env.CI) || process.env.PRODGRADE_APP_E2E === '1';
const minutes = 60_000;

let tmp: string;
let app: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The generated project must not inherit this run's npm, vitest or database settings.
    if (value === undefined || key.startsWith('npm_') || key.startsWith('VITEST') || key === 'NODE_OPTIONS' || key === 'FORCE_COLOR') continue;
    if (['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'NODE_ENV', 'TEST'].includes(key)) continue;
    result[key] = value;
  }
  return { ...result, NO_COLOR: '1', ...extra };
}

function run(command: string, args: string[], cwd: string, timeout: number): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, env: env(), encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout ?? ''}\n${result.stderr ?? ''}`.slice(-8000) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe.runIf(enabled)('the generated application (default answers)', () => {
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'prodgrade-app-e2e-'));
    // Run as root, embedded PostgreSQL runs as a `postgres` OS user, who must be able to enter the project.
    chmodSync(tmp, 0o755);
    app = join(tmp, 'acme-api');
    const created = run(process.execPath, [bin, 'create', app, '--yes', '--no-git', '--no-install'], tmp, 2 * minutes);
    expect(created.status, created.output).toBe(0);
  }, 3 * minutes);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('installs', () => {
    const result = run('npm', ['install', '--no-audit', '--no-fund'], app, 15 * minutes);
    expect(result.status, result.output).toBe(0);
  }, 16 * minutes);

  it('passes its own tests against a real PostgreSQL, with the coverage thresholds', () => {
    const result = run('npm', ['test'], app, 15 * minutes);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/Tests\s+\d+ passed/);
  }, 16 * minutes);

  it('lints, type-checks, builds, and has no schema drift', () => {
    for (const script of ['lint', 'typecheck', 'build', 'db:check']) {
      const result = run('npm', ['run', script], app, 5 * minutes);
      expect(result.status, `npm run ${script}\n${result.output}`).toBe(0);
    }
  }, 20 * minutes);

  it('serves /healthz from `npm run dev`', async () => {
    const port = await freePort();
    const child = spawn('npm', ['run', 'dev'], { cwd: app, env: env({ PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 2 * minutes;
      let status = 0;
      while (Date.now() < deadline && child.exitCode === null) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(status, output).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) });
      expect(ready.status, output).toBe(200);
    } finally {
      // npm runs tsx runs node: signal the whole process group, as a terminal's Ctrl-C would.
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 30_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
  }, 4 * minutes);

  it('passes `prodgrade audit` at --fail-on low', () => {
    const result = run(process.execPath, [bin, 'audit', app, '--fail-on', 'low', '--no-cache'], tmp, 10 * minutes);
    expect(result.status, result.output).toBe(0);
  }, 11 * minutes);
});
