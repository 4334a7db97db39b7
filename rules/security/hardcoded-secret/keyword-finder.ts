import { buildAutomaton, outputLastTable } from '../../../src/core/aho-corasick.js';

/** ASCII lower-casing by table. */
const fold = Uint8Array.from({ length: 128 }, (_, c) => (c >= 65 && c <= 90 ? c + 32 : c));

/**
 * The pre-pass's search for the next keyword, leftmost and then longest, ASCII case-insensitive: what a global
 * case-insensitive alternation of the keywords sorted longest first finds. Over two hundred alternatives cost irregexp
 * about as much per character as the rest of the rule did in all; an Aho–Corasick automaton reads each character once
 * with one table load, and only where a keyword ends does the trie look at the few characters before it.
 */
export class KeywordFinder {
  /** The automaton's transitions, upper-case letters taking those of lower-case ones (see `outputLastTable`). */
  private readonly transitions: Uint16Array | Int32Array;
  private readonly firstOutput: number;
  /** The trie's own edges, by state * 128 + code; -1 where there is none. */
  private readonly edges: Int32Array;
  /** The keyword a trie state completes, or undefined. */
  private readonly word: Array<string | undefined>;
  private readonly longest: number;

  constructor(keywords: readonly string[]) {
    const lowered = [...new Set(keywords.map((k) => k.toLowerCase()))];
    this.longest = Math.max(0, ...lowered.map((k) => k.length));

    const automaton = buildAutomaton(lowered);
    const { next, firstOutput } = outputLastTable(automaton, (c) => fold[c]!);
    this.transitions = next;
    this.firstOutput = firstOutput;
    this.edges = automaton.edges;
    this.word = Array.from(automaton.word, (id) => (id >= 0 ? lowered[id] : undefined));
  }

  /**
   * The first keyword occurrence starting at or after `from` (the longest one starting there), or undefined. The
   * automaton stops at the first character where a keyword ends; an occurrence starting `longest` or more characters
   * before it would have ended earlier, so the leftmost occurrence starts in the few characters before it.
   */
  next(text: string, from: number): { index: number; keyword: string } | undefined {
    const { transitions, firstOutput } = this;
    let s = 0;
    for (let i = from, n = text.length; i < n; i++) {
      const c = text.charCodeAt(i);
      // A non-ASCII character is in no keyword: back to the root.
      s = c < 128 ? transitions[(s << 7) | c]! : 0;
      if (s >= firstOutput) {
        for (let start = Math.max(from, i + 1 - this.longest); start <= i; start++) {
          const keyword = this.longestAt(text, start);
          if (keyword !== undefined) return { index: start, keyword };
        }
        throw new Error('keyword automaton and trie disagree');
      }
    }
    return undefined;
  }

  /** The longest keyword at `start`, by the trie. */
  private longestAt(text: string, start: number): string | undefined {
    const { edges, word } = this;
    let found: string | undefined;
    let s = 0;
    for (let i = start, n = text.length; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) break;
      s = edges[s * 128 + fold[c]!]!;
      if (s < 0) break;
      found = word[s] ?? found;
    }
    return found;
  }
}
