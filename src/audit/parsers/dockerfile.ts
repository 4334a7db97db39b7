import { createRequire } from 'node:module';

// Loaded on first use (CommonJS, so synchronously): most runs and every worker thread never read a Dockerfile.
const require = createRequire(import.meta.url);
let parser: typeof import('dockerfile-ast').DockerfileParser | undefined;

export interface DockerInstruction {
  /** Upper-case keyword: FROM, RUN, ENV, USER, HEALTHCHECK… */
  keyword: string;
  /** Arguments without flags, continuation lines joined. */
  args: string;
  /** `--from=build` → { from: 'build' }; a flag without value maps to null. */
  flags: Record<string, string | null>;
  /** 1-based first and last line. */
  line: number;
  endLine: number;
}

export interface DockerStage {
  /** The image reference as written after FROM (may contain ARG references). */
  image: string;
  /** The `AS <name>` of the stage. */
  name?: string;
  tag?: string;
  digest?: string;
  line: number;
  instructions: DockerInstruction[];
}

export interface DockerfileModel {
  instructions: DockerInstruction[];
  stages: DockerStage[];
}

/**
 * Parses a Dockerfile with dockerfile-ast (the parser behind VS Code's Dockerfile language server): continuation
 * lines, escape directives, heredocs and comments are handled there, not here.
 */
export function parseDockerfile(text: string): DockerfileModel {
  parser ??= (require('dockerfile-ast') as typeof import('dockerfile-ast')).DockerfileParser;
  const dockerfile = parser.parse(text);
  const instructions: DockerInstruction[] = [];
  const stages: DockerStage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const range = instruction.getRange();
    const flags: Record<string, string | null> = {};
    const withFlags = instruction as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
    for (const flag of withFlags.getFlags?.() ?? []) flags[flag.getName()] = flag.getValue();
    const item: DockerInstruction = {
      keyword: instruction.getKeyword().toUpperCase(),
      args: instruction.getArgumentsContent() ?? '',
      flags,
      line: range.start.line + 1,
      endLine: range.end.line + 1,
    };
    instructions.push(item);
    if (item.keyword === 'FROM') {
      const from = instruction as unknown as { getImage(): string | null; getImageTag(): string | null; getImageDigest(): string | null; getBuildStage(): string | null };
      const tag = from.getImageTag();
      const digest = from.getImageDigest();
      const name = from.getBuildStage();
      stages.push({
        image: from.getImage() ?? item.args.split(/\s+/)[0] ?? '',
        ...(name ? { name } : {}),
        ...(tag ? { tag } : {}),
        ...(digest ? { digest } : {}),
        line: item.line,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(item);
    }
  }
  return { instructions, stages };
}
