import { defineRule } from '../../../src/core/define-rule.js';
import { maskSecret } from '../../../src/core/mask.js';
import { detectors } from './detectors.js';
import { scannedPaths } from './paths.js';
import { scanSecrets, type SecretHit } from './scan.js';

/** "AWS: access key ID, secret access key; GitHub: token, …" — the docs list every format the table holds. */
const providerList = (() => {
  const byProvider = new Map<string, string[]>();
  for (const d of detectors) {
    const kinds = byProvider.get(d.provider) ?? [];
    if (!kinds.includes(d.kind)) kinds.push(d.kind);
    byProvider.set(d.provider, kinds);
  }
  return [...byProvider].map(([provider, kinds]) => `${provider} (${kinds.join(', ')})`).join('; ');
})();

export default defineRule({
  meta: {
    id: 'hardcoded-secret',
    category: 'security',
    checklist: 'SEC-1',
    severity: 'high',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      provider:
        'Hardcoded {{provider}} {{kind}} (`{{masked}}`). Anyone who can read the repository or its history can use it against your {{provider}} account until it is revoked. Revoke and rotate it now, then load it from the environment or a secret manager.',
      awsPair:
        'An AWS access key ID and its secret access key (`{{masked}}`) are committed together in this file: a complete credential for the AWS account. Deactivate the key in IAM now, review CloudTrail for its use, and move to IAM roles, SSO or a secret manager.',
      jwt:
        'A hardcoded JWT (`{{masked}}`) is {{kind}}: it works as a bearer credential for anyone who reads the repository, until its signing key is rotated. Revoke it (rotate the signing key if it cannot be revoked) and issue short-lived tokens at run time instead.',
      generic:
        '`{{name}}` is set to a hardcoded {{kind}} (`{{masked}}`). A secret in source reaches every clone, fork, CI log and backup and cannot be rotated without a deploy. Rotate it if it was ever real and read it from the environment or a secret manager instead.',
    },
    docs: {
      summary: 'Provider API keys, tokens and webhook URLs, AWS key pairs, long-lived JWTs, and secret-named variables assigned high-entropy literals, in every text file.',
      why: 'A committed secret is leaked for good: git history, forks, CI caches and backups keep it after the line is deleted, and automated scanners harvest public repositories within minutes. Every person and system with read access to the code can act as the application against the provider.',
      howToFix:
        'Revoke the credential at the provider and issue a new one; deleting the line is not enough. Load secrets at run time from the environment (`process.env.STRIPE_SECRET_KEY`, `os.environ["API_KEY"]`) or a secret manager, keep real values in an ignored `.env` or the CI/platform secret store, and commit only placeholders. Purge the value from git history if the repository is public.',
      examples: {
        invalid: [
          { file: 'src/billing.ts', code: "import Stripe from 'stripe';\n\nexport const stripe = new Stripe('sk_live_Pr0dGr4deF1xtur3Zq8Rz2vLk9Xw4mT');\n" },
          { file: 'config/settings.py', code: 'DEBUG = False\nSECRET_KEY = "q8Rz#2vLk9$Xw4mTn7Pb!cJ5yHs3Gd6F"\n' },
          { file: 'deploy/values.yaml', code: 'slack:\n  webhook: https://hooks.slack.com/services/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\n' },
        ],
        valid: [
          { file: 'src/billing.ts', code: "import Stripe from 'stripe';\n\nexport const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);\n" },
          {
            file: '.env.example',
            code: 'STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAPI_TOKEN=<your-api-token>\nJWT_SECRET=${JWT_SECRET}\nSESSION_SECRET=changeme\n',
          },
          {
            file: 'package-lock.json',
            code: '{\n  "packages": {\n    "node_modules/ms": {\n      "integrity": "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="\n    }\n  }\n}\n',
            note: 'Lockfile integrity hashes, UUIDs, public keys and reads of the environment are not secrets.',
          },
        ],
      },
      peers: ['gitleaks (rule table with keywords and entropy)', 'secretlint @secretlint/secretlint-rule-preset-recommend', 'trufflehog', 'detect-secrets', 'GitHub secret scanning and push protection'],
      limitations: [
        `Provider formats recognised: ${providerList}. Other credentials are found only through their names (password, secret, token, api_key, client_secret, auth, credentials…) with a high-entropy literal.`,
        'GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens are checked against their CRC32 checksum: a valid one is reported at high confidence, an invalid one (a made-up value) at low confidence.',
        'JWTs are reported only when signed and long-lived (no `exp`, or a lifetime over a week); unsigned, short-lived, Supabase `anon` and jwt.io example tokens are not.',
        'Files under test, spec, fixture and mock paths: provider-format secrets are reported at low confidence and at most medium severity; name-based (generic) findings and JWTs are skipped there. Documentation, examples, templates (`.env.example`) and docker-compose files keep provider findings one confidence level lower and name-based findings only for machine-generated-looking values.',
        'Placeholders and documented examples are ignored: `xxx`, `<token>`, `${VAR}`, `{{ .Values.x }}`, `changeme`, `your-api-key`, values ending in `EXAMPLE`, repeated or sequential characters, common development passwords; so are lockfiles, stylesheets, translation catalogues, UUIDs, integrity hashes and password hashes.',
        'Throwaway values by position are not judged by name (provider formats still are): inside `example`/`examples` of an OpenAPI or Swagger document, the settings of GitHub Actions service containers and the job-level `env` of a job that runs against them, and parameters of a connection string to a local host (`sqlserver://localhost:1433;password=…`).',
        'Lines longer than 5,000 characters (minified code, data blobs) are not scanned; private keys and credentials in URLs are the subject of `private-key-committed` and `credentials-in-url`.',
        'Git history is not scanned: a secret deleted in a later commit is not seen.',
      ],
    },
  },
  scope: 'file',
  // No `keywords` here: the engine's filter costs one pass over the file per keyword, and this rule has hundreds. The
  // scanner's own pre-pass (one combined expression of every keyword) does the same job in a single pass.
  files: { paths: scannedPaths },
  check(ctx) {
    const { path, text, language } = ctx.file;
    const hits = scanSecrets(text, path, language);
    if (hits.length === 0) return;
    const pairSecret = hits.find((h) => h.detector === 'aws-secret-access-key');
    const hasKeyId = hits.some((h) => h.detector === 'aws-access-key-id');
    for (const hit of hits) {
      if (pairSecret && hasKeyId && hit.detector === 'aws-access-key-id') continue;
      report(hit, pairSecret !== undefined && hasKeyId && hit === pairSecret);
    }

    function report(hit: SecretHit, pair: boolean): void {
      const masked = maskSecret(text.slice(hit.start, hit.end));
      const base = { range: { start: hit.start, end: hit.end }, secret: { start: hit.start, end: hit.end }, confidence: hit.confidence, severity: hit.severity };
      if (pair) ctx.report({ ...base, messageId: 'awsPair', data: { masked }, severity: hit.confidence === 'low' ? hit.severity : 'critical' });
      else if (hit.detector === 'generic') ctx.report({ ...base, messageId: 'generic', data: { name: hit.name ?? 'value', kind: hit.kind, masked } });
      else if (hit.provider === 'JWT') ctx.report({ ...base, messageId: 'jwt', data: { kind: hit.kind, masked } });
      else ctx.report({ ...base, messageId: 'provider', data: { provider: hit.provider, kind: hit.kind, masked } });
    }
  },
});
