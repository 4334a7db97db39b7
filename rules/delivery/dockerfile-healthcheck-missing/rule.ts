import { KeywordSet } from '../../../src/audit/keywords.js';
import { defineRule } from '../../../src/core/define-rule.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { baseImage, chainInstructions, dockerfilesOf, finalChain, startCommand } from '../_docker/dockerfiles.js';

/**
 * Health checking configured outside the image: Kubernetes probes, Compose/Swarm, ECS, Fly, Render, Railway, Kamal.
 * Fly's `[[http_service.checks]]` tables start a line: no word boundary before their bracket.
 */
const orchestratorProbe =
  /\b(?:livenessProbe|readinessProbe|startupProbe|healthcheck:|healthCheck"?\s*[:=]|health_check\s*[{=]|healthCheckPath|healthcheckPath|health_check_path|liveness_check|readiness_check|http_checks|tcp_checks)|\[\[(?:http_service\.)?checks\]\]|\[checks\./;
/** A word each of those needs: most configuration files (locale JSON files of hundreds of kilobytes) have none. */
const probeWords = new KeywordSet(['Probe', 'ealthcheck', 'ealthCheck', 'health_check', 'liveness_check', 'readiness_check', 'http_checks', 'tcp_checks', 'checks]]', '[checks.']);
/** A Nomad or Consul `check { ... }` stanza, in HCL. */
const checkStanza = /\bcheck\s*\{\s*$/m;
const checkWord = new KeywordSet(['check']);

/** Start commands of servers that do not say so with EXPOSE. */
const serverCommand = /\b(?:next\s+start|nest\s+start|gunicorn|uvicorn|hypercorn|daphne|waitress-serve|flask\s+run|rails\s+s(?:erver)?\b|puma|unicorn|nginx|caddy\s+run|httpd|apache2-foreground|php-fpm|pm2-runtime|http-server|serve\s+-s)\b/;
const serverImage = /(?:^|\/)(?:nginx|httpd|caddy|traefik|php:[^@]*apache|nginxinc\/nginx-unprivileged)(?:[:@]|$)/;

function hasOrchestratorProbes(model: RepoModel): boolean {
  return model.files.some((f) => {
    const hcl = f.language === 'hcl' || /\.nomad$/.test(f.path);
    if (!hcl && !['yaml', 'json', 'toml'].includes(f.language)) return false;
    if (model.textMatches(f.path, orchestratorProbe, probeWords)) return true;
    return hcl && model.textMatches(f.path, checkStanza, checkWord);
  });
}

export default defineRule({
  meta: {
    id: 'dockerfile-healthcheck-missing',
    category: 'delivery',
    checklist: 'CI-8',
    severity: 'low',
    confidence: 'low',
    stability: 'experimental',
    messages: {
      missing:
        'This image runs a server ({{why}}) but declares no HEALTHCHECK, and the repository configures no orchestrator probe either, so a process that hangs while holding its port is never restarted or taken out of rotation. Add `HEALTHCHECK CMD wget -qO- http://localhost:<port>/healthz || exit 1`, or liveness and readiness probes where it is deployed.',
    },
    docs: {
      summary: 'Server images without a HEALTHCHECK, in repositories that configure no orchestrator health probes either.',
      why: 'A container whose process is alive but stuck (deadlock, exhausted pool, lost database) keeps receiving traffic unless something checks it. Docker, Swarm and Compose use the image HEALTHCHECK; Kubernetes, ECS and most platforms use their own probes. With neither, failures are found by users.',
      howToFix:
        'Expose a cheap health endpoint and check it: `HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://localhost:3000/healthz || exit 1` (distroless images: a small health binary or the runtime itself, e.g. `CMD ["node", "healthcheck.js"]`). On Kubernetes, ECS, Fly or Render, configure the platform\'s probes instead; Kubernetes ignores HEALTHCHECK.',
      examples: {
        invalid: [{ file: 'Dockerfile', code: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nEXPOSE 3000\nCMD ["node", "server.js"]\n' }],
        valid: [
          {
            file: 'Dockerfile',
            code: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nEXPOSE 3000\nHEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://localhost:3000/healthz || exit 1\nCMD ["node", "server.js"]\n',
          },
          {
            file: 'Dockerfile',
            code: 'FROM node:20.11.1-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nEXPOSE 3000\nCMD ["node", "server.js"]\n',
            context: { 'k8s/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.4.2\n          readinessProbe:\n            httpGet: { path: /readyz, port: 3000 }\n' },
            note: 'The Kubernetes probes do the job; Kubernetes ignores HEALTHCHECK anyway.',
          },
        ],
      },
      peers: ['Checkov CKV_DOCKER_2 (HEALTHCHECK instruction added)', 'Trivy misconfiguration DS026 (no HEALTHCHECK)'],
      limitations: [
        'Probes are recognised anywhere in the repository (any Kubernetes manifest, Compose file, ECS or Terraform health check, fly.toml, render.yaml…), without matching them to this image.',
        'Probes configured outside the repository (a platform UI, another repository\'s Helm chart) are not seen; hence the low confidence.',
        'An image is taken for a server when it EXPOSEs a port, starts a known server (gunicorn, next start, nginx…) or is based on a web server image.',
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
    let probes: boolean | undefined;
    for (const file of files) {
      const chain = finalChain(file);
      const instructions = chainInstructions(chain);
      if (instructions.some((i) => i.keyword === 'HEALTHCHECK')) continue;
      const expose = instructions.find((i) => i.keyword === 'EXPOSE');
      const start = startCommand(instructions);
      const image = baseImage(file, chain);
      const why = expose
        ? `EXPOSE ${expose.args.trim()}`
        : start && serverCommand.test(start.text)
          ? `\`${start.text.slice(0, 60)}\``
          : serverImage.test(image)
            ? `based on \`${image}\``
            : undefined;
      if (!why) continue;
      probes ??= hasOrchestratorProbes(ctx.model);
      if (probes) return;
      ctx.report({ messageId: 'missing', data: { why }, path: file.path, line: chain[0]!.line });
    }
  },
});
