import { defineRule } from '../../../src/core/define-rule.js';
import type { PackageManifest, RepoModel } from '../../../src/audit/model.js';
import { httpServerPackages } from '../../_server/server-code.js';

const outsideProduct = /(?:^|\/)(?:examples?|samples?|fixtures?|__fixtures__|tests?|__tests__|e2e|docs?|templates?|vendor|node_modules)\//;
const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** A range that fixes the major version: `20.x`, `^20.11`, `~20`, `20`, `>=20 <21`, `20.11.1`; not `>=12` or `*`. */
export function pinsMajor(range: string): boolean {
  const r = range.trim();
  if (!r || /^(?:\*|x|latest|lts\/?\*?|node)$/i.test(r)) return false;
  if (/\|\|/.test(r)) return false;
  if (/^>=?\s*v?\d/.test(r) && !/</.test(r)) return false;
  return /\d/.test(r);
}

function pinFiles(model: RepoModel): string | undefined {
  for (const f of model.files) {
    if (outsideProduct.test(f.path)) continue;
    const name = base(f.path);
    if (name === '.nvmrc' || name === '.node-version') return f.path;
    const text = (): string => model.text(f.path) ?? '';
    if (name === '.tool-versions' && /^\s*(?:nodejs|node)\s+\d/m.test(text())) return f.path;
    if (/^\.?mise(?:\.local)?\.toml$|^\.rtx\.toml$/.test(name) && /^\s*node\s*=\s*["']?\d/m.test(text())) return f.path;
    if (name === '.prototools' && /^\s*node\s*=\s*["']\d/m.test(text())) return f.path;
    // `node:20`, and Node images of other vendors that carry the version: `public.ecr.aws/lambda/nodejs:22`, `ubi9/nodejs-20`.
    if (f.language === 'dockerfile' && /^\s*FROM\s+(?:--platform=\S+\s+)?(?:[\w.-]+\/)*(?:node|nodejs):v?\d|^\s*FROM\s+(?:--platform=\S+\s+)?(?:[\w.-]+\/)*nodejs-?\d+\b/im.test(text())) return f.path;
  }
  return undefined;
}

/** Applications pin their runtime; a published library declares a range on purpose. */
function isApplication(model: RepoModel, root: PackageManifest | undefined): boolean {
  if (root?.private === true || typeof root?.scripts?.start === 'string') return true;
  if (model.files.some((f) => f.language === 'dockerfile' && !outsideProduct.test(f.path))) return true;
  return httpServerPackages(model).length > 0 || model.manifests().some(({ manifest }) => manifest.private === true && !!manifest.scripts?.start);
}

export default defineRule({
  meta: {
    id: 'runtime-unpinned',
    category: 'operations',
    checklist: 'OPS-3',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      missing:
        'This Node.js application does not pin its Node version: no `.nvmrc`, `.node-version`, `.tool-versions`, Volta pin, `engines.node` or versioned `FROM node:` image, so developers, CI and production can each run a different major version and behave differently. Pin one, e.g. a `.nvmrc` with `20` and `"engines": { "node": "20.x" }`.',
      openRange:
        'The only Node version constraint is the open range `engines.node: "{{range}}"`, which any future major version satisfies, so CI and production may silently move to a Node release the code was never tested on. Pin the major version (`"20.x"`, `.nvmrc`, Volta or a versioned `FROM node:20` image).',
    },
    docs: {
      summary: 'A Node.js application with no pinned Node.js version (root `engines.node`, `.nvmrc`, `.node-version`, `.tool-versions`, Volta, mise, or a versioned `FROM node:` image).',
      why: 'Node majors change defaults (OpenSSL, fetch, ESM loading, V8 behaviour). When the version is not written down, a laptop, the CI runner and the production image each pick their own, and "works on my machine" failures or a surprise upgrade at deploy time follow.',
      howToFix:
        'Write the version down once and make every environment read it: `.nvmrc` / `.node-version` (used by nvm, fnm, `actions/setup-node` `node-version-file`), `engines.node` with a fixed major (`"20.x"`), Volta\'s `volta.node`, and a Docker base image with an explicit version (`FROM node:20.12-slim`).',
      examples: {
        invalid: [
          {
            file: 'package.json',
            code: '{\n  "name": "orders-api",\n  "private": true,\n  "scripts": { "start": "node dist/server.js" },\n  "dependencies": { "express": "^4.19.2" }\n}\n',
          },
        ],
        valid: [
          {
            file: 'package.json',
            code: '{\n  "name": "orders-api",\n  "private": true,\n  "engines": { "node": "20.x" },\n  "scripts": { "start": "node dist/server.js" },\n  "dependencies": { "express": "^4.19.2" }\n}\n',
          },
          {
            file: '.nvmrc',
            code: '20.12.2\n',
            context: { 'package.json': '{ "name": "orders-api", "private": true, "scripts": { "start": "node dist/server.js" } }\n' },
          },
        ],
      },
      peers: ['ls-engines and check-engines check installed dependencies against engines; no ESLint or Semgrep equivalent'],
      limitations: [
        'Only Node.js repositories (a package.json) are assessed, and only applications: private packages, packages with a `start` script, a Dockerfile or an HTTP server dependency. A published library declares a range on purpose and is not assessed.',
        'In a monorepo the root `engines.node` counts; `.nvmrc`, `.node-version`, `.tool-versions`, mise and Dockerfiles count wherever they are (outside examples, tests and docs).',
        '`node-version:` in CI workflows is not a pin for developers and production and does not count on its own.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const { model } = ctx;
    if (model.manifests().length === 0) {
      ctx.notApplicable('No package.json: not a Node.js repository.');
      return;
    }
    const root = model.manifest('.');
    if (!isApplication(model, root)) {
      ctx.notApplicable('The repository looks like a published library, which declares a Node range on purpose.');
      return;
    }
    if (typeof root?.volta?.node === 'string' || pinFiles(model)) return;
    const range = typeof root?.engines?.node === 'string' ? root.engines.node : undefined;
    if (range !== undefined && pinsMajor(range)) return;
    if (range !== undefined) ctx.report({ messageId: 'openRange', data: { range } });
    else ctx.report({ messageId: 'missing' });
  },
});
