import { defineRule } from '../../../src/core/define-rule.js';
import { argPairs, dockerfilesOf, envPairs, finalChain, offsetOnLine } from '../_docker/dockerfiles.js';

/** Names that hold secrets (`DB_PASSWORD`, `STRIPE_SECRET_KEY`, `NPM_TOKEN`, `API_KEY`…). */
const secretName = /(?:^|_)(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|SECRETS|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|AUTH_?KEY|CLIENT_?SECRET|CREDENTIALS?|SIGNING_?KEY|ENCRYPTION_?KEY|MASTER_?KEY|WEBHOOK_?SECRET|DSN)(?:$|_)/;
/** …unless the name says it is a reference to the secret, or a setting about it. */
const notSecret = /(?:^|_)(?:FILE|PATH|DIR|URL_PATH|NAME|ID|TYPE|LENGTH|LEN|TTL|EXPIRY|EXPIRES(?:_IN)?|EXPIRATION|LIFETIME|HEADER|COOKIE_NAME|ENABLED|DISABLED|REQUIRED|MIN|MAX|ALGORITHM|ALG|ISSUER|AUDIENCE|ENDPOINT|VERSION|PREFIX|FIELD|PARAM|ROTATION|REGION)$|PUBLIC|^NEXT_PUBLIC_|^VITE_|^REACT_APP_|^NUXT_PUBLIC_|^PUBLIC_|^EXPO_PUBLIC_/;
/** Values that are obviously not real secrets: placeholders, magic hex words, anything shorter than 6 characters. */
const placeholder = /^(?:.{0,5}|cafebabe|deadbeef|feedface|0+|1234\d*|abc(?:123|def)\w*|changeme|change[-_]me|dummy|placeholder|example|sample|secret|password|token|test|testing|none|null|nil|unset|undefined|todo|xxx+|\*+|<[^>]*>|your[-_].*|replace[-_]?me|build[-_]?time.*|fake.*|notused|not[-_]used|local|dev|development)$/i;

function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return secretName.test(upper) && !notSecret.test(upper);
}

function isReference(value: string): boolean {
  return /^\$\{?[A-Za-z_]\w*(?::?[-+][^}]*)?\}?$/.test(value.trim());
}

export default defineRule({
  meta: {
    id: 'dockerfile-secret-env',
    category: 'delivery',
    checklist: 'CI-8',
    severity: 'high',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      literal:
        '`{{keyword}} {{name}}` bakes a literal secret into the image, where anyone who can pull it reads it (`docker history`, `docker inspect`), and into git history. Remove it, rotate the value, and provide it at run time from the platform\'s secret store, or at build time with `RUN --mount=type=secret,id={{id}}`.',
      buildTime:
        '`{{keyword}} {{name}}` passes a secret through {{how}}, which Docker records in the image metadata and history, so anyone who can pull the image can read the value used at build time. Use a BuildKit secret (`RUN --mount=type=secret,id={{id}} …`) for build-time secrets and the runtime environment for the rest.',
    },
    docs: {
      summary: 'Secrets in Dockerfile `ENV` and `ARG`: literal values, and secret-named build arguments that end up in the image history.',
      why: 'Every `ENV` value and every `ARG` used by a `RUN` is stored in the image configuration and history. Anyone who can pull the image (a registry user, a leaked CI token, a public mirror) can read them, long after the Dockerfile line was changed.',
      howToFix:
        'Delete literal secrets and rotate them. Give build steps secrets with `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci` (passed by `docker build --secret id=npm_token,env=NPM_TOKEN`), and give the running container secrets from the orchestrator (Kubernetes Secrets, ECS secrets, Docker secrets) instead of `ENV`.',
      examples: {
        invalid: [{ file: 'Dockerfile', code: 'FROM node:20.11.1-alpine\nENV STRIPE_SECRET_KEY=sk_live_51Hx9aB2c3D4e5F6g7H8\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n' }],
        valid: [
          {
            file: 'Dockerfile',
            code: 'FROM node:20.11.1-alpine\nENV PORT=3000 JWT_EXPIRES_IN=15m\nCOPY . .\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci --omit=dev\nUSER node\nCMD ["node", "server.js"]\n',
          },
        ],
      },
      peers: ['Docker build check `SecretsUsedInArgOrEnv`', 'Trivy and gitleaks secret scanning (by value, not by name)'],
      limitations: [
        'Secrets are recognised by variable name (`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `*_KEY`, `*_CREDENTIALS`…); a secret under an innocuous name is not found here (the SEC-1 secret rules scan values).',
        'Obvious placeholders (`changeme`, `dummy`, `<token>`) are not reported as literals.',
        'Secret-named build arguments of stages that do not end up in the final image (builder stages) are not reported, since their history is not shipped; literal values are reported wherever they are.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const files = dockerfilesOf(ctx.model, 'project');
    if (files.length === 0) {
      ctx.notApplicable('no Dockerfiles');
      return;
    }
    for (const file of files) {
      const text = ctx.model.text(file.path) ?? '';
      const buildArgs = new Set<string>();
      // A secret build argument copied into ENV is reported once, at the ENV that ships it.
      const pendingArgs = new Map<string, { line: number; data: Record<string, string> }>();
      const shipped = new Set(finalChain(file).flatMap((s) => s.instructions));
      for (const ins of file.model.instructions) {
        if (ins.keyword !== 'ENV' && ins.keyword !== 'ARG') continue;
        const pairs: Array<{ name: string; value: string | undefined }> =
          ins.keyword === 'ENV' ? envPairs(ins.args) : argPairs(ins.args).map(([name, value]) => ({ name, value }));
        for (const { name, value } of pairs) {
          if (ins.keyword === 'ARG') buildArgs.add(name);
          if (!isSecretName(name)) continue;
          const id = name.toLowerCase();
          const data = { keyword: ins.keyword, name, id };
          if (value !== undefined && value.trim() !== '' && !isReference(value) && !/\$\{?[A-Za-z_]/.test(value)) {
            if (placeholder.test(value.trim())) continue;
            const at = offsetOnLine(text, ins.line, `${name}`);
            const valueAt = text.indexOf(value, at);
            const secret = valueAt !== -1 && valueAt < at + 400 ? { start: valueAt, end: valueAt + value.length } : undefined;
            ctx.report({ messageId: 'literal', data, path: file.path, line: ins.line, ...(secret ? { secret } : {}) });
          } else if (!shipped.has(ins)) {
            continue;
          } else if (ins.keyword === 'ARG') {
            pendingArgs.set(name, { line: ins.line, data: { ...data, how: 'a build argument' } });
          } else if (value !== undefined && /\$\{?[A-Za-z_]/.test(value)) {
            const source = /\$\{?([A-Za-z_]\w*)/.exec(value)?.[1];
            // `ENV DB_PASSWORD=$DB_PASSWORD` after `ARG DB_PASSWORD` copies the build argument into the image.
            if (source && buildArgs.has(source)) {
              pendingArgs.delete(source);
              ctx.report({ messageId: 'buildTime', data: { ...data, how: `the build argument \`${source}\` into the image environment` }, path: file.path, line: ins.line, severity: 'medium' });
            }
          }
        }
      }
      for (const { line, data } of pendingArgs.values()) ctx.report({ messageId: 'buildTime', data, path: file.path, line, severity: 'medium' });
    }
  },
});
