/** Dockerfile helpers shared by the CI-8 rules: which Dockerfiles ship, ARG resolution, stage inheritance. */
import type { RepoModel } from '../../../src/audit/model.js';
import type { DockerfileModel, DockerInstruction, DockerStage } from '../../../src/audit/parsers/dockerfile.js';

export interface Dockerfile {
  path: string;
  model: DockerfileModel;
  /** ARG defaults declared before the first FROM (usable in FROM lines). */
  globalArgs: Map<string, string>;
}

/** Folders whose Dockerfiles are samples or test inputs, not images of this project. */
const notProject = /(?:^|\/)(?:examples?|samples?|fixtures?|__fixtures__|test-?fixtures|testdata|__tests__|tests?|e2e|docs?\/examples?|vendor|third[-_]party)\//i;
/** Images for development or CI tooling only: dev containers, CI helper images, local or test Dockerfiles. */
const devOnly = /(?:^|\/)\.(?:devcontainer|gitlab|github|circleci|buildkite|woodpecker)\/|(?:^|\/)(?:dev|development|local|debug|test|tests|ci|e2e)\.Dockerfile$|Dockerfile[.-](?:dev|development|local|debug|test|tests|ci|e2e)$|(?:^|\/)[^/]*[.-](?:dev|development|local|debug|test|tests|testing|ci|e2e)\.Dockerfile$/i;
/**
 * A start command that runs a development or test entrypoint (`startup.dev.sh`, `run-e2e.sh`, `npm run dev`,
 * `nodemon`): the image serves a local stack or a CI job, whatever its file is called.
 */
const devStart = /(?:^|[\s"'/])[\w.-]*[.-](?:dev|development|local|test|tests|ci|e2e)\.sh\b|\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:dev|start:dev|develop|test(?::[\w-]+)?|e2e)\b|\bnodemon\b|\b(?:next|vite|nuxt|nuxi)\s+dev\b/;

/**
 * Local stand-ins for outside services: mail catchers (MailDev, MailHog, Mailpit), cloud emulators (LocalStack,
 * Azurite, DynamoDB Local) and mock servers. Their images serve a developer's machine or a test run, never production.
 */
const devTool = /\b(?:maildev|mailhog|mailpit|mailcatcher|smtp4dev|inbucket|localstack|azurite|dynamodb-local|elasticmq|fake-gcs-server|wiremock|mockserver)\b/i;
const devToolStart = new RegExp(`^(?:exec\\s+|npx\\s+(?:-y\\s+)?)?(?:\\S*/)?${devTool.source}`, 'i');

export function dockerfilesOf(model: RepoModel, which: 'project' | 'shipped'): Dockerfile[] {
  return model
    .ofLanguage('dockerfile')
    .filter((f) => !notProject.test(f.path) && (which === 'project' || !devOnly.test(f.path)))
    .flatMap((f) => {
      const parsed = model.dockerfile(f.path);
      if (!parsed || parsed.stages.length === 0) return [];
      if (which === 'shipped' && developmentImage(parsed)) return [];
      const globalArgs = new Map<string, string>();
      for (const ins of parsed.instructions) {
        if (ins.keyword === 'FROM') break;
        if (ins.keyword === 'ARG') for (const [k, v] of argPairs(ins.args)) if (v !== undefined) globalArgs.set(k, v);
      }
      const file: Dockerfile = { path: f.path, model: parsed, globalArgs };
      if (which === 'shipped' && devToolImage(file)) return [];
      return [file];
    });
}

/**
 * A dev tool's image: named after one (`maildev.Dockerfile`, `docker/mailhog/Dockerfile`), built on one
 * (`FROM maildev/maildev`), or starting one (`RUN npm i -g maildev` then `CMD maildev`).
 */
function devToolImage(file: Dockerfile): boolean {
  if (devTool.test(file.path.split('/').slice(-2).join('/'))) return true;
  const chain = finalChain(file);
  if (devTool.test(baseImage(file, chain))) return true;
  const start = startCommand(chainInstructions(chain));
  return start !== undefined && devToolStart.test(start.text.trim());
}

/** The last CMD/ENTRYPOINT of the file (the final stage's) runs a development or test entrypoint. */
function developmentImage(parsed: DockerfileModel): boolean {
  const last = parsed.instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
  const finalFrom = parsed.instructions.filter((i) => i.keyword === 'FROM').at(-1);
  const own = last.filter((i) => !finalFrom || i.line > finalFrom.line);
  return own.some((i) => devStart.test(execFormText(i.args)));
}

function unquote(value: string): string {
  return value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0] ? value.slice(1, -1) : value;
}

/** `ARG A=1 B` → [[A, '1'], [B, undefined]]. */
export function argPairs(args: string): Array<[string, string | undefined]> {
  return args
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((part): [string, string | undefined] => {
      const eq = part.indexOf('=');
      return eq === -1 ? [part, undefined] : [part.slice(0, eq), unquote(part.slice(eq + 1))];
    });
}

export interface EnvPair {
  name: string;
  value: string;
  /** Offset of the value within the instruction's argument text. */
  valueIndex: number;
}

/** `ENV A=1 B="two words"` and the legacy `ENV A value with spaces`. */
export function envPairs(args: string): EnvPair[] {
  const text = args.trim();
  const lead = args.indexOf(text);
  const legacy = /^([A-Za-z_][\w.-]*)\s+(?![\w.-]*=)(.*)$/s.exec(text);
  if (legacy && !/^[A-Za-z_][\w.-]*=/.test(text)) return [{ name: legacy[1]!, value: unquote(legacy[2]!.trim()), valueIndex: lead + text.indexOf(legacy[2]!) }];
  const out: EnvPair[] = [];
  const re = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s\\]|\\.)*)/g;
  for (const m of text.matchAll(re)) out.push({ name: m[1]!, value: unquote(m[2]!), valueIndex: lead + m.index + m[1]!.length + 1 });
  return out;
}

/** Replaces `$NAME` and `${NAME}` (and `${NAME:-default}`) from the known values; undefined when one is unknown. */
export function substitute(text: string, values: ReadonlyMap<string, string>): string | undefined {
  let unknown = false;
  const out = text.replace(/\$\{([A-Za-z_]\w*)(?::?[-+]([^}]*))?\}|\$([A-Za-z_]\w*)/g, (_, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values.get(name) ?? fallback;
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown ? undefined : out;
}

/** The stage a FROM refers to by name (or index), when it is an earlier stage of the same file. */
export function parentStage(file: Dockerfile, stage: DockerStage): DockerStage | undefined {
  const index = file.model.stages.indexOf(stage);
  const image = (substitute(stage.image, file.globalArgs) ?? stage.image).toLowerCase();
  return file.model.stages.slice(0, index).find((s, i) => s.name?.toLowerCase() === image || String(i) === image);
}

/** The final stage and the earlier stages it is built FROM, final first. */
export function finalChain(file: Dockerfile): DockerStage[] {
  const chain: DockerStage[] = [];
  let stage: DockerStage | undefined = file.model.stages.at(-1);
  while (stage && !chain.includes(stage)) {
    chain.push(stage);
    stage = parentStage(file, stage);
  }
  return chain;
}

/** Instructions of a stage chain, base first (the order the image is built). */
export function chainInstructions(chain: readonly DockerStage[]): DockerInstruction[] {
  return [...chain].reverse().flatMap((s) => s.instructions);
}

/** The image a stage chain finally starts from (not a stage of this file). */
export function baseImage(file: Dockerfile, chain: readonly DockerStage[]): string {
  const root = chain.at(-1)!;
  return substitute(root.image, file.globalArgs) ?? root.image;
}

/** The CMD/ENTRYPOINT that runs, as text (exec-form arrays joined). */
export function startCommand(instructions: readonly DockerInstruction[]): { text: string; instruction: DockerInstruction } | undefined {
  const entry = instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  const cmd = instructions.filter((i) => i.keyword === 'CMD').at(-1);
  const parts = [entry, cmd].filter((i): i is DockerInstruction => i !== undefined);
  if (parts.length === 0) return undefined;
  const text = parts.map((p) => execFormText(p.args)).join(' ');
  return { text, instruction: cmd ?? entry! };
}

/** `["sh", "-c", "a && b"]` → `sh -c 'a && b'`; shell form unchanged. */
export function execFormText(args: string): string {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return trimmed;
  try {
    const list = JSON.parse(trimmed) as unknown;
    if (Array.isArray(list)) return list.map((a) => (typeof a === 'string' && /\s/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : String(a))).join(' ');
  } catch {
    // Not valid JSON: Docker runs it in a shell as written.
  }
  return trimmed;
}

/** Offset in the file text of the first character of `needle` on a 1-based line (or the line start). */
export function offsetOnLine(text: string, line: number, needle?: string): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) break;
    offset = next + 1;
  }
  if (needle === undefined) return offset;
  const found = text.indexOf(needle, offset);
  return found === -1 ? offset : found;
}

/** `registry:5000/team/app:1.2@sha256:…` → name, tag and digest. */
export function splitImage(ref: string): { name: string; tag?: string; digest?: string } {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : undefined;
  const name = tag === undefined ? rest : rest.slice(0, colon);
  return { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/**
 * True when the instruction on `line` carries a hadolint suppression for one of `codes` (`# hadolint ignore=DL3006`
 * on the lines just above it, or `# hadolint global ignore=…` anywhere): the project already decided about the
 * equivalent check.
 */
export function hadolintIgnored(text: string, line: number, codes: readonly string[]): boolean {
  const lines = text.split(/\r?\n/);
  const mentions = (comment: string): boolean => {
    const m = /hadolint\s+(?:global\s+)?ignore\s*=\s*([\w,\s]+)/i.exec(comment);
    return m !== null && m[1]!.split(/[\s,]+/).some((c) => codes.includes(c.toUpperCase()));
  };
  if (lines.some((l) => /^\s*#\s*hadolint\s+global\s+ignore/i.test(l) && mentions(l))) return true;
  for (let i = line - 2; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (!l.startsWith('#')) break;
    if (mentions(l)) return true;
  }
  return false;
}
