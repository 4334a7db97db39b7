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

    // The trie.
    const children: Array<Map<number, number>> = [new Map()];
    const word: number[] = [-1];
    this.ascii.forEach((k, id) => {
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i);
        let next = children[s]!.get(c);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          word.push(-1);
          children[s]!.set(c, next);
        }
        s = next;
      }
      word[s] = id;
    });
    const states = children.length;
    const delta = new Int32Array(states * 128);
    const fail = new Int32Array(states);
    const dictLink = new Int32Array(states).fill(-1);
    // Breadth-first: a state's failure target is shallower, so its transitions are complete when needed.
    const queue: number[] = [];
    for (const [c, s] of children[0]!) {
      delta[c] = s;
      queue.push(s);
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      const f = fail[s]!;
      dictLink[s] = word[f]! >= 0 ? f : dictLink[f]!;
      for (let c = 0; c < 128; c++) {
        const child = children[s]!.get(c);
        if (child === undefined) delta[s * 128 + c] = delta[f * 128 + c]!;
        else {
          delta[s * 128 + c] = child;
          fail[child] = delta[f * 128 + c]!;
          queue.push(child);
        }
      }
    }
    this.delta = delta;
    this.word = Int32Array.from(word);
    this.dictLink = dictLink;
    this.hasOutput = new Uint8Array(states);
    for (let s = 0; s < states; s++) this.hasOutput[s] = word[s]! >= 0 || dictLink[s]! >= 0 ? 1 : 0;
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
