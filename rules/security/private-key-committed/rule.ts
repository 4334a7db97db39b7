import { defineRule } from '../../../src/core/define-rule.js';
import { maskSecret } from '../../../src/core/mask.js';
import { pathKind } from '../hardcoded-secret/paths.js';
import { distinctChars, entropy } from '../hardcoded-secret/values.js';

const begin = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY( BLOCK)?-----/g;
const putty = /PuTTY-User-Key-File-\d: *(\S+)/g;

interface KeyHit {
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
  type: string;
  encrypted: boolean;
}

/**
 * The base64 payload of a PEM body written as a file, a JSON string with `\n` escapes, or concatenated string
 * literals; header lines (`Proc-Type`, `DEK-Info`, `Version`, `Comment`) left out.
 */
function payloadOf(body: string): string | undefined {
  const lines = body
    .replace(/\\r|\\n/g, '\n')
    .split(/\r?\n/)
    .filter((l) => !/^\s*["'`]?\s*[A-Za-z-]+:\s/.test(l));
  // Between the markers a key holds base64, quotes and concatenation only; code (`text.includes(…)`) is not a key.
  if (lines.some((l) => /[^A-Za-z0-9+/=\s"'`,+\\]/.test(l))) return undefined;
  return lines.join('').replace(/[^A-Za-z0-9+/=]/g, '');
}

/**
 * Whether the payload has the shape its header promises. PKCS#1, PKCS#8, SEC1 and DSA keys are a DER SEQUENCE
 * whose first element is the INTEGER version; an encrypted PKCS#8 key starts with a nested SEQUENCE (the
 * algorithm); OpenSSH keys start with the `openssh-key-v1` magic. A certificate pasted between private-key
 * markers (a form placeholder) fails this; legacy `Proc-Type` encryption and PGP armour are not checked.
 */
function shapeMatches(type: string, payload: string, raw: string): boolean {
  if (type === 'OPENSSH') return payload.startsWith('b3BlbnNzaC1rZXktdjE');
  if (type !== '' && type !== 'RSA' && type !== 'EC' && type !== 'DSA' && type !== 'ENCRYPTED') return true;
  if (/Proc-Type:/.test(raw)) return true;
  const der = Buffer.from(payload.slice(0, 16), 'base64');
  if (der[0] !== 0x30 || der.length < 4) return false;
  const lengthByte = der[1]!;
  const first = der[lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f)];
  return first === (type === 'ENCRYPTED' ? 0x30 : 0x02);
}

function findKeys(text: string): KeyHit[] {
  const hits: KeyHit[] = [];
  begin.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = begin.exec(text)) !== null) {
    const bodyStart = m.index + m[0].length;
    const endAt = text.indexOf('-----END', bodyStart);
    if (endAt === -1 || endAt - bodyStart > 50_000) continue;
    const footerEnd = text.indexOf('-----', endAt + 8);
    const raw = text.slice(bodyStart, endAt);
    // Documentation elides the body (`...`, `<your key>`, `xxxx`); a real key is hundreds of random base64 characters.
    if (/\.\.\.|…|<[^>]*>|x{4,}|X{4,}|your|redacted|example|\$\{|\{\{/i.test(raw)) continue;
    const payload = payloadOf(raw);
    if (payload === undefined || payload.length < 64 || distinctChars(payload) < 20 || entropy(payload) < 4.5) continue;
    const type = (m[1] ?? '').trim();
    if (!m[2] && !shapeMatches(type, payload, raw)) continue;
    const encrypted = type === 'ENCRYPTED' || /Proc-Type:\s*4,ENCRYPTED/.test(raw) || (type === 'OPENSSH' && !payload.startsWith('b3BlbnNzaC1rZXktdjEAAAAABG5vbmU'));
    // The masked span is the payload itself: leading and trailing newlines (or `\n` escapes) stay visible.
    const lead = /^(?:\s|\\[nr])*/.exec(raw)![0].length;
    const trail = /(?:\s|\\[nr])*$/.exec(raw)![0].length;
    hits.push({ start: m.index, end: footerEnd === -1 ? endAt : footerEnd + 5, bodyStart: bodyStart + lead, bodyEnd: endAt - trail, type: type === 'ENCRYPTED' ? '' : type, encrypted });
    begin.lastIndex = endAt;
  }
  putty.lastIndex = 0;
  while ((m = putty.exec(text)) !== null) {
    const block = text.slice(m.index, m.index + 20_000);
    const lines = /Private-Lines: *(\d+)\r?\n/.exec(block);
    if (!lines) continue;
    const bodyStart = m.index + lines.index + lines[0].length;
    const bodyLines = text.slice(bodyStart).split(/\r?\n/).slice(0, Number(lines[1]));
    const bodyEnd = bodyStart + bodyLines.join('\n').length;
    if ((payloadOf(bodyLines.join('\n'))?.length ?? 0) < 64) continue;
    hits.push({ start: m.index, end: bodyEnd, bodyStart, bodyEnd, type: `PuTTY ${m[1]}`, encrypted: !/Encryption: *none/.test(block) });
  }
  return hits;
}

export default defineRule({
  meta: {
    id: 'private-key-committed',
    category: 'security',
    checklist: 'SEC-1',
    severity: 'critical',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      privateKey:
        'Committed {{type}}private key (`{{masked}}`). Whoever reads the repository can impersonate the server, user or signer it belongs to, and git history keeps it after deletion. Revoke or rotate the key pair, remove the file from history, and load the key from a secret manager or a mounted secret at run time.',
      encryptedKey:
        'Committed passphrase-protected {{type}}private key (`{{masked}}`). Its protection is only as strong as the passphrase, which can be brute-forced offline by anyone with the repository. Rotate the key pair and keep it in a secret manager or a mounted secret instead of git.',
      serviceAccount:
        'Committed Google Cloud service account key (JSON with `private_key` and `client_email`, `{{masked}}`). It grants the service account\'s roles to anyone who reads the repository, with no expiry. Delete the key in IAM now, then use Workload Identity, attached service accounts or a secret manager instead of key files.',
    },
    docs: {
      summary: 'PEM private keys (RSA, EC, DSA, PKCS#8, OpenSSH, PGP), PuTTY keys and Google Cloud service account key files committed to the repository.',
      why: 'A private key is the identity itself: TLS certificates, SSH access, code and package signing, JWT signing and cloud service accounts all trust whoever holds it. Unlike a password it is rarely rotated, and git history keeps it even after the file is removed.',
      howToFix:
        'Treat the key as compromised: revoke the certificate, remove the SSH key from authorized_keys or the provider, delete the service account key in IAM, and issue a new one. Remove the file from git history, ignore key files (`*.pem`, `*.key`, `*-sa.json`), and provide keys at run time from a secret manager, a mounted Kubernetes or Docker secret, or workload identity.',
      examples: {
        invalid: [
          {
            file: 'deploy/server.key',
            code: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAt3Kq8Vv0m5ZJd1QwXyF7bN2cR9sT4uY6hL8pE3gA1kMzW0oI\nq2Jx5Nc7Rf9Ty1Ua3Vb5Wd7Xe9Yg2Zh4Ai6Bj8Ck0Dl2Em4Fn6Go8Hp0Iq2Jr4Ks6\nLt8Mu0Nv2Ow4Px6Qy8Rz0Sa2Tb4Uc6Vd8We0Xf2Yg4Zh6Ai8Bj0Ck2Dl4Em6Fn8Go\n-----END RSA PRIVATE KEY-----\n',
          },
        ],
        valid: [
          {
            file: 'deploy/server.pub',
            code: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt3Kq8Vv0m5ZJd1QwXyF7bN2c\n-----END PUBLIC KEY-----\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9Lm3Kq8Vv0m5ZJd1QwXyF7bN2cR9sT4uY6hL8pE3gA deploy@ci\n',
          },
          {
            file: 'docs/tls.md',
            code: 'Put your key in `certs/server.key`:\n\n```\n-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n```\n',
            note: 'Elided bodies, public keys, certificates and keys under test and fixture paths are not reported.',
          },
        ],
      },
      peers: ['gitleaks private-key', 'secretlint @secretlint/secretlint-rule-privatekey', 'detect-secrets PrivateKeyDetector', 'trufflehog PrivateKey'],
      limitations: [
        'Keys under test, spec, fixture and mock paths are not reported: test suites generate throwaway key pairs for TLS and signing tests. A production key copied into a test folder is missed.',
        'Binary key stores (`.p12`, `.pfx`, `.jks`, `.keystore`) are not read; keys in documentation, examples and templates are reported one confidence level lower.',
        'A body shorter than 64 base64 characters, or elided with `...`, `<…>` or `xxxx`, is treated as a documentation placeholder.',
        'A body whose DER structure is not a private key (for example a certificate pasted between private-key markers as a form placeholder) is not reported.',
      ],
    },
  },
  scope: 'file',
  files: { keywords: ['PRIVATE KEY', 'PuTTY-User-Key-File'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const where = pathKind(path);
    if (where === 'skip' || where === 'test') return;
    const serviceAccount = /"client_email"\s*:/.test(text) && /"private_key"\s*:/.test(text);
    for (const key of findKeys(text)) {
      const masked = maskSecret(text.slice(key.bodyStart, key.bodyEnd).trim());
      const confidence = where === 'docs' ? 'medium' : 'high';
      const base = { range: { start: key.start, end: key.end }, secret: { start: key.bodyStart, end: key.bodyEnd }, confidence } as const;
      const type = key.type ? `${key.type} ` : '';
      if (serviceAccount && !key.encrypted) ctx.report({ ...base, messageId: 'serviceAccount', data: { masked } });
      else if (key.encrypted) ctx.report({ ...base, messageId: 'encryptedKey', data: { type, masked }, severity: 'medium' });
      else ctx.report({ ...base, messageId: 'privateKey', data: { type, masked } });
    }
  },
});
