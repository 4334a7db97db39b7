import { createRequire } from 'node:module';
import type { ts as Ts } from 'ts-morph';
import { scriptKindOf } from '../languages.js';

let loaded: typeof Ts | undefined;

/**
 * ts-morph's bundled TypeScript (through ts.cjs, which says why not ts-morph itself), loaded on first use: its start-up
 * is not paid by a cached run or a tree without TypeScript.
 */
export function typescript(): typeof Ts {
  loaded ??= (createRequire(import.meta.url)('./ts.cjs') as { ts: typeof Ts }).ts;
  return loaded;
}

/**
 * Parses one file without a program or type checker (the fast path every rule shares). Syntax errors do not throw:
 * TypeScript recovers and the tree is still walkable.
 */
export function parseTypeScript(path: string, text: string): Ts.SourceFile {
  const ts = typescript();
  const kind = scriptKindOf(path);
  const scriptKind = kind === 'tsx' ? ts.ScriptKind.TSX : kind === 'js' ? ts.ScriptKind.JS : kind === 'jsx' ? ts.ScriptKind.JSX : ts.ScriptKind.TS;
  // No rule reads JSDoc: skipping its parse saves a tenth of the parse (comments stay in the text).
  const source = ts.createSourceFile(path, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, false, scriptKind);
  setParents(source, ts);
  return source;
}

/**
 * Sets every node's `parent`, as `createSourceFile(..., setParentNodes: true)` does, in half the time: TypeScript's own
 * pass (`forEachChildRecursively`) allocates an array and a closure per node and queues children with `unshift`.
 * Iterative, so that deeply nested code cannot overflow the stack; tokens have no children and are not descended into.
 */
export function setParents(root: Ts.Node, ts: typeof Ts): void {
  const firstNode = ts.SyntaxKind.FirstNode;
  const stack: Ts.Node[] = [root];
  let top = 1;
  let parent: Ts.Node = root;
  const bind = (child: Ts.Node): undefined => {
    (child as { parent: Ts.Node }).parent = parent;
    stack[top++] = child;
    return undefined;
  };
  const bindAll = (children: Ts.NodeArray<Ts.Node>): undefined => {
    for (let i = 0; i < children.length; i++) bind(children[i]!);
    return undefined;
  };
  while (top > 0) {
    const node = stack[--top]!;
    if (node.kind < firstNode) continue;
    parent = node;
    ts.forEachChild(node, bind, bindAll);
    // JSDoc is not parsed (ParseNone), but a tree parsed with it has these beside the children.
    const docs = (node as { jsDoc?: Ts.Node[] }).jsDoc;
    if (docs) for (const doc of docs) bind(doc);
  }
}
