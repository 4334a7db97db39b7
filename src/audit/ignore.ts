import { createRequire } from 'node:module';

/**
 * The `ignore` package (gitignore matching), required as the CommonJS module it is. An ES import of a CommonJS module
 * makes Node lex its source for named exports; on ignore's 50 KB that lexer ran hot enough for V8 to optimise it, four
 * compilations of about 0.1 s each on the second core, which the tree read and the main thread share.
 */
export const ignore = createRequire(import.meta.url)('ignore') as typeof import('ignore');
export type { Ignore } from 'ignore';
