import { buildAutomaton } from '../core/aho-corasick.js';

/**
 * Keyword pre-filters of all file rules, answered in one pass over a file. Testing every rule's keywords with
 * `includes` scans a file once per keyword that is absent — about 160 distinct keywords, 370 tests per TypeScript file —
 * and cost more than parsing the file. An Aho–Corasick automaton over the distinct ASCII keywords reads every byte
 * once.
 *
 * Matching is on UTF-16 code units of the text, or on the raw UTF-8 bytes before decoding: an ASCII keyword is in the
 * bytes exactly when it is in the decoded text (decoding never consumes an ASCII byte, and every byte of a multi-byte
 * character is ≥ 0x80). Keywords with non-ASCII characters, rare, are tested with `includes` on the text.
 */
export class KeywordIndex {
  /** Distinct ASCII keywords. */
  private readonly ascii: string[] = [];
  /** Distinct non-ASCII keywords, tested with `includes`. */
  private readonly other: string[] = [];
  /** For every list: indexes of its ASCII keywords, then (offset by ascii.length) its other keywords; undefined: no filter. */
  private readonly lists: Array<Int32Array | undefined>;
  /** Full transition table: delta[state * 128 + byte]. */
  private readonly delta: Int32Array;
  /** Keyword ending at a state (-1 none) and the next state along the suffix links that ends a keyword (-1 none). */
  private readonly word: Int32Array;
  private readonly dictLink: Int32Array;
  private readonly hasOutput: Uint8Array;

  constructor(keywordLists: ReadonlyArray<readonly string[] | undefined>) {
    const ids = new Map<string, number>();
    const otherIds = new Map<string, number>();
    for (const list of keywordLists) {
      for (const k of list ?? []) {
        if (/^[\x00-\x7f]+$/.test(k)) {
          if (!ids.has(k)) ids.set(k, ids.size);
        } else if (!otherIds.has(k)) otherIds.set(k, otherIds.size);
      }
    }
    this.ascii = [...ids.keys()];
    this.other = [...otherIds.keys()];
    this.lists = keywordLists.map((list) =>
      list === undefined ? undefined : Int32Array.from(list.map((k) => ids.get(k) ?? this.ascii.length + otherIds.get(k)!)),
    );

    const automaton = buildAutomaton(this.ascii);
    const dictLink = new Int32Array(automaton.states).fill(-1);
    for (const s of automaton.order) {
      if (s === 0) continue;
      const f = automaton.fail[s]!;
      dictLink[s] = automaton.word[f]! >= 0 ? f : dictLink[f]!;
    }
    this.delta = automaton.delta;
    this.word = automaton.word;
    this.dictLink = dictLink;
    this.hasOutput = automaton.ends;
  }

  /**
   * Which lists the content satisfies: a list without keywords always, else when the content contains one of them.
   * `text` decodes the content, asked for only when a non-ASCII keyword must be tested.
   */
  match(content: string | Uint8Array, text: () => string = () => content as string): boolean[] {
    const found = new Uint8Array(this.ascii.length + this.other.length);
    if (this.ascii.length > 0) this.scan(content, found);
    for (let i = 0; i < this.other.length; i++) found[this.ascii.length + i] = text().includes(this.other[i]!) ? 1 : 0;
    return this.lists.map((list) => {
      if (list === undefined) return true;
      for (let i = 0; i < list.length; i++) if (found[list[i]!] === 1) return true;
      return false;
    });
  }

  private scan(content: string | Uint8Array, found: Uint8Array): void {
    const { delta, hasOutput } = this;
    let s = 0;
    if (typeof content === 'string') {
      for (let i = 0, n = content.length; i < n; i++) {
        const c = content.charCodeAt(i);
        s = c < 128 ? delta[s * 128 + c]! : 0;
        if (hasOutput[s] === 1) this.mark(s, found);
      }
    } else {
      for (let i = 0, n = content.length; i < n; i++) {
        const c = content[i]!;
        s = c < 128 ? delta[s * 128 + c]! : 0;
        if (hasOutput[s] === 1) this.mark(s, found);
      }
    }
  }

  private mark(state: number, found: Uint8Array): void {
    const { word, dictLink } = this;
    for (let s = word[state]! >= 0 ? state : dictLink[state]!; s >= 0; s = dictLink[s]!) found[word[s]!] = 1;
  }
}
