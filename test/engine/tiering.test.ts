import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tieringFlags } from '../../src/audit/tiering.js';

const built = pathToFileURL(fileURLToPath(new URL('../../dist/src/audit/tiering.js', import.meta.url))).href;
const pgModule = pathToFileURL(fileURLToPath(new URL('../../dist/src/audit/parsers/pg.js', import.meta.url))).href;
const typescriptModule = pathToFileURL(fileURLToPath(new URL('../../dist/src/audit/parsers/typescript.js', import.meta.url))).href;
const sources = fileURLToPath(new URL('../../src/audit/', import.meta.url));

describe('V8 flags for an audit (tiering.ts)', () => {
  it('names the flags of each known V8 line and leaves others alone', () => {
    expect(tieringFlags('11.3.244.8-node.38', [])).toEqual(['--interrupt-budget=270336', '--liftoff-only']);
    expect(tieringFlags('12.4.254.21-node.57', [])).toEqual(['--invocation-count-for-turbofan=12000', '--liftoff-only']);
    expect(tieringFlags('13.6.233.17-node.53', [])).toEqual(['--liftoff-only']);
    expect(tieringFlags('10.2.154.26-node.26', [])).toEqual([]);
    expect(tieringFlags('14.1.1', [])).toEqual([]);
  });

  it('never overrides a flag the user set, in any spelling, and keeps the others', () => {
    expect(tieringFlags('11.3.244.8', ['--interrupt-budget=1000'])).toEqual(['--liftoff-only']);
    expect(tieringFlags('11.3.244.8', ['--interrupt_budget=1000', '--no-liftoff-only'])).toEqual([]);
    expect(tieringFlags('12.4.254.21', ['--max-old-space-size=4096', '--invocation_count_for_turbofan=10'])).toEqual(['--liftoff-only']);
    expect(tieringFlags('13.6.233.17', ['--liftoff_only=false'])).toEqual([]);
    // Neighbouring flags are not these.
    expect(tieringFlags('11.3.244.8', ['--interrupt-budget-for-feedback-allocation=10', '--liftoff', 'liftoff-only'])).toEqual([
      '--interrupt-budget=270336',
      '--liftoff-only',
    ]);
  });

  const flags = tieringFlags(process.versions.v8, []);
  const budget = flags.find((f) => !f.startsWith('--liftoff'));

  it('sets only flags this Node knows', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    for (const flag of flags) expect(options).toContain(`  ${flag.split('=')[0]!} (`);
  });

  it.runIf(budget !== undefined)('raises the optimisation budget: V8 then optimises fewer functions of the same work', () => {
    // The same TypeScript parses with and without the budget; --trace-opt prints one line per finished optimisation.
    const optimised = (tune: boolean): number => {
      const script = `
        const { readdirSync, readFileSync } = await import('node:fs');
        if (${tune}) (await import(${JSON.stringify(built)})).tuneTiering();
        const { parseTypeScript } = await import(${JSON.stringify(typescriptModule)});
        const dir = ${JSON.stringify(sources)};
        for (let round = 0; round < 3; round++)
          for (const name of readdirSync(dir)) if (name.endsWith('.ts')) parseTypeScript(name, readFileSync(dir + name, 'utf8'));`;
      const out = execFileSync(process.execPath, ['--trace-opt', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        maxBuffer: 64 * 1024 * 1024,
      });
      return out.split('\n').filter((line) => line.startsWith('[completed optimizing')).length;
    };
    const untuned = optimised(false);
    const tuned = optimised(true);
    expect(untuned).toBeGreaterThan(20);
    expect(tuned).toBeLessThan(untuned * 0.8);
  });

  it.runIf(flags.includes('--liftoff-only'))('keeps WebAssembly on the baseline compiler: libpg-query no longer tiers up to TurboFan', () => {
    // The same SQL parsed often enough for V8 to optimise libpg-query's hot functions, with and without the flags;
    // --trace-wasm-compilation-times prints one line per function compiled, naming its compiler.
    const turbofanCompiles = (tune: boolean): number => {
      const script = `
        if (${tune}) (await import(${JSON.stringify(built)})).tuneTiering();
        const { parsePg } = await import(${JSON.stringify(pgModule)});
        for (let i = 0; i < 3000; i++) await parsePg('CREATE TABLE a (id int primary key); SELECT * FROM a WHERE id = $1;');`;
      const out = execFileSync(process.execPath, ['--trace-wasm-compilation-times', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        maxBuffer: 64 * 1024 * 1024,
      });
      return out.split('\n').filter((line) => line.includes(' using TurboFan,')).length;
    };
    expect(turbofanCompiles(false)).toBeGreaterThan(0);
    expect(turbofanCompiles(true)).toBe(0);
  });
});
