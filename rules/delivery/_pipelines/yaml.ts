import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * A command text taken from one or more YAML scalars, with a way back to the file: `offsetAt(i)` is the file offset
 * of character `i` of `text`, exact for plain, quoted and literal-block scalars on one line, best effort otherwise.
 */
export interface Script {
  readonly text: string;
  readonly path: string;
  offsetAt(index: number): number;
}

interface Piece {
  start: number;
  length: number;
  /** File offset of each line of the piece's value, when the line was found verbatim in the source. */
  lines: Array<{ index: number; offset: number | undefined }>;
  fallback: number;
}

function pieceOf(scalar: Scalar, value: string, source: string): Piece {
  const [start = 0, , end = start] = scalar.range ?? [];
  const raw = source.slice(start, end);
  const lines: Piece['lines'] = [];
  let cursor = 0;
  let index = 0;
  for (const line of value.split('\n')) {
    let offset: number | undefined;
    if (line.trim() !== '') {
      const found = raw.indexOf(line, cursor);
      if (found >= 0) {
        offset = start + found;
        cursor = found + line.length;
      } else {
        const trimmed = line.trimStart();
        const again = raw.indexOf(trimmed, cursor);
        if (again >= 0) {
          offset = start + again - (line.length - trimmed.length);
          cursor = again + trimmed.length;
        }
      }
    }
    lines.push({ index, offset });
    index += line.length + 1;
  }
  return { start: 0, length: value.length, lines, fallback: start };
}

function offsetInPiece(piece: Piece, index: number): number {
  let best: { index: number; offset: number | undefined } | undefined;
  for (const line of piece.lines) {
    if (line.index > index) break;
    best = line;
  }
  if (best?.offset !== undefined) return best.offset + (index - best.index);
  // The line was not found verbatim (folded or escaped text): point at the nearest earlier line that was.
  const known = piece.lines.filter((l) => l.index <= index && l.offset !== undefined).at(-1);
  return known?.offset ?? piece.fallback;
}

/** A Script over scalars joined by newlines (a GitLab `script:` list, a block scalar, a single command). */
export function scriptOf(path: string, source: string, scalars: ReadonlyArray<{ scalar: Scalar; value: string }>): Script {
  const pieces: Piece[] = [];
  let position = 0;
  for (const { scalar, value } of scalars) {
    const piece = pieceOf(scalar, value, source);
    piece.start = position;
    pieces.push(piece);
    position += value.length + 1;
  }
  const text = scalars.map((s) => s.value).join('\n');
  return {
    text,
    path,
    offsetAt(index) {
      const piece = pieces.filter((p) => p.start <= index).at(-1) ?? pieces[0];
      return piece ? offsetInPiece(piece, index - piece.start) : 0;
    },
  };
}

/** A Script whose text does not appear in the file (derived from structured inputs): every index maps to `offset`. */
export function syntheticScript(path: string, text: string, offset: number): Script {
  return { text, path, offsetAt: () => offset };
}

export interface Entry {
  key: string;
  keyOffset: number;
  value: Node | undefined;
}

/** Reads one parsed YAML document: aliases resolved, `<<` merge keys honoured, scalars read as strings. */
export class YamlReader {
  constructor(
    readonly doc: Document.Parsed,
    readonly source: string,
    readonly path: string,
  ) {}

  deref(node: unknown, depth = 0): Node | undefined {
    if (isAlias(node)) return depth > 10 ? undefined : this.deref(node.resolve(this.doc), depth + 1);
    return isMap(node) || isSeq(node) || isScalar(node) ? (node as Node) : undefined;
  }

  map(node: unknown): YAMLMap | undefined {
    const n = this.deref(node);
    return isMap(n) ? n : undefined;
  }

  seq(node: unknown): YAMLSeq | undefined {
    const n = this.deref(node);
    return isSeq(n) ? n : undefined;
  }

  /** Items of a sequence (aliases resolved); a single non-sequence value counts as a one-item list. */
  list(node: unknown): Node[] {
    const n = this.deref(node);
    if (n === undefined) return [];
    if (isSeq(n)) return n.items.map((i) => this.deref(i)).filter((i): i is Node => i !== undefined);
    return [n];
  }

  entries(node: unknown, depth = 0): Entry[] {
    const map = this.map(node);
    if (!map) return [];
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (key === '<<' && depth < 5) {
        for (const source of this.list(pair.value)) merged.push(...this.entries(source, depth + 1));
        continue;
      }
      if (key === null || key === undefined || typeof key === 'object') continue;
      own.push({ key: String(key), keyOffset: isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0, value: this.deref(pair.value) });
    }
    const names = new Set(own.map((e) => e.key));
    return [...own, ...merged.filter((e) => !names.has(e.key))];
  }

  entry(node: unknown, key: string): Entry | undefined {
    return this.entries(node).find((e) => e.key === key);
  }

  get(node: unknown, key: string): Node | undefined {
    return this.entry(node, key)?.value;
  }

  str(node: unknown): string | undefined {
    const n = this.deref(node);
    if (!isScalar(n) || n.value === null || n.value === undefined || typeof n.value === 'object') return undefined;
    return String(n.value);
  }

  scalar(node: unknown): Scalar | undefined {
    const n = this.deref(node);
    return isScalar(n) && n.value !== null && n.value !== undefined && typeof n.value !== 'object' ? n : undefined;
  }

  offset(node: unknown): number {
    const n = this.deref(node) ?? (node as Node | undefined);
    return n?.range?.[0] ?? 0;
  }

  end(node: unknown): number {
    const n = this.deref(node) ?? (node as Node | undefined);
    return n?.range?.[1] ?? this.offset(node);
  }

  /** A Script from a scalar or a (nested) list of scalars, e.g. GitLab's `script:`; non-scalar items are skipped. */
  script(node: unknown): Script | undefined {
    const scalars: Array<{ scalar: Scalar; value: string }> = [];
    const visit = (n: unknown, depth: number): void => {
      const d = this.deref(n);
      if (isScalar(d)) {
        const value = this.str(d);
        if (value !== undefined) scalars.push({ scalar: d, value });
      } else if (isSeq(d) && depth < 4) {
        for (const item of d.items) visit(item, depth + 1);
      }
    };
    visit(node, 0);
    return scalars.length ? scriptOf(this.path, this.source, scalars) : undefined;
  }

  /** Scalar values of a mapping, as Scripts (a step's `with:` or `inputs:`). */
  scripts(node: unknown): Record<string, Script> {
    const out: Record<string, Script> = {};
    for (const e of this.entries(node)) {
      const s = this.script(e.value);
      if (s) out[e.key] = s;
    }
    return out;
  }

  /** The plain JSON value of a node (aliases and merges resolved by the library). */
  json(node: unknown): unknown {
    const n = this.deref(node);
    try {
      return n?.toJSON(this.doc);
    } catch {
      return undefined;
    }
  }
}
