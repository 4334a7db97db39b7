import { ts } from 'ts-morph';
import { scriptKindOf } from '../languages.js';

const scriptKinds = {
  ts: ts.ScriptKind.TS,
  tsx: ts.ScriptKind.TSX,
  js: ts.ScriptKind.JS,
  jsx: ts.ScriptKind.JSX,
} as const;

/**
 * Parses one file without a program or type checker (the fast path every rule shares). Syntax errors do not throw:
 * TypeScript recovers and the tree is still walkable.
 */
export function parseTypeScript(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKinds[scriptKindOf(path)]);
}
