import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tieringFlag } from '../../src/audit/tiering.js';

const built = pathToFileURL(fileURLToPath(new URL('../../dist/src/audit/tiering.js', import.meta.url))).href;
const typescriptModule = pathToFileURL(fileURLToPath(new URL('../../dist/src/audit/parsers/typescript.js', import.meta.url))).href;
const sources = fileURLToPath(new URL('../../src/audit/', import.meta.url));

describe('V8 optimisation budget (tiering.ts)', () => {
  it('names the flag of each known V8 line and leaves others alone', () => {
    expect(tieringFlag('11.3.244.8-node.38', [])).toBe('--interrupt-budget=270336');
    expect(tieringFlag('12.4.254.21-node.57', [])).toBe('--invocation-count-for-turbofan=12000');
    expect(tieringFlag('13.6.233.17-node.53', [])).toBeUndefined();
    expect(tieringFlag('10.2.154.26-node.26', [])).toBeUndefined();
  });

  it('never overrides a budget the user set, in either spelling, with or without a value', () => {
    expect(tieringFlag('11.3.244.8', ['--interrupt-budget=1000'])).toBeUndefined();
    expect(tieringFlag('11.3.244.8', ['--interrupt_budget=1000'])).toBeUndefined();
    expect(tieringFlag('12.4.254.21', ['--max-old-space-size=4096', '--invocation_count_for_turbofan=10'])).toBeUndefined();
    // A neighbouring flag is not the budget.
    expect(tieringFlag('11.3.244.8', ['--interrupt-budget-for-feedback-allocation=10'])).toBe('--interrupt-budget=270336');
  });

  const flag = tieringFlag(process.versions.v8, []);

  it.runIf(flag !== undefined)('sets a flag this Node knows, and V8 then optimises fewer functions of the same work', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toContain(`  ${flag!.split('=')[0]!} (`);
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
});
