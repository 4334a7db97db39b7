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
  | { kind: 'github-action'; repo: string; sha: string };

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
    if (pin.source.kind === 'github-action') uses[key] = `${pin.source.repo}@${pin.source.sha} # ${pin.version}`;
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
