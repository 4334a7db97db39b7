import { createRequire } from 'node:module';
import type { Parser, Node as SyntaxNode } from 'web-tree-sitter';

/** A Terraform/HCL block with positions, simplified from the concrete syntax tree for rules to query. */
export interface HclBlock {
  /** `resource`, `module`, `variable`, `provider`, `terraform`, `dynamic`, nested block names… */
  type: string;
  labels: string[];
  attributes: Record<string, HclAttribute>;
  blocks: HclBlock[];
  /** 1-based line of the block's first token. */
  line: number;
  start: number;
  end: number;
}

export interface HclAttribute {
  name: string;
  /** The expression's source text, as written. */
  text: string;
  /**
   * The value when the expression is a plain literal (string without interpolation, number, bool, null), possibly
   * parenthesised or under a unary `-` (numbers) or `!` (bools).
   */
  literal?: string | number | boolean | null;
  line: number;
  start: number;
  end: number;
}

export interface HclFile {
  blocks: HclBlock[];
  attributes: Record<string, HclAttribute>;
  /** True when the file has syntax errors; the recovered parts are still returned. */
  hasErrors: boolean;
}

let parserPromise: Promise<Parser> | undefined;

/**
 * Tree-sitter's Terraform grammar (a superset of HCL with Terraform's expression forms), loaded once, on the first
 * HCL file: like the other parsers' libraries, web-tree-sitter is not loaded by an audit of a tree without one.
 */
function parser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const { Language, Parser } = await import('web-tree-sitter');
    await Parser.init();
    const language = await Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm'));
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parserPromise;
}

/**
 * The value of an expression made of literals only: a literal, a parenthesised one, or a unary `-`/`!` applied to one
 * (`-1`, `!true`, `-(2)`). Undefined for anything else, including `-` on a non-number and `!` on a non-bool: Terraform
 * would convert `-"1"`, but a rule should not judge what it reads through a conversion.
 */
function literalOf(node: SyntaxNode): HclAttribute['literal'] {
  switch (node.type) {
    case 'expression':
    case 'operation':
      return node.namedChildCount === 1 ? literalOf(node.namedChildren[0]!) : undefined;
    case 'unary_operation': {
      const operand = node.namedChildren[0];
      const value = operand ? literalOf(operand) : undefined;
      const operator = node.children[0]?.type;
      if (operator === '-' && typeof value === 'number') return -value;
      if (operator === '!' && typeof value === 'boolean') return !value;
      return undefined;
    }
    case 'literal_value':
      return node.namedChildren[0] ? literalValueOf(node.namedChildren[0]) : undefined;
    default:
      return undefined;
  }
}

function literalValueOf(value: SyntaxNode): HclAttribute['literal'] {
  switch (value.type) {
    case 'bool_lit':
      return value.text === 'true';
    case 'numeric_lit':
      return Number(value.text);
    case 'null_lit':
      return null;
    case 'string_lit': {
      const parts = value.namedChildren.filter((c) => c?.type !== 'quoted_template_start' && c?.type !== 'quoted_template_end');
      if (parts.some((c) => c?.type !== 'template_literal')) return undefined;
      return parts.map((c) => c!.text).join('');
    }
    default:
      return undefined;
  }
}

function bodyOf(body: SyntaxNode | undefined): { attributes: Record<string, HclAttribute>; blocks: HclBlock[] } {
  const attributes: Record<string, HclAttribute> = {};
  const blocks: HclBlock[] = [];
  for (const child of body?.namedChildren ?? []) {
    if (!child) continue;
    if (child.type === 'attribute') {
      const name = child.namedChildren[0]?.text ?? '';
      const expression = child.namedChildren[1];
      if (!expression) continue;
      const literal = literalOf(expression);
      attributes[name] = {
        name,
        text: expression.text,
        ...(literal !== undefined ? { literal } : {}),
        line: child.startPosition.row + 1,
        start: child.startIndex,
        end: child.endIndex,
      };
    } else if (child.type === 'block') {
      blocks.push(blockOf(child));
    }
  }
  return { attributes, blocks };
}

function blockOf(node: SyntaxNode): HclBlock {
  const labels: string[] = [];
  let type = '';
  let body: SyntaxNode | undefined;
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (child.type === 'identifier' && !type) type = child.text;
    else if (child.type === 'string_lit') labels.push(child.text.replace(/^"|"$/g, ''));
    else if (child.type === 'identifier') labels.push(child.text);
    else if (child.type === 'body') body = child;
  }
  return { type, labels, ...bodyOf(body), line: node.startPosition.row + 1, start: node.startIndex, end: node.endIndex };
}

/**
 * Parses Terraform/HCL with positions (string offsets: web-tree-sitter reads a JS string as UTF-16). Syntax errors do
 * not throw; the recovered blocks are returned and `hasErrors` is set.
 */
export async function parseHcl(text: string): Promise<HclFile> {
  const p = await parser();
  const tree = p.parse(text);
  if (!tree) return { blocks: [], attributes: {}, hasErrors: true };
  try {
    const root = tree.rootNode;
    const body = root.namedChildren.find((c) => c?.type === 'body') ?? undefined;
    const parsed = bodyOf(body);
    return { ...parsed, hasErrors: root.hasError };
  } finally {
    tree.delete();
  }
}
