import type { Node } from '@pgsql/types';
import { splitSql } from './sql.js';

export type PgNode = Node;

export interface PgStatement {
  /** The statement's parse tree (libpg_query's JSON: `{ CreateStmt: {...} }`). */
  node: PgNode;
  /** String offsets of the statement in the file, and its 1-based first line. */
  start: number;
  end: number;
  line: number;
  /** Converts a `location` found inside `node` (a UTF-8 byte offset in the parsed text) to a file string offset. */
  offsetOf(location: number): number;
}

export interface PgFile {
  statements: PgStatement[];
  /** Statements PostgreSQL's parser rejected (another dialect, a templating placeholder, a typo). */
  errors: Array<{ line: number; start: number; end: number; message: string }>;
}

type LibPgQuery = typeof import('libpg-query');

/** libpg-query, imported and its WebAssembly instantiated on first use: most runs and every worker never need it. */
let ready: Promise<LibPgQuery> | undefined;
let parseSync: LibPgQuery['parseSync'];

/** Byte offset → string offset for one text; identity for pure ASCII, which is the common case. */
function byteMapper(text: string): (byte: number) => number {
  if (/^[\x00-\x7f]*$/.test(text)) return (b) => b;
  const encoder = new TextEncoder();
  const offsets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    const bytes = encoder.encode(String.fromCodePoint(code)).length;
    for (let b = 0; b < bytes; b++) offsets.push(i);
    i += units - 1;
  }
  return (b) => (b >= offsets.length ? text.length : offsets[b]!);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function firstToken(text: string, from: number, to: number): number {
  let i = from;
  for (;;) {
    while (i < to && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 || nl > to ? to : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 || close > to ? to : close + 2;
    } else return i;
  }
}

function statementsOf(text: string, base: number, fileText: string): PgStatement[] {
  const toChar = byteMapper(text);
  const result = parseSync(text);
  return (result.stmts ?? []).flatMap((raw) => {
    if (!raw.stmt) return [];
    const from = toChar(raw.stmt_location ?? 0);
    const to = raw.stmt_len ? toChar((raw.stmt_location ?? 0) + raw.stmt_len) : text.length;
    const start = base + firstToken(text, from, to);
    return [{ node: raw.stmt, start, end: base + to, line: lineAt(fileText, start), offsetOf: (location: number) => base + toChar(location) }];
  });
}

/**
 * Parses PostgreSQL with PostgreSQL's own parser (libpg_query compiled to WebAssembly). A file that does not parse as
 * a whole is parsed statement by statement, so one foreign statement does not hide the rest.
 */
export async function parsePg(text: string): Promise<PgFile> {
  ready ??= import('libpg-query').then(async (lib) => {
    await lib.loadModule();
    parseSync = lib.parseSync;
    return lib;
  });
  await ready;
  try {
    return { statements: statementsOf(text, 0, text), errors: [] };
  } catch {
    const file: PgFile = { statements: [], errors: [] };
    for (const piece of splitSql(text)) {
      const source = text.slice(piece.start, piece.end);
      try {
        file.statements.push(...statementsOf(source, piece.start, text));
      } catch (error) {
        file.errors.push({ line: piece.line, start: piece.start, end: piece.end, message: error instanceof Error ? error.message : String(error) });
      }
    }
    return file;
  }
}
