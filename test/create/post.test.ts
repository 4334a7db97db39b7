import { describe, expect, it } from 'vitest';
import { nextSteps, runPostSteps, type CommandResult, type PostOptions, type Runner } from '../../src/create/post.js';
import type { Ui } from '../../src/create/ui.js';

function recordingUi(): Ui & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    intro: (m) => lines.push(`intro ${m}`),
    info: (m) => lines.push(`info ${m}`),
    success: (m) => lines.push(`success ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    note: (b, t) => lines.push(`note ${t}: ${b}`),
    spinner: (m) => (lines.push(`spin ${m}`), { stop: (s) => lines.push(`stop ${s}`), fail: (s) => lines.push(`fail ${s}`) }),
    outro: (m) => lines.push(`outro ${m}`),
    cancel: (m) => lines.push(`cancel ${m}`),
    print: (t) => lines.push(`print ${t}`),
  };
}

function fakeRunner(results: Record<string, CommandResult>): Runner & { calls: string[] } {
  const calls: string[] = [];
  const run: Runner = async (command, args) => {
    const line = [command, ...args].join(' ');
    calls.push(line);
    const key = Object.keys(results).find((k) => line.startsWith(k));
    return key ? results[key]! : { ok: true, output: '' };
  };
  return Object.assign(run, { calls });
}

function options(run: Runner, ui: Ui, overrides: Partial<PostOptions> = {}): PostOptions {
  return { target: '/w/acme', shown: 'acme', packageManager: 'pnpm', runScript: 'pnpm', install: true, git: true, notes: [], ui, run, ...overrides };
}

describe('post steps', () => {
  it('installs, then initializes git and commits (so the lockfile is in the first commit)', async () => {
    const run = fakeRunner({ 'git rev-parse': { ok: false, output: 'fatal: not a git repository' } });
    const ui = recordingUi();
    expect(await runPostSteps(options(run, ui))).toEqual({ installed: true, installFailed: false, committed: true });
    expect(run.calls).toEqual([
      'pnpm install',
      'git rev-parse --is-inside-work-tree',
      'git init --quiet',
      'git add --all',
      'git commit --quiet --no-verify -m Initial commit from prodgrade',
    ]);
  });

  it('skips git with a warning inside an existing work tree', async () => {
    const run = fakeRunner({ 'git rev-parse': { ok: true, output: 'true\n' } });
    const ui = recordingUi();
    const result = await runPostSteps(options(run, ui, { install: false }));
    expect(result.committed).toBe(false);
    expect(run.calls).toEqual(['git rev-parse --is-inside-work-tree']);
    expect(ui.lines).toContain('warn acme is inside an existing git work tree: skipped git init and the initial commit.');
  });

  it('keeps the project and prints the retry command when the install fails', async () => {
    const run = fakeRunner({ 'pnpm install': { ok: false, output: 'ERR_PNPM_FETCH_404 nope' }, 'git rev-parse': { ok: false, output: '' } });
    const ui = recordingUi();
    const result = await runPostSteps(options(run, ui));
    expect(result).toMatchObject({ installed: false, installFailed: true, committed: true });
    expect(ui.lines).toContain('warn ERR_PNPM_FETCH_404 nope');
    expect(ui.lines).toContain('warn The project is kept. Retry with: cd acme && pnpm install');
  });

  it('warns, without failing, when the initial commit cannot be made', async () => {
    const run = fakeRunner({ 'git rev-parse': { ok: false, output: '' }, 'git commit': { ok: false, output: 'Author identity unknown\n...' } });
    const ui = recordingUi();
    expect((await runPostSteps(options(run, ui, { install: false }))).committed).toBe(false);
    expect(ui.lines.some((l) => l.startsWith('warn Initialized a git repository, but the initial commit failed: Author identity unknown'))).toBe(true);
  });

  it('runs nothing with --no-install --no-git', async () => {
    const run = fakeRunner({});
    await runPostSteps(options(run, recordingUi(), { install: false, git: false }));
    expect(run.calls).toEqual([]);
  });

  it('lists next steps, with the install when it did not happen', () => {
    const o = { shown: 'acme', packageManager: 'yarn', runScript: 'yarn', notes: ['Copy `.env.example`.'] };
    expect(nextSteps(o, false)).toBe('1. cd acme\n2. yarn install\n3. Copy `.env.example`.\n4. yarn check');
    expect(nextSteps({ ...o, shown: '.' }, true)).toBe('1. Copy `.env.example`.\n2. yarn check');
  });
});
