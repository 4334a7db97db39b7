import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import hardcodedSecret from '../../rules/security/hardcoded-secret/rule.js';
import envFileCommitted from '../../rules/security/env-file-committed/rule.js';
import { knownPublicValues } from '../../rules/security/hardcoded-secret/values.js';
import { auditWith } from '../support/fixtures.js';

// Values that look like credentials by design: local test databases, CI service containers, documented API examples,
// storage key names and vendor-published emulator keys. Every credential-shaped value is assembled at run time so that
// none sits in this file (secret scanners read tests too).
let seed = 20261128;
const random = (n: number, chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'): string =>
  Array.from({ length: n }, () => {
    seed = (seed * 48271) % 2147483647;
    return chars[seed % chars.length]!;
  }).join('');
const password = (): string => `Pr0d!${random(10)}`;
const hex = (n: number): string => random(n, '0123456789abcdef');

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
async function findings(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'prodgrade-throwaway-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const report = await auditWith(dir, [hardcodedSecret, envFileCommitted]);
  return report.findings.map((f) => `${f.ruleId} ${f.location?.path}:${f.location?.startLine}`).sort();
}

describe('hardcoded-secret: values that are throwaway by where they sit', () => {
  it('ignores a password in a semicolon connection string to a local database, not one to a remote host', async () => {
    const script = (host: string): string => `cross-env DB_URL='sqlserver://${host}:1433;database=master;username=sa;password=${password()}' npm run dev`;
    const manifest = `{\n  "name": "api",\n  "scripts": {\n    "dev:mssql": "${script('localhost')}",\n    "dev:loopback": "${script('127.0.0.1')}",\n    "migrate:prod": "${script('mssql.prod.acme-corp.io')}"\n  }\n}\n`;
    expect(await findings({ 'package.json': manifest })).toEqual(['hardcoded-secret package.json:6']);
  });

  it('ignores the env of a CI job that runs against service containers, not a deploy job or a step', async () => {
    const workflow = [
      'name: ci',
      'on: push',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-latest',
      '    env:',
      `      DB_ENCRYPTION_KEY: '${random(43)}='`,
      '    services:',
      '      mssql:',
      '        image: mcr.microsoft.com/mssql/server:2022-latest',
      '        env:',
      `          SA_PASSWORD: '${password()}'`,
      '    steps:',
      '      - run: npm test',
      '        env:',
      `          UPLOAD_TOKEN: ${random(40)}`,
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    env:',
      `      DEPLOY_TOKEN: ${random(40)}`,
      '    steps:',
      '      - run: ./deploy.sh',
      '',
    ].join('\n');
    expect(await findings({ '.github/workflows/ci.yml': workflow })).toEqual([
      'hardcoded-secret .github/workflows/ci.yml:16',
      'hardcoded-secret .github/workflows/ci.yml:20',
    ]);
  });

  it('ignores a token inside an OpenAPI example, not one elsewhere in the document or in other JSON', async () => {
    const responses = (token: string): object => ({
      type: 'object',
      properties: { access_token: { type: 'string' } },
      example: { access_token: token, token_type: 'bearer' },
    });
    const openApi = { openapi: '3.0.3', paths: {}, components: { schemas: { Token: responses(hex(40)) } }, 'x-admin': { access_token: hex(40) } };
    const settings = { service: { example: { access_token: hex(40) } } };
    expect(
      await findings({ 'swagger/openapi.json': JSON.stringify(openApi, null, 2), 'config/settings.json': JSON.stringify(settings, null, 2) }),
    ).toEqual(['hardcoded-secret config/settings.json:4', 'hardcoded-secret swagger/openapi.json:21']);
  });

  it('ignores a kebab-case storage key name, not a random value of the same shape', async () => {
    const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const code = [
      "export const STORAGE_KEY = 'sidebar-panel-width-1.5rem';",
      `export const SESSION_STORAGE_KEY = '${random(6, lower)}-${random(6, lower)}-${random(6, lower)}.${random(4, lower)}';`,
      '',
    ].join('\n');
    expect(await findings({ 'src/storage.ts': code })).toEqual(['hardcoded-secret src/storage.ts:2']);
  });
});

describe('env-file-committed: vendor-published development keys', () => {
  it('does not treat the storage emulator key in a template as a leaked secret, but does a random key of its shape', async () => {
    const emulatorKey = [...knownPublicValues].find((v) => v.length === 88 && v.endsWith('=='))!;
    const base64 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/';
    const files = {
      'package.json': '{ "name": "app", "dependencies": { "dotenv": "^16.4.5" } }\n',
      '.gitignore': '.env\n',
      'src/index.ts': "import 'dotenv/config';\nconsole.log(process.env.STORAGE_SECRET_ACCESS_KEY);\n",
    };
    expect(emulatorKey).toBeDefined();
    expect(await findings({ ...files, '.env.example': `STORAGE_SECRET_ACCESS_KEY=${emulatorKey}\n` })).toEqual([]);
    expect(await findings({ ...files, '.env.example': `STORAGE_SECRET_ACCESS_KEY=${random(86, base64)}==\n` })).toEqual([
      'env-file-committed .env.example:1',
    ]);
  });

});

describe('hardcoded-secret: commands that edit a key', () => {
  it('reads a sed substitution in a shell script as a command, not as the value of the key it edits', async () => {
    const script = [
      '#!/usr/bin/env bash',
      'key=$(openssl rand -hex 32) && sed -i "/ENCRYPTION_KEY:$/s/ENCRYPTION_KEY:.*/ENCRYPTION_KEY: $key/" docker-compose.yml',
      `sed -i "s/^SESSION_SECRET=.*/SESSION_SECRET=${random(16)}/" .env`,
      `ENCRYPTION_KEY=${random(40)}`,
      '',
    ].join('\n');
    expect(await findings({ 'scripts/install.sh': script })).toEqual(['hardcoded-secret scripts/install.sh:3', 'hardcoded-secret scripts/install.sh:4']);
  });
});

