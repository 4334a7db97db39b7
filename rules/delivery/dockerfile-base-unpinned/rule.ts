import { defineRule } from '../../../src/core/define-rule.js';
import { option } from '../../../src/core/options.js';
import { dockerfilesOf, hadolintIgnored, parentStage, splitImage, substitute } from '../_docker/dockerfiles.js';

/** Release code names: tags without a digit that still name one distribution release. */
const releaseNames = new Set(['bookworm', 'bullseye', 'buster', 'trixie', 'stretch', 'jammy', 'noble', 'focal', 'bionic', 'xenial', 'oracular', 'plucky', 'mantic', 'lunar', 'kinetic']);
const releaseSuffix = /^(?:[a-z]+-)?(?:bookworm|bullseye|buster|trixie|jammy|noble|focal|bionic)(?:-slim)?$/;

export default defineRule({
  meta: {
    id: 'dockerfile-base-unpinned',
    category: 'delivery',
    checklist: 'CI-8',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      latest:
        '`FROM {{image}}` uses the `latest` tag, so each build silently takes whatever the registry serves that day: a new major version, a broken release or a compromised image. Pin a version tag (`node:20.11.1-alpine`), ideally with its digest (`@sha256:…`).',
      untagged:
        '`FROM {{image}}` has no tag, which means `latest`: each build silently takes whatever the registry serves that day, including new major versions. Pin a version tag (e.g. `{{image}}:<version>`), ideally with its digest (`@sha256:…`).',
      floating:
        '`FROM {{image}}` uses the floating tag `{{tag}}`, which moves to a new version without notice, so two builds of the same commit can differ. Pin a version tag (e.g. `20.11.1-alpine` instead of `lts-alpine`), ideally with its digest.',
      noDigest:
        '`FROM {{image}}` is pinned by tag but not by digest; tags can be re-pushed, so the image is not reproducible byte for byte. Add the digest (`{{image}}@sha256:…`) and let Renovate or Dependabot update it.',
    },
    options: {
      requireDigest: option.boolean('Also report version-tagged base images that carry no `@sha256:` digest (at low severity).', false),
    },
    docs: {
      summary: 'Dockerfile base images without a version: `latest`, no tag, or a floating tag such as `lts` or `alpine`.',
      why: 'An image built FROM a moving tag changes whenever the upstream tag moves. Builds stop being reproducible, a rebuild for a one-line fix can pull in a new runtime major version, and a compromised upstream tag flows straight into production.',
      howToFix:
        'Use a full version tag (`node:20.11.1-alpine3.19`, `python:3.12.4-slim`) and, for full reproducibility, the digest as well (`node:20.11.1-alpine@sha256:…`); let Renovate or Dependabot (`package-ecosystem: docker`) propose updates.',
      examples: {
        invalid: [{ file: 'Dockerfile', code: 'FROM node:latest\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n' }],
        valid: [
          {
            file: 'Dockerfile',
            code: 'ARG NODE_VERSION=20.11.1\nFROM node:${NODE_VERSION}-alpine AS build\nRUN npm ci && npm run build\n\nFROM gcr.io/distroless/nodejs20-debian12@sha256:6b0e7e5e5e6b0b0c4e1c9c7e8f1d2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0\nCOPY --from=build /app/dist /app\nCMD ["/app/server.js"]\n',
          },
        ],
      },
      peers: ['hadolint DL3006 (always tag the image version) and DL3007 (do not use latest)', 'Checkov CKV_DOCKER_7 (base image uses a non-latest version tag)', 'Trivy misconfiguration DS001'],
      limitations: [
        'A base image given only by a build argument without a default (`FROM $BASE_IMAGE`) cannot be judged and is skipped.',
        'Version tags without digest are accepted unless `requireDigest` is on; a major-only tag such as `node:20` counts as a version.',
        'Development-only Dockerfiles (`.devcontainer/`, `Dockerfile.dev`…), images of dev tools (mail catchers, LocalStack, mock servers), CI helper images (`.gitlab/`, `.github/`…) and example folders are skipped.',
        'A FROM line under `# hadolint ignore=DL3006` or `DL3007` is skipped: the project already decided about the equivalent hadolint check.',
      ],
    },
  },
  scope: 'repository',
  check(ctx) {
    const files = dockerfilesOf(ctx.model, 'shipped');
    if (files.length === 0) {
      ctx.notApplicable('no Dockerfiles of shipped images');
      return;
    }
    for (const file of files) {
      const text = ctx.model.text(file.path) ?? '';
      for (const stage of file.model.stages) {
        if (parentStage(file, stage) || hadolintIgnored(text, stage.line, ['DL3006', 'DL3007'])) continue;
        // ARGs declared before FROM feed FROM lines; a stage-local ARG cannot.
        const resolved = substitute(stage.image, file.globalArgs);
        if (resolved === undefined) continue;
        const { name, tag, digest } = splitImage(resolved);
        if (name.toLowerCase() === 'scratch' || name === '') continue;
        if (digest) continue;
        if (tag === undefined) ctx.report({ messageId: 'untagged', data: { image: name }, path: file.path, line: stage.line });
        else if (tag === 'latest') ctx.report({ messageId: 'latest', data: { image: resolved }, path: file.path, line: stage.line });
        else if (!/\d/.test(tag) && !releaseNames.has(tag) && !releaseSuffix.test(tag)) ctx.report({ messageId: 'floating', data: { image: resolved, tag }, path: file.path, line: stage.line });
        else if (ctx.options.requireDigest) ctx.report({ messageId: 'noDigest', data: { image: resolved }, path: file.path, line: stage.line, severity: 'low' });
      }
    }
  },
});
