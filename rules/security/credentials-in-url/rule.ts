import { defineRule } from '../../../src/core/define-rule.js';
import { maskSecret } from '../../../src/core/mask.js';
import type { Confidence } from '../../../src/core/types.js';
import { isComposeFile, pathKind } from '../hardcoded-secret/paths.js';
import { entropy, isDevPassword, isPlaceholder, knownPublicValues, wordiness } from '../hardcoded-secret/values.js';

/** `scheme://user:password@host`; the user may be empty (`redis://:password@host`). */
const credentialUrl = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{1,30}):\/\/([^\s:@/"'`<>()[\]{}\\]{0,128}):([^\s@/"'`<>\\]{1,256})@([A-Za-z0-9._~%-]*[A-Za-z0-9_~%-]|\[[0-9a-fA-F:.]+\])/g;

const databaseSchemes =
  /^(?:jdbc:)?(?:postgres(?:ql)?|postgis|mysql|mysqlx|mariadb|mongodb(?:\+srv)?|redis|rediss|valkey|memcached?|amqps?|rabbitmq|mssql|sqlserver|oracle|db2|clickhouse|cockroach(?:db)?|neo4j(?:\+s)?|bolt|nats|kafka|cassandra|couchdb|couchbase|elasticsearch|opensearch|influxdb|ldaps?|ftps?|sftp|smtps?|imaps?|pop3s?|mqtts?|stomp|sqlalchemy|[a-z]+\+(?:psycopg2?|asyncpg|pymysql|mysqldb|aiomysql|pg8000))$/i;

/** The developer's machine, documentation domains and RFC 2606/6761 names: credentials there protect nothing real. */
const localHost = /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\]|::1|host\.docker\.internal|host\.containers\.internal|kubernetes\.docker\.internal)$|\.(?:local|localhost|test|example|invalid|internal|lan|home\.arpa)$|(?:^|\.)example\.(?:com|org|net)$|(?:^|\.)(?:domain|host|hostname|server|yourdomain|yourserver|mydomain|myserver|your-host|your-server)\.[a-z]+$/i;
/** Tokens with their own detector (reported by hardcoded-secret with the provider named). */
const providerToken = /^(?:gh[pousr]_|github_pat_|glpat-|gldt-|npm_|xox[abposr]-|sk_live_|sk-)/;
/** Placeholders written as user and password: `user:password`, `<user>:<pass>`, `USER:PASS`, `$USER:$PASS`. */
const placeholderPassword = /^(?:pass(?:word|wd)?\d*|pwd|secret|\*+|x+|changeme|change[-_]?me|your[-_]?password|mypassword|p[a@]ss(?:w[o0]rd)?|token|apikey|api[-_]?key|access[-_]?token|[A-Z_]+|%[\dA-F]{2}.*%[\dA-F]{2}|)$/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** How strongly a URL password looks like a real one; undefined when it is a placeholder or a throwaway dev value. */
function judge(password: string, host: string, compose: boolean): Confidence | undefined {
  const p = decoded(password);
  if (placeholderPassword.test(p) || knownPublicValues.has(p) || providerToken.test(p)) return undefined;
  if (/\$\{|\{\{|\}\}|^\$[A-Za-z_(]|^%[A-Za-z_]|<[^>]*>|^\{|\[[A-Za-z_ -]+\]|^:/.test(p)) return undefined;
  // Shorter than six characters: `user:abc@`, `user:1111@` are demo values, not passwords anyone deploys.
  if (p.length < 6 || isPlaceholder(p)) return undefined;
  const machineMade = p.length >= 16 && entropy(p) >= 3.5 && wordiness(p) < 0.5;
  // Local hosts, docker-compose/Kubernetes service names (`db`, `postgres`) and dev passwords are local stacks.
  const internal = localHost.test(host) || !host.includes('.') || compose;
  if (internal) return machineMade ? 'low' : undefined;
  if (isDevPassword(p)) return undefined;
  return machineMade || (p.length >= 10 && entropy(p) >= 3) ? 'high' : 'medium';
}

export default defineRule({
  meta: {
    id: 'credentials-in-url',
    category: 'security',
    checklist: 'SEC-1',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      database:
        'The {{scheme}} connection URL embeds the password for `{{user}}@{{host}}` (`{{masked}}`). Everyone with read access to the repository can connect to that server, and the password stays in git history. Rotate the password and pass the URL in through an environment variable (e.g. `DATABASE_URL`) or a secret manager.',
      basicAuth:
        'The {{scheme}} URL embeds the credentials of `{{user}}` for {{host}} (`{{masked}}`). URLs are logged, cached and shared, and the credentials stay in git history. Rotate the password or token and send it from configuration at run time (an Authorization header built from an environment variable).',
    },
    docs: {
      summary: 'Database, broker and HTTP URLs with a password in them (`postgres://user:pass@host`, `https://user:token@host`).',
      why: 'Connection strings are copied into code, compose files, CI configs and docs, and each copy carries the password with it. A URL with credentials also ends up in logs, error reports and shell history, and grants whoever sees it direct access to the database or service.',
      howToFix:
        'Rotate the password. Read the whole URL from the environment (`DATABASE_URL`, `REDIS_URL`) or build it at start-up from a secret manager; in compose and Kubernetes files reference `${DB_PASSWORD}` or a Secret instead of writing the value.',
      examples: {
        invalid: [
          { file: 'src/db.ts', code: "import { Pool } from 'pg';\n\nexport const pool = new Pool({ connectionString: 'postgres://app:Xq8vN2mL5pR7tK9w@db.prod.acme-corp.io:5432/app' });\n" },
        ],
        valid: [
          { file: 'src/db.ts', code: "import { Pool } from 'pg';\n\nexport const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n" },
          {
            file: 'docker-compose.yml',
            code: 'services:\n  api:\n    environment:\n      DATABASE_URL: postgres://app:app@db:5432/app\n      REDIS_URL: redis://:${REDIS_PASSWORD}@redis:6379\n  db:\n    image: postgres:16.4\n',
            note: 'Compose service hosts with development passwords, localhost URLs and `${VAR}` references are not reported.',
          },
        ],
      },
      peers: ['gitleaks (curl and URL credential rules)', 'secretlint @secretlint/secretlint-rule-database-connection-string, @secretlint/secretlint-rule-basicauth', 'detect-secrets BasicAuthDetector'],
      limitations: [
        'Hosts that are local (`localhost`, `127.0.0.1`, `host.docker.internal`, `*.local`, `*.test`, `example.com`) or single-label service names (`db`, `redis`: docker-compose and Kubernetes services), and every URL in a docker-compose file, are reported only when the password looks machine-generated (16+ characters, high entropy), at low confidence.',
        'Placeholder and common development passwords (`password`, `changeme`, `postgres`, `${DB_PASSWORD}`, `<password>`) are ignored; so are URLs under test and fixture paths. Findings in documentation and examples are one confidence level lower.',
        'Connection strings in key-value form (`Server=…;Password=…`) and passwords in query strings are left to hardcoded-secret, which reads `Password=` assignments; URLs split across string concatenations are not seen.',
      ],
    },
  },
  scope: 'file',
  files: { keywords: ['://'] },
  check(ctx) {
    const { path, text } = ctx.file;
    const where = pathKind(path);
    if (where === 'skip' || where === 'test') return;
    const compose = isComposeFile(path);
    let from = 0;
    while ((from = text.indexOf('://', from)) !== -1) {
      const lineStart = text.lastIndexOf('\n', from) + 1;
      let lineEnd = text.indexOf('\n', from);
      if (lineEnd === -1) lineEnd = text.length;
      from = lineEnd;
      if (lineEnd - lineStart > 5000) continue;
      const line = text.slice(lineStart, lineEnd);
      if (!line.includes('@')) continue;
      credentialUrl.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = credentialUrl.exec(line)) !== null) {
        const [, scheme, user, password, host] = m as unknown as [string, string, string, string, string];
        let confidence = judge(password, host, compose);
        if (!confidence) continue;
        if (where === 'docs') confidence = confidence === 'high' ? 'medium' : 'low';
        const start = lineStart + m.index + scheme.length + 3 + user.length + 1;
        const secret = { start, end: start + password.length };
        const data = { scheme, user: user || '(no user)', host, masked: maskSecret(decoded(password)) };
        const database = databaseSchemes.test(scheme);
        ctx.report({ messageId: database ? 'database' : 'basicAuth', data, range: { start: lineStart + m.index, end: lineStart + m.index + m[0].length }, secret, confidence, ...(database ? { severity: 'critical' as const } : {}) });
      }
    }
  },
});
