export interface SqlStatement {
  /** The statement without comments, whitespace collapsed, without the trailing semicolon. */
  text: string;
  /** Offset of the statement's first token in the file, and of its end. */
  start: number;
  end: number;
  /** 1-based line of the first token. */
  line: number;
}

/**
 * Splits SQL into statements, respecting `--` and nested `/* *\/` comments, quoted strings (incl. `E'..'` escapes),
 * quoted identifiers and PostgreSQL dollar quoting, so a semicolon inside a function body never splits it.
 */
export function splitSql(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let buffer = '';
  let start = -1;
  let line = 1;
  let startLine = 1;
  const flush = (end: number): void => {
    const text = buffer.replace(/\s+/g, ' ').trim();
    if (text && start !== -1) out.push({ text, start, end, line: startLine });
    buffer = '';
    start = -1;
  };
  const mark = (i: number): void => {
    if (start === -1) {
      start = i;
      startLine = line;
    }
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '\n') line++;
    if (c === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      buffer += ' ';
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql[i] === '\n') line++;
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      buffer += ' ';
      continue;
    }
    if (c === "'" || c === '"') {
      mark(i);
      const escapes = c === "'" && /[eE]$/.test(buffer);
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\n') line++;
        if (escapes && sql[j] === '\\') {
          j += 2;
          continue;
        }
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      buffer += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        mark(i);
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close === -1 ? sql.length : close + tag[0].length;
        for (let k = i; k < end; k++) if (sql[k] === '\n') line++;
        buffer += sql.slice(i, end);
        i = end;
        continue;
      }
    }
    if (c === ';') {
      flush(i);
      i++;
      continue;
    }
    if (!/\s/.test(c)) mark(i);
    buffer += c;
    i++;
  }
  flush(sql.length);
  return out;
}
