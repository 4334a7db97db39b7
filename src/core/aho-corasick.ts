/**
 * An Aho–Corasick automaton over ASCII keywords (character codes 0–127): the keyword trie and its complete transition
 * table, so a scan reads every character once with one table load. Callers fold case themselves, if they want to.
 */
export interface Automaton {
  readonly states: number;
  /** The trie's own edges, edges[state * 128 + code]; -1 where there is none. */
  readonly edges: Int32Array;
  /** The complete transition table, delta[state * 128 + code]. */
  readonly delta: Int32Array;
  /** Failure links: the state of the longest proper suffix that is also a trie path. */
  readonly fail: Int32Array;
  /** The index (in the keyword list) of the keyword a state completes; -1 for none. */
  readonly word: Int32Array;
  /** 1 where a keyword ends at the state: its own, or one of its suffixes'. */
  readonly ends: Uint8Array;
  /** The states breadth-first: a state's failure target comes before it. */
  readonly order: Int32Array;
}

export function buildAutomaton(keywords: readonly string[]): Automaton {
  if (keywords.some((k) => k.length === 0 || !/^[\x00-\x7f]+$/.test(k))) throw new Error('keywords must be non-empty ASCII');
  const children: Array<Map<number, number>> = [new Map()];
  const word: number[] = [-1];
  keywords.forEach((k, id) => {
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
    if (word[s] === -1) word[s] = id;
  });
  const states = children.length;
  const edges = new Int32Array(states * 128).fill(-1);
  children.forEach((map, s) => {
    for (const [c, next] of map) edges[s * 128 + c] = next;
  });
  const delta = new Int32Array(states * 128);
  const fail = new Int32Array(states);
  const ends = Uint8Array.from(word, (w) => (w >= 0 ? 1 : 0));
  const order = new Int32Array(states);
  let tail = 1;
  for (const [c, s] of children[0]!) {
    delta[c] = s;
    order[tail++] = s;
  }
  // Breadth-first: a state's failure target is shallower, so its row and `ends` are final when read. A row starts as
  // a copy of its failure target's (native, 128 entries at once), then takes the state's own edges.
  for (let head = 1; head < tail; head++) {
    const s = order[head]!;
    const f = fail[s]!;
    if (ends[f] === 1) ends[s] = 1;
    delta.copyWithin(s * 128, f * 128, f * 128 + 128);
    for (const [c, child] of children[s]!) {
      fail[child] = delta[f * 128 + c]!;
      delta[s * 128 + c] = child;
      order[tail++] = child;
    }
  }
  return { states, edges, delta, fail, word: Int32Array.from(word), ends, order };
}

/**
 * An automaton's complete transition table by `(state << 7) | code`, its states renumbered so that those where a
 * keyword ends (the state's own or a suffix's) are the last ones, from `firstOutput` on: a scan tests for a match with
 * one comparison instead of a second table load. `column` is the code whose transitions a code takes (case folding).
 */
export function outputLastTable(
  automaton: Automaton,
  column: (code: number) => number = (code) => code,
): { next: Uint16Array | Int32Array; firstOutput: number; renumbered: Int32Array } {
  const { states, ends, delta } = automaton;
  // The root ends no keyword (none is empty) and keeps number 0.
  const renumbered = new Int32Array(states);
  let count = 0;
  for (let s = 0; s < states; s++) if (ends[s] === 0) renumbered[s] = count++;
  const firstOutput = count;
  for (let s = 0; s < states; s++) if (ends[s] === 1) renumbered[s] = count++;
  const next = states <= 0x10000 ? new Uint16Array(states * 128) : new Int32Array(states * 128);
  // The columns once, not a call per entry.
  const columns = Int32Array.from({ length: 128 }, (_, c) => column(c));
  for (let s = 0; s < states; s++) {
    const row = renumbered[s]! << 7;
    const from = s << 7;
    for (let c = 0; c < 128; c++) next[row | c] = renumbered[delta[from | columns[c]!]!]!;
  }
  return { next, firstOutput, renumbered };
}
