/** Which files describe the schema an application runs on, and which part of a code migration applies it. */

/** Test data, examples and vendored copies describe no schema the application runs on. */
export const nonSchemaPath =
  /(?:^|\/)(?:node_modules|__tests__|__mocks__|__fixtures__|fixtures?|test-?data|testdata|tests?|spec|e2e|examples?|samples?|templates?|docs?|\.github)\//i;

/**
 * The part of a code migration that applies it: the `up` method or property, without `down` (which reverses it and
 * would drop what `up` created when replayed).
 */
export function upRange(text: string): { start: number; end: number } {
  const up = /\b(?:async\s+)?up\s*(?:\(|:|=)/.exec(text);
  const down = /\b(?:async\s+)?down\s*(?:\(|:|=)/.exec(text);
  if (!down) return { start: 0, end: text.length };
  if (!up || up.index > down.index) return { start: up ? up.index : text.length, end: text.length };
  return { start: up.index, end: down.index };
}
