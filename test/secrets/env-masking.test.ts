import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Chalk } from 'chalk';
import { afterAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/audit/registry.js';
import { reporters } from '../../src/audit/reporters/index.js';
import { auditWith } from '../support/fixtures.js';

// Values are assembled at run time so that no credential-shaped literal sits in this file (secret scanners read tests).
const pick = (seed: number, n: number): string => {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let s = seed;
  return Array.from({ length: n }, () => alphabet[(s = (s * 48271) % 2147483647) % alphabet.length]).join('');
};
const values = {
  JWT_SECRET: pick(11, 32),
  STRIPE_API_KEY: pick(23, 28),
  DB_PASSWORD: `Pw-${pick(37, 14)}`,
  SESSION_TOKEN: pick(51, 40),
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function repository(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodgrade-env-mask-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('committed env files', () => {
  it('never print a value of a committed .env, in text, JSON or SARIF, with every rule on', async () => {
    const env = Object.entries(values).map(([key, value]) => `${key}=${value}`).join('\n');
    const dir = repository({
      'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2", "dotenv": "^16.4.5" } }\n',
      '.env': `# copied from production\nPORT=8080\n${env}\n`,
      'services/billing/.env.example': `STRIPE_API_KEY=${values.STRIPE_API_KEY}\n`,
      'src/server.ts': "import 'dotenv/config';\nimport express from 'express';\nexpress().listen(Number(process.env.PORT));\n",
    });
    const report = await auditWith(dir, registry);
    const envFindings = report.findings.filter((f) => f.ruleId === 'env-file-committed');
    expect(envFindings.map((f) => [f.location?.path, f.message.includes('JWT_SECRET (line 3)')])).toEqual(
      expect.arrayContaining([['.env', true]]),
    );
    expect(envFindings.some((f) => f.location?.path === 'services/billing/.env.example')).toBe(true);

    const chalk = new Chalk({ level: 0 });
    for (const name of ['text', 'json', 'sarif'] as const) {
      const output = await reporters[name](report, { chalk, verbose: true });
      for (const value of Object.values(values)) {
        expect(output, `${name} output shows a value`).not.toContain(value);
        // Nor a long piece of one: a mask keeps a short prefix only.
        expect(output, `${name} output shows part of a value`).not.toContain(value.slice(4, 16));
      }
    }
  });

  it('mask the neighbouring values in the code frame of a secret found in a .env file', async () => {
    const stripe = `sk_live_${pick(71, 24)}`;
    const neighbour = `horse-${pick(83, 10)}`;
    const dir = repository({
      'package.json': '{ "name": "api", "dependencies": { "express": "^4.19.2" } }\n',
      'deploy/.env': `SMTP_USER=mailer\nSMTP_PASS=${neighbour}\nSTRIPE_KEY=${stripe}\nREGION=eu-west-1\n`,
    });
    const report = await auditWith(dir, registry);
    const secret = report.findings.find((f) => f.ruleId === 'hardcoded-secret' && f.location?.path === 'deploy/.env');
    expect(secret?.snippet?.lines.length).toBeGreaterThan(1);
    const frame = secret!.snippet!.lines.join('\n');
    expect(frame).toContain('SMTP_PASS=');
    expect(frame).not.toContain(neighbour.slice(2));
    expect(frame).not.toContain(stripe.slice(4));
  });
});

