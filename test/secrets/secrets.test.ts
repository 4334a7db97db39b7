import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import hardcodedSecret from '../../rules/security/hardcoded-secret/rule.js';
import privateKeyCommitted from '../../rules/security/private-key-committed/rule.js';
import credentialsInUrl from '../../rules/security/credentials-in-url/rule.js';
import { detectors } from '../../rules/security/hardcoded-secret/detectors.js';
import { scanSecrets } from '../../rules/security/hardcoded-secret/scan.js';
import { crc32, judgeJwt, toBase62 } from '../../rules/security/hardcoded-secret/validators.js';
import { isPlaceholder } from '../../rules/security/hardcoded-secret/values.js';
import { auditWith } from '../support/fixtures.js';

// Every token here is assembled at run time, so that no complete credential-shaped string sits in the source
// (GitHub push protection and secret scanners read test files too). See rules/security/hardcoded-secret/fixtures/README.md.
const rules = [hardcodedSecret, privateKeyCommitted, credentialsInUrl];
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let seed = 20261127;
const random = (n: number, chars = alphabet): string =>
  Array.from({ length: n }, () => {
    seed = (seed * 48271) % 2147483647;
    return chars[seed % chars.length]!;
  }).join('');
/** A GitHub- or npm-format token whose CRC32 checksum verifies. */
const checksummed = (prefix: string): string => {
  const body = 'Pr0dGr4deF1xtur3' + random(14);
  return prefix + body + toBase62(crc32(body), 6);
};
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: Record<string, unknown>): string => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}.${random(43)}`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
async function audit(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'prodgrade-secrets-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const report = await auditWith(dir, rules);
  expect(report.findings.filter((f) => f.internal)).toEqual([]);
  return report;
}

describe('checksums', () => {
  it('reports a GitHub token with a valid CRC32 checksum at high confidence, a made-up one at low', async () => {
    const valid = checksummed('gh' + 'p_');
    const broken = valid.slice(0, -1) + (valid.endsWith('A') ? 'B' : 'A');
    const report = await audit({ 'src/a.ts': `export const a = '${valid}';\nexport const b = '${broken}';\n` });
    expect(report.findings.map((f) => [f.location?.startLine, f.confidence])).toEqual([
      [1, 'high'],
      [2, 'low'],
    ]);
  });

  it('verifies npm tokens the same way', () => {
    const valid = checksummed('np' + 'm_');
    expect(scanSecrets(`token=${valid}\n`, 'deploy/publish.sh', 'shell').map((h) => [h.detector, h.confidence])).toEqual([['npm-token', 'high']]);
  });
});

describe('masking', () => {
  it('never puts a raw secret in a message or snippet', async () => {
    const secrets = {
      stripe: 's' + 'k_live_' + random(32),
      aws: random(40, alphabet + '/+'),
      password: 'Pr0dGr4de!' + random(8),
      url: random(20),
      // a PKCS#8 header (SEQUENCE, INTEGER version 0) then random payload: the rule checks the DER shape
      key: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' + random(1168, alphabet + '+/'),
    };
    const report = await audit({
      'src/pay.ts': `export const key = '${secrets.stripe}';\n`,
      '.env': `AWS_ACCESS_KEY_ID=AKIA${random(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\nAWS_SECRET_ACCESS_KEY=${secrets.aws}\nDB_PASSWORD=${secrets.password}\n`,
      'src/db.ts': `export const url = 'postgres://app:${secrets.url}@db.acme-shop.io:5432/app';\n`,
      'certs/tls.pem': `-----BEGIN ${'PRIVATE'} KEY-----\n${secrets.key.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
    });
    expect(report.findings.length).toBe(5);
    const serialized = JSON.stringify(report);
    for (const secret of Object.values(secrets)) {
      expect(serialized).not.toContain(secret);
      expect(serialized).not.toContain(secret.slice(8, 24));
    }
  });

  it('reports an AWS key ID and its secret once, as a pair', async () => {
    const report = await audit({ 'config/aws.ini': `aws_access_key_id = AKIA${random(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\naws_secret_access_key = ${random(40, alphabet + '/+')}\n` });
    expect(report.findings.map((f) => [f.location?.startLine, f.severity, f.message.slice(0, 40)])).toEqual([[2, 'critical', 'An AWS access key ID and its secret acce']]);
  });
});

describe('where a file sits', () => {
  const token = (): string => 'x' + 'oxb-' + random(11, '0123456789') + '-' + random(13, '0123456789') + '-' + random(24);
  it('keeps provider tokens in tests at low confidence and drops name-based findings there', async () => {
    const report = await audit({ 'src/__tests__/slack.test.ts': `const t = '${token()}';\nconst password = 'Pr0dGr4de!${random(8)}';\n` });
    expect(report.findings.map((f) => [f.location?.startLine, f.confidence, f.severity])).toEqual([[1, 'low', 'medium']]);
  });

  it('skips lockfiles, stylesheets and minified lines', () => {
    const value = 'apiKey: "' + random(32) + '"';
    expect(scanSecrets(value + '\n', 'yarn.lock', 'other')).toEqual([]);
    expect(scanSecrets(value + '\n', 'web/app.css', 'other')).toEqual([]);
    expect(scanSecrets(value + ';var a=1'.repeat(800) + '\n', 'web/app.js', 'ts')).toEqual([]);
    expect(scanSecrets(value + '\n', 'web/app.js', 'ts')).toHaveLength(1);
  });
});

describe('JWTs', () => {
  it('treats only signed, long-lived, non-public tokens as credentials', () => {
    expect(judgeJwt(jwt({ iss: 'supabase', role: 'service_role', iat: 1700000000, exp: 2015576000 })).severity).toBe('critical');
    expect(judgeJwt(jwt({ sub: 'svc-export', iat: 1700000000 })).confidence).toBe('medium');
    expect(judgeJwt(jwt({ iss: 'supabase', role: 'anon', iat: 1700000000, exp: 2015576000 })).confidence).toBeUndefined();
    expect(judgeJwt(jwt({ iss: 'supabase-demo', role: 'service_role', exp: 1983812996 })).confidence).toBeUndefined();
    expect(judgeJwt(jwt({ sub: 'user_1', iat: 1700000000, exp: 1700000900 })).confidence).toBeUndefined();
    expect(judgeJwt(jwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 })).confidence).toBeUndefined();
    expect(judgeJwt(jwt({ confidence: 0.8 })).confidence).toBeUndefined();
    expect(judgeJwt(`${b64url({ alg: 'none' })}.${b64url({ sub: 'svc' })}.`).confidence).toBeUndefined();
  });
});

describe('placeholders', () => {
  it.each(['xxxxxxxxxxxxxxxxxxxxxxxx', 'your-api-key-here', '<token>', '${STRIPE_KEY}', '{{ .Values.key }}', 'abcdef123456abcdef', '1234567890abcdefghij', 'IOSFODNN7EXAMPLE', 'changeme', 'abababababababab'])(
    '%s is a placeholder',
    (value) => expect(isPlaceholder(value)).toBe(true),
  );
  it.each(['Pr0dGr4deF1xtur3Zq8Rz2vLk9Xw4mTn7P', 'c8f4e2a1b9d7306f5e4c3b2a1908f7e6'])('%s is not', (value) => expect(isPlaceholder(value)).toBe(false));
});

describe('the detector table', () => {
  it('has unique ids, global patterns and lower-case-matchable keywords', () => {
    expect(new Set(detectors.map((d) => d.id)).size).toBe(detectors.length);
    for (const d of detectors) {
      expect(d.pattern.flags, d.id).toContain('g');
      expect(d.keywords.length, d.id).toBeGreaterThan(0);
    }
  });

  it('stays linear on adversarial lines (no catastrophic backtracking)', () => {
    const fillers = ['a', 'A', '1', '-', '_', '.', '/', '+', '=', 'aA1-', '1-1-', 'a_1', '~', ':', 'Q~', 'ey', '%3D'];
    for (const d of detectors) {
      for (const keyword of d.keywords) {
        for (const filler of fillers) {
          const line = (keyword + filler.repeat(4990 / filler.length)).slice(0, 5000);
          const started = performance.now();
          d.pattern.lastIndex = 0;
          while (d.pattern.exec(line)) {
            /* drain */
          }
          // Generous: the machine may be loaded; a backtracking pattern takes seconds here, not milliseconds.
          expect(performance.now() - started, `${d.id} on ${keyword}+${filler}`).toBeLessThan(250);
        }
      }
    }
  });

  it('scans a keyword-dense file linearly', () => {
    for (const word of ['password=', 'apiKey: "', 'secret', 'Bearer ', 'key-', 'eyJ', 'sk-']) {
      const text = Array.from({ length: 100 }, () => (word + 'aB3$').repeat(Math.floor(4900 / (word.length + 4)))).join('\n');
      const started = performance.now();
      scanSecrets(text, 'src/dense.ts', 'ts');
      expect(performance.now() - started, word).toBeLessThan(3000);
    }
  });
});
