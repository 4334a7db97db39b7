/**
 * Where the repository calls functions by name, for judging helpers by their callers. The caller analysis asks for
 * the calls of a hundred or more names (the helpers, then the functions that pass their input on); scanning every
 * file's text and walking its AST once per name cost most of the rule's time. Here a batch of names is found in one
 * pass over the texts, and each file is walked once, its calls grouped by the name they call.
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import { KeywordSet } from '../../../src/audit/keywords.js';
import type { RepoModel } from '../../../src/audit/model.js';
import { unwrap } from './scope.js';

export interface Imports {
  /** Local name → imported name and module specifier. */
  named: Map<string, { name: string; from: string }>;
  /** Namespace name → module specifier. */
  namespaces: Map<string, string>;
}

/** Local names a file imports each helper under (`import { findX as loadX }`), plus namespace imports. */
function importedNames(source: ts.SourceFile): Imports {
  const named: Imports['named'] = new Map();
  const namespaces: Imports['namespaces'] = new Map();
  for (const s of source.statements) {
    if (!ts.isImportDeclaration(s) || !s.importClause?.namedBindings || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const b = s.importClause.namedBindings;
    const from = s.moduleSpecifier.text;
    if (ts.isNamespaceImport(b)) namespaces.set(b.name.text, from);
    else for (const el of b.elements) named.set(el.name.text, { name: el.propertyName?.text ?? el.name.text, from });
  }
  return { named, namespaces };
}

interface FileCalls {
  source: ts.SourceFile;
  imports: Imports;
  /** Calls by the name they use (`findX(...)`, `x.findX(...)`) and, for an aliased import, by the imported name too. */
  byName: Map<string, ts.CallExpression[]>;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class CallIndex {
  private readonly paths: string[];
  /** Name → the TypeScript files whose text has it as a whole word, in file order, and whether one use may be a call. */
  private readonly mentions = new Map<string, { path: string; callable: boolean }[]>();
  private readonly walked = new Map<string, FileCalls | null>();

  constructor(private readonly model: RepoModel) {
    this.paths = model.files.filter((f) => f.language === 'ts').map((f) => f.path);
  }

  /** Finds every name not seen before in one pass over the texts (one alternation, not one scan per name). */
  scan(names: Iterable<string>): void {
    const fresh = [...new Set(names)].filter((n) => n.length > 0 && !this.mentions.has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) this.mentions.set(n, []);
    // What may follow a called name: `(`, type arguments, `!(`, `?.(`, or ` as` in an aliasing import. A file that only
    // names it otherwise (a type, a comment, an export list) need not be parsed to find its calls.
    const word = new RegExp(`\\b(${fresh.map(escape).join('|')})\\b(\\s*(?:[(<!]|\\?\\.)|\\s+as\\b)?`, 'g');
    // The bytes rule out most files first: neither decoded nor searched by the long alternation.
    const wanted = new KeywordSet(fresh, { shared: false });
    for (const path of this.paths) {
      if (!this.model.mentions(path, wanted)) continue;
      const text = this.model.text(path);
      if (!text) continue;
      let seen: Map<string, { path: string; callable: boolean }> | undefined;
      for (const m of text.matchAll(word)) {
        const name = m[1]!;
        seen ??= new Map();
        let mention = seen.get(name);
        if (!mention) {
          seen.set(name, (mention = { path, callable: false }));
          this.mentions.get(name)!.push(mention);
        }
        if (m[2] !== undefined) mention.callable = true;
      }
    }
  }

  /** TypeScript files that mention the name as a word (an aliased import still names it where it is imported). */
  filesNaming(name: string): readonly { path: string; callable: boolean }[] {
    this.scan([name]);
    return this.mentions.get(name)!;
  }

  /** The file's AST and imports, and its calls of `name`: by the name itself or under an import alias. */
  callsIn(path: string, name: string): { source: ts.SourceFile; imports: Imports; calls: readonly ts.CallExpression[] } | undefined {
    const file = this.walk(path);
    return file ? { source: file.source, imports: file.imports, calls: file.byName.get(name) ?? [] } : undefined;
  }

  private walk(path: string): FileCalls | undefined {
    const hit = this.walked.get(path);
    if (hit !== undefined) return hit ?? undefined;
    const source = this.model.ts(path);
    if (!source) {
      this.walked.set(path, null);
      return undefined;
    }
    const imports = importedNames(source);
    const byName = new Map<string, ts.CallExpression[]>();
    const add = (name: string, call: ts.CallExpression): void => {
      const list = byName.get(name);
      if (list) list.push(call);
      else byName.set(name, [call]);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = unwrap(node.expression);
        if (ts.isIdentifier(callee)) {
          add(callee.text, node);
          const original = imports.named.get(callee.text)?.name;
          if (original !== undefined && original !== callee.text) add(original, node);
        } else if (ts.isPropertyAccessExpression(callee)) add(callee.name.text, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    const file = { source, imports, byName };
    this.walked.set(path, file);
    return file;
  }
}

const indexes = new WeakMap<RepoModel, CallIndex>();

/** One index per audited repository, built as names are asked for. */
export function callIndexOf(model: RepoModel): CallIndex {
  let index = indexes.get(model);
  if (!index) indexes.set(model, (index = new CallIndex(model)));
  return index;
}
