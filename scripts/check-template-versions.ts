/**
 * Lists the template pins (src/create/versions.ts) that are behind their registry. Asks the network, so it is
 * not part of CI: run it before a release with `npm run check-template-versions`. Exit 0 when every pin is
 * current, 1 when some are behind, 2 when a lookup failed.
 */
import { execa } from 'execa';
import semver from 'semver';
import { isBehind, templateVersions, type Pin } from '../src/create/versions.js';

async function json(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json', 'user-agent': 'prodgrade-check-template-versions' }, signal: AbortSignal.timeout(15_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** The newest release of what a pin points at, from the registry that publishes it. */
async function latest(pin: Pin): Promise<string> {
  const source = pin.source;
  switch (source.kind) {
    case 'npm': {
      // the npm client honours the user's registry and auth configuration
      const spec = source.range ? `${source.name}@${source.range}` : source.name;
      const { stdout } = await execa('npm', ['view', spec, 'version', '--json']);
      const versions = JSON.parse(stdout) as string | string[];
      const newest = Array.isArray(versions) ? semver.rsort([...versions])[0] : versions;
      if (!newest) throw new Error(`npm view ${spec}: no version`);
      return newest;
    }
    case 'node': {
      const releases = (await json('https://nodejs.org/dist/index.json')) as { version: string; lts: string | false }[];
      const lts = releases.find((r) => r.lts);
      if (!lts) throw new Error('no LTS release in nodejs.org/dist/index.json');
      return lts.version.replace(/^v/, '');
    }
    case 'terraform': {
      const data = (await json('https://checkpoint-api.hashicorp.com/v1/check/terraform')) as { current_version: string };
      return data.current_version;
    }
    case 'terraform-provider': {
      const data = (await json(`https://registry.terraform.io/v1/providers/${source.name}`)) as { version: string };
      return data.version;
    }
    case 'docker-image': {
      // official images live under library/; only plain version tags count (no variants such as -alpine)
      const repository = source.image.includes('/') ? source.image : `library/${source.image}`;
      const data = (await json(`https://hub.docker.com/v2/repositories/${repository}/tags?page_size=100&ordering=last_updated`)) as { results: { name: string }[] };
      const versions = data.results.map((t) => t.name).filter((t) => /^\d+\.\d+(?:\.\d+)?$/.test(t) && semver.satisfies(semver.coerce(t)!, source.range ?? '*'));
      const newest = versions.sort((a, b) => semver.compare(semver.coerce(b)!, semver.coerce(a)!))[0];
      if (!newest) throw new Error(`Docker Hub ${source.image}: no version tag`);
      return newest;
    }
    case 'github-action': {
      const data = (await json(`https://api.github.com/repos/${source.repo}/releases/latest`)) as { tag_name: string };
      return data.tag_name;
    }
  }
}

function label(pin: Pin): string {
  const source = pin.source;
  switch (source.kind) {
    case 'npm':
      return `npm ${source.name}${source.range ? `@${source.range}` : ''}`;
    case 'node':
      return 'Node.js (LTS line)';
    case 'terraform':
      return 'Terraform';
    case 'terraform-provider':
      return `Terraform provider ${source.name}`;
    case 'github-action':
      return `GitHub Action ${source.repo}${source.path ? `/${source.path}` : ''}`;
    case 'docker-image':
      return `Docker image ${source.image}${source.range ? `@${source.range}` : ''}`;
  }
}

const rows = await Promise.all(
  Object.entries(templateVersions).map(async ([key, pin]: [string, Pin]) => {
    try {
      const newest = await latest(pin);
      return { key, pin, newest, behind: isBehind(pin, newest), error: undefined };
    } catch (error) {
      return { key, pin, newest: '?', behind: false, error: error instanceof Error ? error.message : String(error) };
    }
  }),
);

const width = Math.max(...rows.map((r) => label(r.pin).length));
for (const row of rows) {
  const status = row.error ? `lookup failed: ${row.error}` : row.behind ? `behind: ${row.pin.version} → ${row.newest}` : 'current';
  process.stdout.write(`${label(row.pin).padEnd(width)}  ${row.pin.version.padEnd(8)}  ${status}\n`);
}
const behind = rows.filter((r) => r.behind);
const failed = rows.filter((r) => r.error);
process.stdout.write(
  `\n${behind.length} of ${rows.length} pins behind${failed.length ? `, ${failed.length} lookups failed` : ''}.` +
    `${behind.some((r) => r.pin.source.kind === 'github-action') ? ' Pin actions by the new release commit SHA, not its tag.' : ''}\n`,
);
process.exitCode = failed.length ? 2 : behind.length ? 1 : 0;
