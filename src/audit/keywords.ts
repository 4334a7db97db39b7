import { buildAutomaton, outputLastTable } from '../core/aho-corasick.js';

/** Whether a keyword can be matched on raw bytes: an ASCII keyword is in the bytes exactly when it is in the text. */
const isAsciiWord = (keyword: string): boolean => /^[\x00-\x7f]+$/.test(keyword);

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
  /** The transitions and the first state where a keyword ends (see `outputLastTable`). */
  private readonly next: Uint16Array | Int32Array;
  private readonly firstOutput: number;
  /** Length of the longest ASCII keyword. */
  private readonly longest: number;
  /** Keyword ending at a state (-1 none) and the next state along the suffix links that ends a keyword (-1 none). */
  private readonly word: Int32Array;
  private readonly dictLink: Int32Array;

  constructor(keywordLists: ReadonlyArray<readonly string[] | undefined>) {
    const ids = new Map<string, number>();
    const otherIds = new Map<string, number>();
    for (const list of keywordLists) {
      for (const k of list ?? []) {
        if (isAsciiWord(k)) {
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
    const { next, firstOutput, renumbered } = outputLastTable(automaton);
    const word = new Int32Array(automaton.states).fill(-1);
    const dictLink = new Int32Array(automaton.states).fill(-1);
    for (const s of automaton.order) {
      if (s === 0) continue;
      const f = automaton.fail[s]!;
      word[renumbered[s]!] = automaton.word[s]!;
      dictLink[renumbered[s]!] = automaton.word[f]! >= 0 ? renumbered[f]! : dictLink[renumbered[f]!]!;
    }
    this.next = next;
    this.firstOutput = firstOutput;
    this.longest = Math.max(0, ...this.ascii.map((k) => k.length));
    this.word = word;
    this.dictLink = dictLink;
  }

  /**
   * Which lists the content satisfies: a list without keywords always, else when the content contains one of them.
   * `text` decodes the content, asked for only when a non-ASCII keyword must be tested.
   */
  match(content: string | Uint8Array, text: () => string = () => content as string): boolean[] {
    const found = this.found(content, text);
    return this.lists.map((_, i) => this.satisfies(found, i));
  }

  /** Which of the distinct keywords the content contains (1 or 0 each), for `satisfies`. */
  found(content: string | Uint8Array, text: () => string = () => content as string): Uint8Array {
    const found = new Uint8Array(this.ascii.length + this.other.length);
    if (this.ascii.length > 0) this.scan(content, found);
    for (let i = 0; i < this.other.length; i++) found[this.ascii.length + i] = text().includes(this.other[i]!) ? 1 : 0;
    return found;
  }

  /** Whether the keywords `found` in a content satisfy the list at `index`. */
  satisfies(found: Uint8Array, index: number): boolean {
    const list = this.lists[index];
    if (list === undefined) return true;
    for (let i = 0; i < list.length; i++) if (found[list[i]!] === 1) return true;
    return false;
  }

  /**
   * Text is scanned as its UTF-8 bytes: an ASCII keyword is in them exactly when it is in the text, and encoding (a
   * copy for ASCII text) and the byte walk take less time than a walk over the code units.
   */
  private scan(content: string | Uint8Array, found: Uint8Array): void {
    this.scanBytes(typeof content === 'string' ? Buffer.from(content, 'utf8') : content, found);
  }

  /**
   * Two automata walk the two halves side by side: each step waits on its previous table load, and two independent
   * chains of loads run in about the time of one. The first half runs on `longest - 1` bytes into the second, so that
   * a keyword across the middle is seen whole; a keyword seen by both is marked twice, which changes nothing.
   */
  private scanBytes(bytes: Uint8Array, found: Uint8Array): void {
    const { next, firstOutput } = this;
    const n = bytes.length;
    const half = n >> 1;
    const firstEnd = Math.min(n, half + this.longest - 1);
    let a = 0;
    let b = 0;
    let i = 0;
    let j = half;
    // Bytes of multi-byte characters (0x80 and up) send a walk back to the root, as a non-ASCII code unit does.
    for (; i < half; i++, j++) {
      const c = bytes[i]!;
      const d = bytes[j]!;
      a = c < 128 ? next[(a << 7) | c]! : 0;
      b = d < 128 ? next[(b << 7) | d]! : 0;
      if (a >= firstOutput) this.mark(a, found);
      if (b >= firstOutput) this.mark(b, found);
    }
    for (; i < firstEnd; i++) {
      const c = bytes[i]!;
      a = c < 128 ? next[(a << 7) | c]! : 0;
      if (a >= firstOutput) this.mark(a, found);
    }
    for (; j < n; j++) {
      const d = bytes[j]!;
      b = d < 128 ? next[(b << 7) | d]! : 0;
      if (b >= firstOutput) this.mark(b, found);
    }
  }

  private mark(state: number, found: Uint8Array): void {
    const { word, dictLink } = this;
    for (let s = word[state]! >= 0 ? state : dictLink[state]!; s >= 0; s = dictLink[s]!) found[word[s]!] = 1;
  }
}

/** Every shared `KeywordSet`, in the order made: `MentionIndex` answers them all in one pass per file. */
const shared: KeywordSet[] = [];
/** The automaton over the shared sets' words, rebuilt when sets were added since. */
let sharedIndex: { count: number; index: KeywordIndex } | undefined;

/**
 * One list of keywords, for a repository rule's "does this file mention any of them" pre-filter (`RepoModel.mentions`).
 * A set made once, when its module loads, is shared: `MentionIndex` tests it together with every other shared set.
 * A set made anew on every run or every call (`shared: false`) is tested on its own.
 */
export class KeywordSet {
  private ownIndex: KeywordIndex | undefined;
  /** Its place among the shared sets; -1 when not shared. */
  readonly id: number;

  constructor(
    readonly words: readonly string[],
    options: { shared?: boolean } = {},
  ) {
    // A non-ASCII word is searched in the decoded text: shared, it would have every file decoded.
    this.id = options.shared === false || words.some((w) => !isAsciiWord(w)) ? -1 : shared.push(this) - 1;
  }

  /** Whether the content contains one of the words; raw UTF-8 bytes are read as they are, never decoded. */
  test(content: string | Uint8Array, text?: () => string): boolean {
    // Built when first tested on its own: a shared set is answered by `MentionIndex` and may never need one.
    this.ownIndex ??= new KeywordIndex([this.words]);
    return this.ownIndex.satisfies(this.ownIndex.found(content, text), 0);
  }
}

const setsOfLists = new WeakMap<readonly string[], KeywordSet>();

/** The shared set of a file rule's keyword list: one per list, for as long as the rule is loaded. */
export function keywordSetOf(words: readonly string[]): KeywordSet {
  let set = setsOfLists.get(words);
  if (!set) setsOfLists.set(words, (set = new KeywordSet(words)));
  return set;
}

/**
 * Answers every shared `KeywordSet` for a file in one pass over its bytes, and remembers the answers per file: about
 * fifteen repository rules and model readers each ask about most TypeScript or configuration files, and one pass per
 * question read the same bytes that many times. A set shared after the first question is tested on its own.
 */
export class MentionIndex {
  /** Per file, which of the shared words it contains: a set is answered from them when asked. */
  private readonly found = new Map<string, Uint8Array>();
  private index: KeywordIndex | undefined;
  private count = 0;

  mentions(key: string, set: KeywordSet, content: string | Uint8Array, text: () => string): boolean {
    if (this.index === undefined) {
      if (sharedIndex?.count !== shared.length) sharedIndex = { count: shared.length, index: new KeywordIndex(shared.map((s) => s.words)) };
      ({ index: this.index, count: this.count } = sharedIndex);
    }
    if (set.id < 0 || set.id >= this.count) return set.test(content, text);
    let found = this.found.get(key);
    if (found === undefined) this.found.set(key, (found = this.index.found(content, text)));
    return this.index.satisfies(found, set.id);
  }
}
