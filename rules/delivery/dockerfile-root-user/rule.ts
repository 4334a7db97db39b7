import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { argPairs, baseImage, chainInstructions, dockerfilesOf, envPairs, finalChain, hadolintIgnored, startCommand, substitute } from '../_docker/dockerfiles.js';

/** Base images whose default user is not root. */
const nonRootBases = [
  /(?:^|\/)distroless\/[^:@]+:(?:[^@]*-)?nonroot\b/,
  /^cgr\.dev\/chainguard\/(?!.*-dev\b)/,
  /(?:^|\/)bitnami\//,
  /-unprivileged(?:[:@]|$)/,
  /^(?:registry\.access\.redhat\.com|registry\.redhat\.io)\/ubi\d+\/(?:nodejs|python|php|ruby|perl|go-toolset|openjdk|dotnet)-/,
  // AWS Lambda runs a function image as its own unprivileged user, whatever the image's USER says.
  /^(?:public\.ecr\.aws\/lambda\/|amazon\/aws-lambda-)/,
];

/**
 * Base images known to run as root unless told otherwise: Docker official images (`node`, `python`,
 * `docker.io/library/…`), `scratch`, and common vendor runtimes. An image of another organisation (often the
 * project's own base image) may set its own USER, which cannot be seen from here.
 */
const rootBases = [
  /^(?:(?:docker\.io\/|index\.docker\.io\/|public\.ecr\.aws\/docker\/|mirror\.gcr\.io\/)?library\/)?[a-z0-9._-]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/,
  /^(?:oven\/bun|denoland\/deno|amazoncorretto|mcr\.microsoft\.com\/(?:dotnet|powershell|playwright|azure-functions|devcontainers)|public\.ecr\.aws\/amazonlinux|gcr\.io\/google\.com\/cloudsdktool|continuumio|nvidia\/cuda|pytorch\/pytorch|tiangolo\/|alpine\/|hashicorp\/)/,
];

/**
 * Entrypoints that drop privileges themselves before starting the app, and servers whose master process starts as
 * root only to bind ports and runs its workers as an unprivileged user (Apache, nginx, PHP-FPM).
 */
const privilegeDrop = /\b(?:gosu|su-exec|setpriv\s+--re[ug]id|runuser|chpst\s+-u|s6-setuidgid|setuidgid|exec\s+su\s|su\s+-s\s|su\s+-c\s|apachectl|apache2ctl|apache2-foreground|httpd(?:-foreground)?|nginx|php-fpm\d*(?:\.\d+)?)\b/;

function isRoot(user: string): boolean {
  const name = user.split(':')[0]!.trim();
  return name === 'root' || name === '0';
}

function dropsPrivileges(model: RepoModel, start: string | undefined): boolean {
  if (!start) return false;
  if (privilegeDrop.test(start)) return true;
  // An entrypoint script of the repository (COPY'd into the image): look at it by file name.
  const script = /(?:^|[\s"'[/])([\w.-]+\.sh)\b/.exec(start)?.[1];
  if (!script) return false;
  return model.find((f) => f.path === script || f.path.endsWith(`/${script}`)).some((f) => privilegeDrop.test(model.text(f.path) ?? ''));
}

export default defineRule({
  meta: {
    id: 'dockerfile-root-user',
    category: 'delivery',
    checklist: 'CI-8',
    severity: 'medium',
    confidence: 'medium',
    stability: 'experimental',
    messages: {
      noUser:
        'The final stage of this image never sets a USER and its base image `{{image}}` runs as root, so the app runs as uid 0: a compromise of the app is root inside the container, one step closer to the host. Add a non-root user after the steps that need root, e.g. `USER node` on Node images or `USER 10001:10001`.',
      rootUser:
        'The image ends with `USER {{user}}`, so the container runs as root: a compromise of the app is root inside the container, one step closer to the host. Move the steps that need root before a final `USER <non-root user>`.',
    },
    docs: {
      summary: 'Dockerfiles whose final image runs as root: no USER in the final stage (and a root base image), or a last USER that is root.',
      why: 'A process running as root in a container can modify the image\'s files, bind low ports and, through kernel or runtime bugs and mounted sockets, reach the host with root rights. Running as an unprivileged user is the cheapest container hardening there is.',
      howToFix:
        'Create or reuse an unprivileged user and switch to it at the end of the final stage: `USER node` on the official Node images, `USER nonroot` on distroless `:nonroot`, or `RUN adduser -D -u 10001 app` then `USER 10001`. Keep root-only steps (package installs) before it.',
      examples: {
        invalid: [{ file: 'Dockerfile', code: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD ["node", "server.js"]\n' }],
        valid: [{ file: 'Dockerfile', code: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY --chown=node:node . .\nRUN npm ci --omit=dev\nUSER node\nCMD ["node", "server.js"]\n' }],
      },
      peers: ['hadolint DL3002 (last USER should not be root)', 'Checkov CKV_DOCKER_3 (a user is created) and CKV_DOCKER_8 (last USER not root)', 'Trivy misconfiguration DS002'],
      limitations: [
        'A user set by the orchestrator (`securityContext.runAsUser`, `docker run --user`) is not seen; such images are still reported.',
        'Without a USER line the default user of the base image decides. It is taken as root for Docker official images (`node`, `python`, `nginx`…), `scratch` and a few vendor runtimes (Bun, Deno, .NET, Corretto), and as non-root for distroless `:nonroot`, Chainguard, Bitnami, `*-unprivileged` and Red Hat UBI language images, and AWS Lambda base images (Lambda runs them as an unprivileged user); images of other organisations (often the project\'s own base image) are not judged.',
        'Development-only Dockerfiles (`.devcontainer/`, `Dockerfile.dev`, `*.test.Dockerfile`, `*.e2e.Dockerfile`…, or any image whose start command runs a dev or test entrypoint such as `startup.dev.sh` or `npm run dev`), images of local stand-ins for outside services (mail catchers such as MailDev, MailHog and Mailpit, LocalStack and other cloud emulators, mock servers: by file name, base image or start command), CI helper images (`.gitlab/`, `.github/`…) and example folders are skipped.',
        'Images that start Apache, nginx or PHP-FPM are not reported for lacking a USER: their master process binds ports as root and runs the workers unprivileged.',
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
      const instructions = chainInstructions(chain);
      const values = new Map(file.globalArgs);
      let lastUser: { user: string; line: number } | undefined;
      for (const ins of instructions) {
        if (ins.keyword === 'ARG') for (const [k, v] of argPairs(ins.args)) if (v !== undefined && !values.has(k)) values.set(k, v);
        if (ins.keyword === 'ENV') for (const p of envPairs(ins.args)) values.set(p.name, p.value);
        if (ins.keyword === 'USER') {
          const user = substitute(ins.args.trim(), values);
          // An unresolvable `USER $APP_USER` is given the benefit of the doubt.
          lastUser = { user: user ?? 'unknown', line: ins.line };
        }
      }
      const start = startCommand(instructions);
      if (dropsPrivileges(ctx.model, start?.text)) continue;
      const text = ctx.model.text(file.path) ?? '';
      if (lastUser) {
        if (isRoot(lastUser.user) && !hadolintIgnored(text, lastUser.line, ['DL3002'])) ctx.report({ messageId: 'rootUser', data: { user: lastUser.user }, path: file.path, line: lastUser.line });
        continue;
      }
      const image = baseImage(file, chain);
      if (nonRootBases.some((re) => re.test(image)) || !rootBases.some((re) => re.test(image))) continue;
      ctx.report({ messageId: 'noUser', data: { image }, path: file.path, line: chain[0]!.line });
    }
  },
});
