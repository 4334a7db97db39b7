import { ts } from '../../../src/audit/parsers/ts.cjs';
import { defineRule } from '../../../src/core/define-rule.js';

/** Tests talk to local servers with self-signed certificates; nothing there reaches production traffic. */
const testPath =
  /(?:^|\/)(?:__tests__|__mocks__|tests?|specs?|e2e|cypress|playwright|fixtures?|__fixtures__|testing|test-?utils|mocks?)\/|\.(?:test|spec|e2e|e2e-spec|cy)\.[cm]?[jt]sx?$/;
/** Keys of an object literal that make it a TLS options object (for the ambiguous `insecure: true`). */
const tlsKeys = new Set(['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'minVersion', 'maxVersion', 'ciphers', 'secureProtocol', 'rejectUnauthorized']);
const tlsParents = new Set(['tls', 'ssl', 'https', 'tlsOptions', 'sslOptions', 'httpsOptions', 'agentOptions', 'tlsConfig', 'sslConfig']);

const envVar = 'NODE_TLS_REJECT_UNAUTHORIZED';
/** `NODE_TLS_REJECT_UNAUTHORIZED=0`, `: "0"`, `= '0'` in env files, YAML, Dockerfiles, shell and package.json scripts. */
const envAssignment = /\bNODE_TLS_REJECT_UNAUTHORIZED["']?(?:\s*[=:]\s*|[ \t]+)["']?0(?!\d)/g;
/** Kubernetes-style `- name: NODE_TLS_REJECT_UNAUTHORIZED` followed by `value: "0"`. */
const k8sEnv = /\bname:\s*["']?NODE_TLS_REJECT_UNAUTHORIZED["']?\s*\r?\n\s*value:\s*["']?0["']?\s*$/gm;
const rejectUnauthorizedText = /["']?\brejectUnauthorized["']?\s*[:=]\s*false\b/g;
const strictSslText = /(?:["']?\bstrictSSL["']?\s*[:=]\s*false\b|^\s*strict-ssl\s*=\s*false\b|\benableStrictSsl["']?\s*:\s*false\b|\bnpm\s+config\s+set\s+strict-ssl\s+false\b)/gm;
const jsonKeys = /"rejectUnauthorized"\s*:\s*false\b/g;
const jsonEnvKey = /"NODE_TLS_REJECT_UNAUTHORIZED"\s*:\s*"?0(?!\d)/g;
const jsonStrictSsl = /"(?:strictSSL|strict-ssl)"\s*:\s*false\b/g;
/** Go-style TLS configs in YAML (Traefik, Prometheus, Grafana agents, Kubernetes clients). */
const insecureSkipVerify = /\binsecure_?skip_?(?:tls_?)?verify["']?\s*:\s*["']?true\b/gi;
const insecureDownload = /\bcurl\b[^\n|;&]*?\s(?:--insecure|-[a-zA-Z]*k[a-zA-Z]*)(?=\s|$)|\bwget\b[^\n|;&]*?\s--no-check-certificate\b|\bGIT_SSL_NO_VERIFY\s*[=:]\s*["']?(?:1|true)\b|\bhttp\.sslVerify\s+false\b/g;

type TlsMessage = 'rejectUnauthorized' | 'envVar' | 'strictSsl' | 'checkServerIdentity' | 'insecure' | 'insecureDownload';

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name) ? name.text : undefined;
}

function isFalse(node: ts.Expression): boolean {
  const inner = ts.isParenthesizedExpression(node) ? node.expression : node;
  return inner.kind === ts.SyntaxKind.FalseKeyword;
}

function isZero(node: ts.Expression): boolean {
  return (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isNumericLiteral(node)) && node.text === '0';
}

/** `() => undefined`, `() => {}`, `function () { return null; }`: a server identity check that accepts every host. */
function acceptsAnyHost(node: ts.Expression): boolean {
  if (!ts.isArrowFunction(node) && !ts.isFunctionExpression(node)) return false;
  const body = node.body;
  if (!ts.isBlock(body)) return body.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(body) && body.text === 'undefined') || ts.isVoidExpression(body);
  if (body.statements.length === 0) return true;
  const only = body.statements.length === 1 ? body.statements[0] : undefined;
  if (!only || !ts.isReturnStatement(only)) return false;
  const value = only.expression;
  return value === undefined || value.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(value) && value.text === 'undefined');
}

/**
 * Options of a TLS server (`https.createServer({ ... })`) that requests no client certificate: there
 * `rejectUnauthorized` has no effect, so `false` disables nothing.
 */
function serverWithoutClientCertificates(object: ts.ObjectLiteralExpression): boolean {
  const requestCert = object.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyName(p.name) === 'requestCert');
  if (requestCert) return requestCert.initializer.kind === ts.SyntaxKind.FalseKeyword;
  const call = object.parent;
  if (!ts.isCallExpression(call) && !ts.isNewExpression(call)) return false;
  const callee = call.expression;
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
  return name === 'createServer' || name === 'createSecureServer';
}

/** `process.env.NODE_TLS_REJECT_UNAUTHORIZED` or `process.env['NODE_TLS_REJECT_UNAUTHORIZED']`. */
function isTlsEnvTarget(node: ts.Expression): boolean {
  const name = ts.isPropertyAccessExpression(node)
    ? node.name.text
    : ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)
      ? node.argumentExpression.text
      : undefined;
  return name === envVar;
}

const devEnvFile = /(?:^|\/)\.env\.(?:[\w-]*\.)?(?:dev|development|local|test|testing|example|sample|template)(?:\.[\w-]+)?$/i;
const devScript = /^(?:dev|develop|start:dev|test|e2e|storybook|local)$|^(?:dev|test|e2e):|:(?:dev|local|test|e2e)$/;

/** A local development setting (a package.json dev script, `.env.development`, editor launch configs): medium, not high. */
function devOnly(path: string, text: string, offset: number): boolean {
  if (devEnvFile.test(path) || /^(?:\.vscode|\.devcontainer|\.idea)\//.test(path)) return true;
  if (!/(?:^|\/)package\.json$/.test(path)) return false;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const key = /^\s*"([^"]+)"\s*:/.exec(text.slice(lineStart, offset))?.[1];
  return key !== undefined && devScript.test(key);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function commentedOut(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^\s*(?:#|\/\/)/.test(text.slice(lineStart, offset));
}

export default defineRule({
  meta: {
    id: 'tls-verification-disabled',
    category: 'security',
    checklist: 'SEC-11',
    severity: 'high',
    confidence: 'high',
    stability: 'stable',
    messages: {
      rejectUnauthorized:
        '`rejectUnauthorized: false` accepts any certificate for this TLS connection, so anyone on the network path can impersonate the server and read or alter the traffic, credentials included. Remove it and pass the server\'s CA instead (`ca: fs.readFileSync(\'ca.pem\')`).',
      envVar:
        '`NODE_TLS_REJECT_UNAUTHORIZED=0` turns off certificate verification for every HTTPS and TLS connection of the process, so every outbound call can be intercepted. Remove it and trust the required CA with `NODE_EXTRA_CA_CERTS` instead.',
      strictSsl:
        '`strictSSL: false` / `strict-ssl=false` skips certificate verification, so requests and package downloads can be intercepted and tampered with. Remove it and configure the CA (`ca` / `cafile`) when a private certificate authority is involved.',
      checkServerIdentity:
        'This `checkServerIdentity` accepts every host name, so a valid certificate for any other domain is accepted and the connection can be impersonated. Remove the override, or compare the certificate against the expected host and return an error on mismatch.',
      insecure:
        'This `insecure` / `insecureSkipVerify` TLS setting disables certificate verification for the connection, so the server can be impersonated and the traffic read or altered. Remove it and configure the CA of the server instead.',
      insecureDownload:
        'This download skips certificate verification (`curl -k`, `wget --no-check-certificate`, `GIT_SSL_NO_VERIFY`), so what is fetched can be replaced in transit and end up in the image or build. Remove the flag and install the CA certificates the host needs.',
    },
    docs: {
      summary: 'TLS certificate verification is turned off: `rejectUnauthorized: false`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `strictSSL: false`, no-op `checkServerIdentity`, `curl -k`.',
      why: 'Encryption without certificate verification does not protect against an active attacker: whoever can intercept the connection (a compromised network, a proxy, a DNS hijack) presents their own certificate and reads or changes the traffic, including database passwords and API tokens. Such switches are added to get past a self-signed or private-CA certificate and then stay in production.',
      howToFix:
        'Remove the switch and make the certificate verifiable instead: pass the CA bundle (`ssl: { ca: fs.readFileSync(\'rds-ca.pem\') }` for managed databases, `NODE_EXTRA_CA_CERTS=/path/ca.pem` for the whole process), or fix the server certificate.',
      examples: {
        invalid: [
          {
            file: 'src/db.ts',
            code: "import { Pool } from 'pg';\n\nexport const pool = new Pool({\n  connectionString: process.env.DATABASE_URL,\n  ssl: { rejectUnauthorized: false },\n});\n",
          },
          { file: 'src/main.ts', code: "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';\n" },
          { file: 'Dockerfile', code: 'FROM node:20-alpine\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\nCMD ["node", "dist/main.js"]\n' },
        ],
        valid: [
          {
            file: 'src/db.ts',
            code: "import { readFileSync } from 'node:fs';\nimport { Pool } from 'pg';\n\nexport const pool = new Pool({\n  connectionString: process.env.DATABASE_URL,\n  ssl: { rejectUnauthorized: true, ca: readFileSync('certs/rds-ca.pem', 'utf8') },\n});\n",
          },
          {
            file: 'src/db.ts',
            code: "export const ssl = { rejectUnauthorized: process.env.DB_SSL_VERIFY !== 'false' };\n",
            note: 'A computed value is left to review: the rule reports literals only.',
          },
        ],
      },
      peers: [
        'CodeQL js/disabling-certificate-validation',
        'Semgrep problem-based-packs.insecure-transport.js-node.bypass-tls-verification',
        'eslint-plugin-security and @microsoft/eslint-plugin-sdl: no equivalent rule',
      ],
      limitations: [
        'Test files (`*.test.*`, `*.spec.*`, `test/`, `__tests__/`, `e2e/`...) are skipped: they talk to local servers with self-signed certificates and carry no production traffic.',
        'Options passed straight to `https.createServer` / `tls.createServer` without `requestCert: true` are not reported: a server that requests no client certificate ignores `rejectUnauthorized`.',
        'Local development settings (package.json `dev`/`test` scripts, `.env.development`/`.env.local`/`.env.test`, `.env.example`, `.vscode/`) are reported with medium severity.',
        'Only literal values are reported: `rejectUnauthorized: isProd`, `process.env.X === \'false\'` and values read from configuration are left to review.',
        '`insecure: true` is reported only inside an object that is clearly TLS options (under `tls`/`ssl`/`https`, or next to `ca`, `cert`, `servername`...).',
        'In YAML, Dockerfiles, env files and shell scripts the rule reads lines as text; a value built by string concatenation is not seen.',
      ],
    },
  },
  scope: 'file',
  files: {
    paths: /\.(?:[cm]?[jt]sx?|ya?ml|json|sh|bash|zsh)$|(?:^|\/)(?:\.env[^/]*|[^/]*\.env|Dockerfile[^/]*|[^/]*\.dockerfile|Containerfile|\.npmrc|\.yarnrc(?:\.yml)?)$/i,
    keywords: ['rejectUnauthorized', envVar, 'strictSSL', 'strict-ssl', 'enableStrictSsl', 'checkServerIdentity', 'nsecure', 'no-check-certificate', 'GIT_SSL_NO_VERIFY', 'sslVerify', 'curl'],
  },
  check(ctx) {
    const { path, text, language } = ctx.file;
    if (testPath.test(path)) return;
    if (language !== 'ts') {
      // Text formats: the variable, the option names and download flags, outside comments.
      const seen = new Set<number>();
      const scan = (re: RegExp, messageId: TlsMessage): void => {
        for (const m of text.matchAll(re)) {
          const offset = m.index + m[0].search(/\S/);
          const line = lineOf(text, offset);
          if (seen.has(line) || commentedOut(text, offset)) continue;
          seen.add(line);
          ctx.report({ messageId, range: { start: offset, end: m.index + m[0].length }, ...(devOnly(path, text, offset) ? { severity: 'medium' as const } : {}) });
        }
      };
      if (language === 'json') {
        // JSON holds prose too (descriptions, docs): only keys count, and free text only in package.json scripts.
        scan(jsonKeys, 'rejectUnauthorized');
        scan(jsonEnvKey, 'envVar');
        scan(jsonStrictSsl, 'strictSsl');
        if (/(?:^|\/)package\.json$/.test(path)) scan(envAssignment, 'envVar');
        return;
      }
      scan(envAssignment, 'envVar');
      scan(k8sEnv, 'envVar');
      scan(rejectUnauthorizedText, 'rejectUnauthorized');
      scan(strictSslText, 'strictSsl');
      if (language === 'yaml') scan(insecureSkipVerify, 'insecure');
      if (language === 'dockerfile' || language === 'shell' || language === 'yaml') scan(insecureDownload, 'insecureDownload');
      return;
    }
    const report = (node: ts.Node, messageId: TlsMessage): void => ctx.report({ messageId, node });
    return {
      PropertyAssignment(node) {
        const property = node as ts.PropertyAssignment;
        const name = propertyName(property.name);
        const value = property.initializer;
        if (name === 'rejectUnauthorized' && isFalse(value)) {
          if (!serverWithoutClientCertificates(property.parent)) report(property, 'rejectUnauthorized');
        }
        else if (name === 'strictSSL' && isFalse(value)) report(property, 'strictSsl');
        else if (name === envVar && isZero(value)) report(property, 'envVar');
        else if (name === 'checkServerIdentity' && acceptsAnyHost(value)) report(property, 'checkServerIdentity');
        else if (name === 'insecure' && value.kind === ts.SyntaxKind.TrueKeyword) {
          const object = property.parent;
          const parentName = ts.isPropertyAssignment(object.parent) ? propertyName(object.parent.name) : undefined;
          const siblings = object.properties.map((p) => (p.name ? propertyName(p.name) : undefined));
          if ((parentName && tlsParents.has(parentName)) || siblings.some((s) => s !== undefined && tlsKeys.has(s))) report(property, 'insecure');
        }
      },
      MethodDeclaration(node) {
        const method = node as ts.MethodDeclaration;
        if (!ts.isObjectLiteralExpression(method.parent) || !method.name || propertyName(method.name) !== 'checkServerIdentity' || !method.body) return;
        const statements = method.body.statements;
        const only = statements[0];
        if (statements.length === 0 || (statements.length === 1 && only && ts.isReturnStatement(only) && (!only.expression || only.expression.kind === ts.SyntaxKind.NullKeyword))) {
          report(method, 'checkServerIdentity');
        }
      },
      BinaryExpression(node) {
        const binary = node as ts.BinaryExpression;
        if (binary.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
        const target = binary.left;
        if (isTlsEnvTarget(target) && isZero(binary.right)) report(binary, 'envVar');
        else if (
          (ts.isPropertyAccessExpression(target) && target.name.text === 'rejectUnauthorized') ||
          (ts.isElementAccessExpression(target) && ts.isStringLiteralLike(target.argumentExpression) && target.argumentExpression.text === 'rejectUnauthorized')
        ) {
          if (isFalse(binary.right)) report(binary, 'rejectUnauthorized');
        }
      },
      StringLiteral(node) {
        // `NODE_TLS_REJECT_UNAUTHORIZED=0 node server.js` in an exec/spawn command string.
        const literal = node as ts.StringLiteral;
        if (literal.text.includes(envVar) && /\bNODE_TLS_REJECT_UNAUTHORIZED=["']?0(?!\d)/.test(literal.text) && !ts.isPropertyAssignment(literal.parent)) report(literal, 'envVar');
      },
      NoSubstitutionTemplateLiteral(node) {
        const literal = node as ts.NoSubstitutionTemplateLiteral;
        if (/\bNODE_TLS_REJECT_UNAUTHORIZED=["']?0(?!\d)/.test(literal.text)) report(literal, 'envVar');
      },
    };
  },
});
