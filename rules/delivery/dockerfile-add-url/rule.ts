import { defineRule } from '../../../src/core/define-rule.js';
import { dockerfilesOf, hadolintIgnored } from '../_docker/dockerfiles.js';

const remote = /^(?:https?:\/\/|git@|git:\/\/|ssh:\/\/)/i;

/** Source and destination words of `ADD a b c` or the exec form `ADD ["a", "b"]`. */
function words(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) {
    try {
      const list = JSON.parse(trimmed) as unknown;
      if (Array.isArray(list)) return list.map(String);
    } catch {
      // Not JSON: Docker reads it as the shell form.
    }
  }
  return trimmed.split(/\s+/);
}

export default defineRule({
  meta: {
    id: 'dockerfile-add-url',
    category: 'delivery',
    checklist: 'CI-8',
    severity: 'medium',
    confidence: 'high',
    stability: 'experimental',
    messages: {
      remote:
        '`ADD {{source}}` downloads into the image at build time with nothing checking what arrives, so the image changes (or is compromised) whenever that URL\'s content does. Add `--checksum=sha256:<digest>` to the ADD, pin a Git source to a commit (`#<sha>`), or download with curl and verify with `sha256sum -c`.',
    },
    docs: {
      summary: 'Dockerfile `ADD` of a remote URL or Git repository without a checksum or commit pin.',
      why: 'A remote file is fetched on every uncached build. If the server, the DNS or the file changes, the image silently differs from the one that was reviewed and tested; a compromised download ends up inside every image built afterwards.',
      howToFix:
        'Use `ADD --checksum=sha256:<digest> https://… /dest` (BuildKit, Dockerfile syntax 1.6+), pin Git sources to a full commit (`ADD https://github.com/org/repo.git#<commit-sha> /src`), or `RUN curl -fsSLO <url> && echo "<sha256>  <file>" | sha256sum -c -`.',
      examples: {
        invalid: [{ file: 'Dockerfile', code: 'FROM alpine:3.20\nADD https://github.com/org/tool/releases/download/v1.2.0/tool.tar.gz /tmp/\nUSER 65534\n' }],
        valid: [
          {
            file: 'Dockerfile',
            code: 'FROM alpine:3.20\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://github.com/org/tool/releases/download/v1.2.0/tool.tar.gz /tmp/\nUSER 65534\n',
          },
        ],
      },
      peers: ['hadolint DL3020 (use COPY instead of ADD for files)', 'Checkov CKV_DOCKER_4 (do not use ADD when COPY will do)'],
      limitations: ['Downloads in `RUN curl …`/`wget` without a checksum check are not reported.'],
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
      for (const ins of file.model.instructions) {
        if (ins.keyword !== 'ADD' || ins.flags.checksum || hadolintIgnored(text, ins.line, ['DL3020'])) continue;
        const sources = words(ins.args).slice(0, -1);
        const source = sources.find((s) => remote.test(s) && !/#[0-9a-f]{40}$/i.test(s));
        if (source) ctx.report({ messageId: 'remote', data: { source }, path: file.path, line: ins.line });
      }
    }
  },
});
