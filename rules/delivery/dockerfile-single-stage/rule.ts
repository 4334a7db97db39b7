import { defineRule } from '../../../src/core/define-rule.js';
import { chainInstructions, dockerfilesOf, execFormText, finalChain } from '../_docker/dockerfiles.js';
import { commandsIn } from '../_pipelines/shell.js';
import { taskRunOf } from '../_pipelines/tasks.js';

/** A command that compiles or bundles the app (the toolchain it needs should not ship). */
function buildCommand(argv: readonly string[]): boolean {
  const bin = (argv[0] ?? '').replace(/^.*\//, '');
  const sub = argv[1] ?? '';
  const run = taskRunOf(argv);
  if (run && run.runner !== 'make' && run.names.some((n) => /^(?:build|compile|bundle)(?::|$)|:(?:build|compile)$/.test(n))) return true;
  if (bin === 'tsc') return !argv.includes('--noEmit') && !argv.includes('--version');
  if (['nest', 'next', 'vite', 'ng', 'nuxt', 'nuxi', 'astro', 'remix', 'react-router', 'svelte-kit', 'react-scripts'].includes(bin)) return sub === 'build';
  if (['webpack', 'esbuild', 'tsup', 'rollup', 'swc', 'parcel', 'ncc', 'rspack', 'tsdown', 'unbuild'].includes(bin)) return sub !== '--version';
  if (bin === 'go') return sub === 'build' || sub === 'install';
  if (bin === 'cargo') return sub === 'build' || sub === 'install';
  if (bin === 'mvn' || bin === 'mvnw') return argv.some((a) => ['package', 'install', 'verify'].includes(a));
  if (bin === 'gradle' || bin === 'gradlew') return argv.some((a) => /^(?:build|assemble|bootJar|shadowJar|installDist|jar)$/.test(a));
  if (bin === 'dotnet') return sub === 'publish' || sub === 'build';
  return false;
}

export default defineRule({
  meta: {
    id: 'dockerfile-single-stage',
    category: 'delivery',
    checklist: 'CI-8',
    severity: 'low',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      buildInRuntime:
        'The image that ships compiles the app here (`{{command}}`), so it also carries the compiler, dev dependencies and sources: bigger images, slower deploys and more tools for an attacker to use. Build in a separate `builder` stage and `COPY --from=builder` only the output into a slim runtime stage.',
    },
    docs: {
      summary: 'Dockerfiles that compile or bundle the app in the stage that ships, instead of a separate build stage.',
      why: 'Everything a build needs (TypeScript, bundlers, compilers, dev dependencies, source maps, the source itself) stays in the final image when the build runs in it. That image is larger to store, pull and scan, and gives an attacker who gets in more tools to work with.',
      howToFix:
        'Use a multi-stage build: `FROM node:20.11.1 AS build` installs everything and runs the build; `FROM node:20.11.1-slim` installs production dependencies only and `COPY --from=build /app/dist ./dist`. For Go or Rust, copy the binary into `distroless` or `scratch`.',
      examples: {
        invalid: [{ file: 'Dockerfile', code: 'FROM node:20.11.1\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nUSER node\nCMD ["node", "dist/main.js"]\n' }],
        valid: [
          {
            file: 'Dockerfile',
            code: 'FROM node:20.11.1 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n\nFROM node:20.11.1-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY --from=build /app/dist ./dist\nUSER node\nCMD ["node", "dist/main.js"]\n',
          },
        ],
      },
      peers: ['Checkov and hadolint have no direct equivalent; Docker Scout and dive report image size and layers'],
      limitations: [
        'Build steps are recognised by command (`npm run build`, `tsc`, `next build`, `go build`, `mvn package`…); a build hidden in a shell script is not seen.',
        'Interpreted apps without a build step are not reported, whatever else the image carries.',
        'Development-only Dockerfiles (`.devcontainer/`, `Dockerfile.dev`…), images of dev tools (mail catchers, LocalStack, mock servers) and example folders are skipped.',
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
      const chain = finalChain(file);
      const root = chain.at(-1)!;
      // A final stage that starts FROM scratch or distroless cannot run a build: it only copies.
      if (/^(?:scratch$|gcr\.io\/distroless\/|cgr\.dev\/)/.test(root.image)) continue;
      for (const ins of chainInstructions(chain)) {
        if (ins.keyword !== 'RUN') continue;
        const found = commandsIn(execFormText(ins.args)).find((c) => buildCommand(c.argv));
        if (found) {
          ctx.report({ messageId: 'buildInRuntime', data: { command: found.argv.slice(0, 4).join(' ') }, path: file.path, line: ins.line });
          break;
        }
      }
    }
  },
});
