import Handlebars from 'handlebars';

/** A template that does not render: a bug in prodgrade's templates, reported with the template and variable. */
export class TemplateError extends Error {
  readonly template: string;
  readonly variable: string | undefined;
  constructor(template: string, detail: string, variable?: string) {
    super(`${template}: ${detail}`);
    this.name = 'TemplateError';
    this.template = template;
    this.variable = variable;
  }
}

interface Position {
  line: number;
  column: number;
}
interface Node {
  type?: string;
  loc?: { start: Position };
  original?: string;
  params?: Node[];
  [key: string]: unknown;
}

class MissingCondition extends Error {
  constructor(readonly loc: { start: Position } | undefined) {
    super('missing condition');
  }
}

const env = Handlebars.create();
// strict mode makes `{{x}}` throw on a missing x, but block helpers still read a missing value as falsy,
// so a misspelt `{{#if packageManager.corepak}}` would silently drop a block. These wrappers close that gap.
for (const name of ['if', 'unless', 'each', 'with']) {
  const original = env.helpers[name] as Handlebars.HelperDelegate;
  env.registerHelper(name, function (this: unknown, ...args: unknown[]) {
    const options = args[args.length - 1] as Handlebars.HelperOptions & { loc?: { start: Position } };
    if (args.length === 2 && args[0] === undefined) throw new MissingCondition(options.loc);
    return original.apply(this, args as never);
  });
}

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const n = node as Node;
  if (typeof n.type === 'string') visit(n);
  for (const [key, value] of Object.entries(n)) {
    if (key !== 'loc' && typeof value === 'object') walk(value, visit);
  }
}

/** The full path expression (`packageManager.install`) that starts at a position of the template. */
function pathAt(source: string, at: Position, blockParam: boolean): string | undefined {
  let found: string | undefined;
  walk(Handlebars.parse(source), (n) => {
    if (found || !n.loc || n.loc.start.line !== at.line || n.loc.start.column !== at.column) return;
    if (blockParam && n.type === 'BlockStatement') found = n.params?.[0]?.original;
    if (!blockParam && n.type === 'PathExpression') found = n.original;
  });
  return found;
}

/**
 * Renders one template with `noEscape` (the output is code and config, not HTML) and `strict` (a missing
 * variable is an error naming the template and the variable, never an empty string).
 */
export function renderTemplate(name: string, source: string, context: object): string {
  try {
    return env.compile(source, { noEscape: true, strict: true })(context);
  } catch (error) {
    if (error instanceof MissingCondition) {
      const variable = error.loc ? pathAt(source, error.loc.start, true) : undefined;
      const where = error.loc ? `:${error.loc.start.line}:${error.loc.start.column + 1}` : '';
      throw new TemplateError(`${name}${where}`, `missing variable "${variable ?? '?'}" in a block condition`, variable);
    }
    const e = error as Error & { lineNumber?: number; column?: number };
    const missing = /^"(.+)" not defined in/.exec(e.message ?? '');
    if (missing && e.lineNumber !== undefined && e.column !== undefined) {
      const variable = pathAt(source, { line: e.lineNumber, column: e.column }, false) ?? missing[1]!;
      throw new TemplateError(`${name}:${e.lineNumber}:${e.column + 1}`, `missing variable "${variable}"`, variable);
    }
    throw new TemplateError(name, (e.message ?? String(error)).split('\n').join(' '));
  }
}
