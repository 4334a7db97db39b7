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
  return ts.createSourceFile(path, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, scriptKind);
}
