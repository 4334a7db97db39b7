/**
 * Where a value sits in an indented document (YAML, pretty-printed JSON): the keys of the blocks that enclose it. Used
 * to tell documented examples and CI service-container settings from configuration that ships.
 */

const keyOf = /^[ \t]*(?:-[ \t]+)?["']?([\w.$-]+)["']?[ \t]*:/;

interface Block {
  key: string;
  indent: number;
  /** Offset of the line that opens the block. */
  at: number;
}

function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].length;
}

/** The enclosing keys of the line at `offset`, innermost first. */
export function enclosingBlocks(text: string, offset: number): Block[] {
  const blocks: Block[] = [];
  let lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let indent = indentOf(text.slice(lineStart, offset));
  while (lineStart > 0 && indent > 0) {
    const end = lineStart - 1;
    lineStart = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(lineStart, end);
    if (line.trim() === '' || /^[ \t]*#/.test(line)) continue;
    const own = indentOf(line);
    if (own >= indent) continue;
    indent = own;
    const key = keyOf.exec(line)?.[1];
    if (key) blocks.push({ key, indent: own, at: lineStart });
  }
  return blocks;
}

/** Whether the block opened at `block.at` has a direct child key named `name`. */
function hasChild(text: string, block: Block, name: string): boolean {
  let pos = text.indexOf('\n', block.at);
  let childIndent = -1;
  while (pos !== -1 && pos < text.length) {
    const start = pos + 1;
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end);
    pos = end;
    if (line.trim() === '' || /^[ \t]*#/.test(line)) continue;
    const indent = indentOf(line);
    if (indent <= block.indent) return false;
    if (childIndent === -1) childIndent = indent;
    if (indent === childIndent && keyOf.exec(line)?.[1] === name) return true;
  }
  return false;
}

const openApiDocument = /^[ \t]*["']?(?:openapi|swagger)["']?[ \t]*:/m;
const exampleKey = /^(?:example|examples|x-example|x-examples)$/;
const workflowFile = /(?:^|\/)\.github\/workflows\/[^/]+\.ya?ml$/;

/**
 * Values that are documentation or throwaway test data by where they sit: inside an `example` of an OpenAPI document,
 * or in a GitHub Actions job that runs against service containers (the containers' own settings and the job's
 * environment pointing at them). Provider-format secrets are still reported there; this only vetoes name-based ones.
 */
export function throwawayContext(text: string, path: string): ((offset: number) => boolean) | undefined {
  const openApi = /\.(?:json|ya?ml)$/i.test(path) && openApiDocument.test(text);
  const workflow = workflowFile.test(path);
  if (!openApi && !workflow) return undefined;
  return (offset) => {
    const blocks = enclosingBlocks(text, offset);
    if (openApi && blocks.some((b) => exampleKey.test(b.key))) return true;
    if (!workflow) return false;
    const jobsAt = blocks.findIndex((b) => b.key === 'jobs' && b.indent === 0);
    if (jobsAt < 1) return false;
    // The containers' own settings, and the environment of the whole job (not of one step) that runs against them.
    if (blocks.slice(0, jobsAt - 1).some((b) => b.key === 'services')) return true;
    return blocks[jobsAt - 2]?.key === 'env' && hasChild(text, blocks[jobsAt - 1]!, 'services');
  };
}
