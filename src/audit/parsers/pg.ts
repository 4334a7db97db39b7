import { createRequire } from 'node:module';
import type { Node } from '@pgsql/types';
import { splitSql } from './sql.js';
import { lineStarts, positionAt } from '../text.js';

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

/**
 * libpg-query, required and its WebAssembly instantiated on first use: most runs and every worker never need it.
 * Required, not imported: an ES import of this CommonJS package makes Node lex its source for named exports, which
 * V8 then optimised several times over on the second core (see ignore.ts).
 */
let ready: Promise<LibPgQuery> | undefined;
let parseSync: LibPgQuery['parseSync'] | undefined;

/** libpg-query's own parse of one SQL text; only after a `parsePg` has loaded the library (throws otherwise). */
export function parsePgTree(sql: string): ReturnType<LibPgQuery['parseSync']> {
  if (!parseSync) throw new Error('libpg-query is not loaded: await parsePg() first');
  return parseSync(sql);
}

/** Byte offset → string offset for one text; identity for pure ASCII, which is the common case. */
function byteMapper(text: string): (byte: number) => number {
  if (/^[\x00-\x7f]*$/.test(text)) return (b) => b;
  const offsets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    // UTF-8 lengths; a lone surrogate is encoded as U+FFFD, three bytes.
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    for (let b = 0; b < bytes; b++) offsets.push(i);
    if (pair) i++;
  }
  return (b) => (b >= offsets.length ? text.length : offsets[b]!);
}

/** The 1-based line of an offset, as findings count lines: the file's line starts once, then a binary search each. */
function lineCounter(text: string): (offset: number) => number {
  const starts = lineStarts(text);
  return (offset) => positionAt(starts, offset).line;
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

function statementsOf(text: string, base: number, lineAt: (offset: number) => number): PgStatement[] {
  const toChar = byteMapper(text);
  const result = parsePgTree(text);
  return (result.stmts ?? []).flatMap((raw) => {
    if (!raw.stmt) return [];
    const from = toChar(raw.stmt_location ?? 0);
    const to = raw.stmt_len ? toChar((raw.stmt_location ?? 0) + raw.stmt_len) : text.length;
    const start = base + firstToken(text, from, to);
    return [{ node: raw.stmt, start, end: base + to, line: lineAt(start), offsetOf: (location: number) => base + toChar(location) }];
  });
}

/**
 * Parses PostgreSQL with PostgreSQL's own parser (libpg_query compiled to WebAssembly). A file that does not parse as
 * a whole is parsed statement by statement, so one foreign statement does not hide the rest.
 */
export async function parsePg(text: string): Promise<PgFile> {
  ready ??= (async () => {
    const lib = createRequire(import.meta.url)('libpg-query') as LibPgQuery;
    await lib.loadModule();
    parseSync = lib.parseSync;
    return lib;
  })();
  await ready;
  const lineAt = lineCounter(text);
  try {
    return { statements: statementsOf(text, 0, lineAt), errors: [] };
  } catch {
    const file: PgFile = { statements: [], errors: [] };
    for (const piece of splitSql(text)) {
      const source = text.slice(piece.start, piece.end);
      try {
        file.statements.push(...statementsOf(source, piece.start, lineAt));
      } catch (error) {
        file.errors.push({ line: piece.line, start: piece.start, end: piece.end, message: error instanceof Error ? error.message : String(error) });
      }
    }
    return file;
  }
}
