import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownError } from '../../src/core/errors.js';
import { realFs, type Fs } from '../../src/core/fs.js';
import { applyPlan, inspectTarget, mergeSplit } from '../../src/create/apply.js';
import { Interrupted } from '../../src/create/interrupt.js';
import type { FilePlan } from '../../src/create/plan.js';
import { memfs, planFor, snapshotOf } from './support.js';

const defaults = { tenancy: 'shared-rls', ci: 'github', infra: 'terraform-aws', packageManager: 'npm' };

/** Wraps an Fs so that the n-th call of one method fails (or runs a hook first). */
function failing(fs: Fs, method: 'writeFile' | 'rename', n: number, fail: () => unknown): Fs {
  let calls = 0;
  return new Proxy(fs, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls++;
        if (calls === n) {
          const error = fail();
          if (error) throw error;
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

const decode = (data: unknown): string => new TextDecoder().decode(data as Uint8Array);

describe('applyPlan on memfs', () => {
  it('creates a missing target (and its parents) with the planned contents and modes', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs();
    const result = await applyPlan(fs, plan, { target: '/work/projects/acme-api', merge: false });
    expect(result.written).toHaveLength(plan.files.length);
    for (const file of plan.files) {
      const path = `/work/projects/acme-api/${file.path}`;
      expect(decode(vol.readFileSync(path))).toBe(decode(file.content));
      expect(vol.statSync(path).mode & 0o777).toBe(file.mode);
    }
    expect(vol.statSync('/work/projects/acme-api/infra/terraform/bootstrap-state.sh').mode & 0o777).toBe(0o755);
    expect(vol.readdirSync('/work/projects')).toEqual(['acme-api']);
  });

  it('fills an existing empty directory', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs();
    vol.mkdirSync('/w/acme-api', { recursive: true });
    await applyPlan(fs, plan, { target: '/w/acme-api', merge: false });
    expect(vol.existsSync('/w/acme-api/package.json')).toBe(true);
    expect(vol.readdirSync('/w')).toEqual(['acme-api']);
  });

  it('refuses a non-empty target and touches nothing', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs({ '/w/acme-api/notes.txt': 'mine' });
    const before = snapshotOf(vol);
    const error = await applyPlan(fs, plan, { target: '/w/acme-api', merge: false, shown: 'acme-api' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KnownError);
    expect((error as KnownError).message).toBe('Target directory acme-api is not empty');
    expect((error as KnownError).hint).toContain('--force');
    expect(snapshotOf(vol)).toEqual(before);
  });

  it('refuses a target that is a file', async () => {
    const { fs } = memfs({ '/w/acme-api': 'x' });
    await expect(inspectTarget(fs, '/w/acme-api')).rejects.toThrow('/w/acme-api exists and is not a directory');
  });

  it('merge adds missing files and never overwrites or deletes an existing one', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs({
      '/w/acme-api/README.md': 'my readme',
      '/w/acme-api/src/custom.ts': 'export {};',
      '/w/acme-api/.github': 'a file where a directory is planned',
    });
    const result = await applyPlan(fs, plan, { target: '/w/acme-api', merge: true });
    const underGithub = plan.files.map((f) => f.path).filter((path) => path.startsWith('.github/'));
    expect(result.kept.sort()).toEqual([...underGithub, 'README.md'].sort());
    expect(decode(vol.readFileSync('/w/acme-api/README.md'))).toBe('my readme');
    expect(decode(vol.readFileSync('/w/acme-api/.github'))).toBe('a file where a directory is planned');
    expect(decode(vol.readFileSync('/w/acme-api/src/custom.ts'))).toBe('export {};');
    expect(vol.existsSync('/w/acme-api/src/app.ts')).toBe(true);
    expect(vol.existsSync('/w/acme-api/package.json')).toBe(true);
    expect(vol.statSync('/w/acme-api/infra/terraform/bootstrap-state.sh').mode & 0o777).toBe(0o755);
    expect(vol.readdirSync('/w')).toEqual(['acme-api']);
  });

  it('merge does not follow a symlinked directory out of the target', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs({ '/outside/keep.txt': 'x', '/w/acme-api/keep.txt': 'y' });
    vol.symlinkSync('/outside', '/w/acme-api/docs');
    const { kept } = await mergeSplit(fs, plan, '/w/acme-api');
    expect(kept).toContain('docs/adr/0001-tenancy.md');
    await applyPlan(fs, plan, { target: '/w/acme-api', merge: true });
    expect(vol.readdirSync('/outside')).toEqual(['keep.txt']);
  });

  it('a full disk mid-render leaves neither the target nor the temporary directory', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs({ '/w/other/file.txt': 'x' });
    const before = snapshotOf(vol);
    const error = await applyPlan(failing(fs, 'writeFile', 5, enospc), plan, { target: '/w/acme-api', merge: false, shown: 'acme-api' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KnownError);
    expect((error as KnownError).message).toBe('Could not create acme-api: ENOSPC: no space left on device, write');
    expect((error as KnownError).hint).toMatch(/^Nothing was written/);
    expect(snapshotOf(vol)).toEqual(before);
  });

  it('a failure also removes the parent directories it created', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs({ '/w/keep.txt': 'x' });
    await expect(applyPlan(failing(fs, 'writeFile', 2, enospc), plan, { target: '/w/new/deeper/acme-api', merge: false })).rejects.toThrow(/ENOSPC/);
    expect(snapshotOf(vol)).toEqual({ '/w/keep.txt': 'x' });
  });

  it('an abort (SIGINT) mid-render leaves neither the target nor the temporary directory', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs({ '/w/keep.txt': 'x' });
    const controller = new AbortController();
    const error = await applyPlan(failing(fs, 'writeFile', 7, () => controller.abort()), plan, { target: '/w/acme-api', merge: false, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Interrupted);
    expect(snapshotOf(vol)).toEqual({ '/w/keep.txt': 'x' });
  });

  it('an abort while merging into an existing directory rolls back the files already moved', async () => {
    const plan = await planFor(defaults);
    const { vol, fs } = memfs({ '/w/acme-api/README.md': 'mine' });
    const before = snapshotOf(vol);
    const controller = new AbortController();
    const error = await applyPlan(failing(fs, 'rename', 4, () => controller.abort()), plan, { target: '/w/acme-api', merge: true, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Interrupted);
    expect(snapshotOf(vol)).toEqual(before);
  });

  it('a render error never reaches the filesystem (planning fails before apply)', async () => {
    const { vol } = memfs();
    await expect(planFor({ ...defaults, packageManager: 'bun' })).rejects.toThrow();
    expect(snapshotOf(vol)).toEqual({});
  });

  it('rejects a plan path that escapes the target before writing anything', async () => {
    const { vol, fs } = memfs();
    const plan: FilePlan = {
      answers: { name: 'x', options: {} },
      notes: [],
      files: [{ path: '../escape.txt', content: new Uint8Array(), mode: 0o644, source: 'test' }],
    };
    await expect(applyPlan(fs, plan, { target: '/w/x', merge: false })).rejects.toThrow(/would leave the target directory/);
    expect(snapshotOf(vol)).toEqual({});
  });
});

describe('applyPlan on a real disk', () => {
  it('keeps modes through the umask, and an abort leaves nothing beside the target', async () => {
    const plan = await planFor(defaults);
    const dir = mkdtempSync(join(tmpdir(), 'prodgrade-apply-'));
    try {
      const controller = new AbortController();
      const aborting = failing(realFs, 'writeFile', 3, () => controller.abort());
      await expect(applyPlan(aborting, plan, { target: join(dir, 'a'), merge: false, signal: controller.signal })).rejects.toBeInstanceOf(Interrupted);
      expect(readdirSync(dir)).toEqual([]);

      const previous = process.umask(0o077);
      try {
        await applyPlan(realFs, plan, { target: join(dir, 'b'), merge: false });
      } finally {
        process.umask(previous);
      }
      expect(readdirSync(dir)).toEqual(['b']);
      expect(statSync(join(dir, 'b', 'infra/terraform/bootstrap-state.sh')).mode & 0o777).toBe(0o755);
      expect(statSync(join(dir, 'b', 'package.json')).mode & 0o777).toBe(0o644);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
