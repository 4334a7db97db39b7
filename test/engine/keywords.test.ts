import { afterAll, describe, expect, it } from 'vitest';
import { defineRule } from '../../src/core/define-rule.js';
import { KeywordIndex, KeywordSet, MentionIndex, keywordSetOf } from '../../src/audit/keywords.js';
import { buildAutomaton, outputLastTable } from '../../src/core/aho-corasick.js';
import { audit, flagRule, keys, readmeRule, removeTempDirs, tempDir, writeTree } from '../support/tree.js';
import { RepoModel } from '../../src/audit/model.js';

describe('keyword index (all rules’ pre-filters in one pass)', () => {
  const lists = [['req', 'request', 'app.get('], undefined, ['sql`', 'queryRaw'], ['he', 'she', 'his', 'hers'], ['é-only', 'plain'], []];
  const naive = (text: string) => lists.map((l) => l === undefined || l.some((k) => text.includes(k)));

  it('agrees with includes on text and on UTF-8 bytes', () => {
    const samples = [
      '',
      'const request = 1;',
      'app.get(x)',
      'prisma.$queryRaw`x`',
      'ushers',
      'hi s',
      'é-only here',
      'plain é',
      '\uFEFFreq',
      'ré-only',
      'sq' + 'l`',
      // Across the middle of the content, where the byte scan splits its two walks.
      'x'.repeat(10) + 'request' + 'x'.repeat(10),
      'x'.repeat(4) + 'app.get(' + 'x'.repeat(5),
    ];
    const index = new KeywordIndex(lists);
    for (const text of samples) {
      expect(index.match(text), text).toEqual(naive(text));
      expect(index.match(new TextEncoder().encode(text), () => text), `${text} (bytes)`).toEqual(naive(text));
    }
  });

  it('agrees with includes on random text', () => {
    const alphabet = 'reqsuthi`lé.$ (';
    const index = new KeywordIndex(lists);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 500; n++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      expect(index.match(text), text).toEqual(naive(text));
    }
  });

  it('agrees with includes on random keyword sets, text and bytes', () => {
    const alphabet = 'abc.(é€';
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const word = (max: number) => {
      let out = '';
      for (let i = 0, n = 1 + Math.floor(random() * max); i < n; i++) out += alphabet[Math.floor(random() * alphabet.length)];
      return out;
    };
    for (let round = 0; round < 50; round++) {
      const randomLists = Array.from({ length: 6 }, () => (random() < 0.15 ? undefined : Array.from({ length: Math.floor(random() * 4) }, () => word(4))));
      const index = new KeywordIndex(randomLists);
      for (let n = 0; n < 40; n++) {
        const text = word(60);
        const expected = randomLists.map((l) => l === undefined || l.some((k) => text.includes(k)));
        expect(index.match(text), `${JSON.stringify(randomLists)} in ${text}`).toEqual(expected);
        expect(index.match(new TextEncoder().encode(text), () => text), `${JSON.stringify(randomLists)} in ${text} (bytes)`).toEqual(expected);
      }
    }
  });
});

describe('RepoModel.mentions: a repository rule\'s keyword pre-filter', () => {
  const words = new KeywordSet(['drizzle-orm', 'Entity', 'café']);
  const file = (path: string, text: string, decode: () => void = () => undefined) => {
    const bytes = new TextEncoder().encode(text);
    return {
      path,
      size: bytes.length,
      get text() {
        decode();
        return text;
      },
      content: () => bytes,
    };
  };

  it('answers ASCII words from the raw bytes without decoding, and decodes only for a non-ASCII word', () => {
    let decoded = 0;
    const count = () => void decoded++;
    const model = new RepoModel('/repo', [
      file('a.ts', "import { pgTable } from 'drizzle-orm/pg-core';", count),
      file('b.ts', 'export const table = 1;', count),
      file('c.ts', 'const x = "café";', count),
    ]);
    decoded = 0; // the model's constructor reads package manifests only
    expect(model.mentions('a.ts', new KeywordSet(['drizzle-orm']))).toBe(true);
    expect(model.mentions('b.ts', new KeywordSet(['Entity', 'drizzle-orm']))).toBe(false);
    expect(decoded).toBe(0);
    expect(model.mentions('c.ts', words)).toBe(true);
    expect(model.mentions('b.ts', words)).toBe(false);
    expect(model.mentions('missing.ts', words)).toBe(false);
  });

  it('textMatches decodes and searches only a file whose bytes hold a word; without words it always searches', () => {
    let decoded = 0;
    const count = () => void decoded++;
    const model = new RepoModel('/repo', [file('k.yaml', 'apiVersion: apps/v1\nkind: Deployment\n', count), file('l.json', '{"kind": "Deployment"}', count)]);
    decoded = 0;
    const kind = /^kind:\s*Deployment$/m;
    expect(model.textMatches('l.json', /Deployment/, new KeywordSet(['apiVersion:']))).toBe(false);
    expect(decoded).toBe(0);
    expect(model.textMatches('k.yaml', kind, new KeywordSet(['apiVersion:']))).toBe(true);
    expect(model.textMatches('k.yaml', /kind: Job/, new KeywordSet(['apiVersion:']))).toBe(false);
    expect(model.textMatches('l.json', /Deployment/)).toBe(true);
    expect(model.textMatches('missing.yaml', /./)).toBe(false);
  });

  it('reads the text of a file given without raw bytes', () => {
    const model = new RepoModel('/repo', [{ path: 'e.ts', size: 20, text: '@Entity() class A {}' }]);
    expect(model.mentions('e.ts', words)).toBe(true);
    expect(model.mentions('e.ts', new KeywordSet(['Column']))).toBe(false);
  });
});

describe('MentionIndex: every shared keyword set answered in one pass per file', () => {
  it('scans a file once for all shared sets, and answers sets made later or not shared on their own', () => {
    const migrate = new KeywordSet(['runMigrations', 'umzug']);
    const entity = new KeywordSet(['@Entity']);
    const index = new MentionIndex();
    const bytes = new TextEncoder().encode("import { Umzug } from 'umzug';\nawait umzug.up();");
    let passes = 0;
    const counted = new Proxy(bytes, {
      get(target, key, receiver) {
        if (key === 'length') passes++;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : (value ?? Reflect.get(target, key, receiver));
      },
    });
    const text = () => 'never decoded';
    expect(index.mentions('m.ts', migrate, counted, text)).toBe(true);
    const afterFirst = passes;
    expect(afterFirst).toBeGreaterThan(0);
    expect(index.mentions('m.ts', entity, counted, text)).toBe(false);
    expect(index.mentions('m.ts', migrate, counted, text)).toBe(true);
    expect(passes).toBe(afterFirst); // the answers were remembered
    // A set shared after the index was built, and one never shared, are tested on the bytes themselves.
    const later = new KeywordSet(['await']);
    const own = new KeywordSet(['Umzug'], { shared: false });
    expect(later.id).toBeGreaterThan(migrate.id);
    expect(own.id).toBe(-1);
    expect(index.mentions('m.ts', later, counted, text)).toBe(true);
    expect(index.mentions('m.ts', own, counted, text)).toBe(true);
    expect(index.mentions('m.ts', new KeywordSet(['Sequelize'], { shared: false }), counted, text)).toBe(false);
    expect(new KeywordSet(['café']).id).toBe(-1); // non-ASCII: tested on the decoded text, never shared
  });

  it('keeps one shared set per file rule keyword list', () => {
    const list = ['fetch(', 'axios'];
    expect(keywordSetOf(list)).toBe(keywordSetOf(list));
    expect(keywordSetOf(list).words).toBe(list);
    expect(keywordSetOf([...list])).not.toBe(keywordSetOf(list));
  });
});

describe('file rules\' keywords on the main thread', () => {
  afterAll(removeTempDirs);
  const configWords = new KeywordSet(['config']);

  it('are answered from the model\'s pass: a file without them never reaches the rule, even one a repository rule scanned', async () => {
    const checked: string[] = [];
    const keyworded = defineRule({
      ...flagRule,
      meta: { ...flagRule.meta, id: 'test-keyworded' },
      scope: 'file',
      files: { keywords: ['FLAG'] },
      check(ctx) {
        checked.push(ctx.file.path);
        const at = ctx.file.text.indexOf('FLAG');
        if (at !== -1) ctx.report({ messageId: 'flag', data: { word: 'FLAG' }, line: ctx.position(at).line });
      },
    });
    // Asks about every file first, so that the answers of the engine's selection come from the model's memory.
    const scanning = defineRule({
      ...readmeRule,
      meta: { ...readmeRule.meta, id: 'test-scanning' },
      scope: 'repository',
      check(ctx) {
        for (const f of ctx.model.files) ctx.model.mentions(f.path, configWords);
      },
    });
    const root = writeTree(tempDir(), { 'a.ts': 'FLAG;\n', 'b.ts': 'const config = 1;\n', 'c.ts': '// flag, lower case\n', 'd.yaml': 'x: FLAG\n' });
    const report = await audit(root, [scanning, keyworded]);
    expect(keys(report)).toEqual(['a.ts:1 test-keyworded', 'd.yaml:1 test-keyworded']);
    expect(checked.sort()).toEqual(['a.ts', 'd.yaml']);
  });
});

describe('Aho–Corasick automaton (src/core/aho-corasick.ts)', () => {
  /** Every transition, failure link and output mark as their definitions say, from each state's path in the trie. */
  function checkAgainstDefinition(keywords: string[]): void {
    const automaton = buildAutomaton(keywords);
    const paths = new Map<string, number>([['', 0]]);
    const pathOf: string[] = [''];
    for (let head = 0; head < automaton.order.length; head++) {
      const s = automaton.order[head]!;
      for (let c = 0; c < 128; c++) {
        const child = automaton.edges[s * 128 + c]!;
        if (child >= 0) {
          pathOf[child] = pathOf[s]! + String.fromCharCode(c);
          paths.set(pathOf[child]!, child);
        }
      }
    }
    expect(paths.size).toBe(automaton.states);
    const longestSuffixState = (text: string, proper: boolean): number => {
      for (let i = proper ? 1 : 0; i <= text.length; i++) {
        const state = paths.get(text.slice(i));
        if (state !== undefined) return state;
      }
      return 0;
    };
    for (let s = 0; s < automaton.states; s++) {
      const path = pathOf[s]!;
      if (s > 0) expect(automaton.fail[s]).toBe(longestSuffixState(path, true));
      const ends = keywords.some((k) => path.endsWith(k));
      expect(automaton.ends[s]).toBe(ends ? 1 : 0);
      for (let c = 0; c < 128; c++) expect(automaton.delta[s * 128 + c]).toBe(longestSuffixState(path + String.fromCharCode(c), false));
    }
    // Breadth-first: every state after its failure target.
    const position = new Map(Array.from(automaton.order, (s, i) => [s, i]));
    for (let s = 1; s < automaton.states; s++) expect(position.get(automaton.fail[s]!)!).toBeLessThan(position.get(s)!);
  }

  it('builds the transitions, failure links and outputs the definitions give', () => {
    checkAgainstDefinition(['he', 'she', 'his', 'hers']);
    checkAgainstDefinition(['a', 'ab', 'bab', 'bc', 'bca', 'c', 'caa']);
    checkAgainstDefinition(['app.get(', 'req.params', 'params', 'sql`', 'queryRaw', 'Raw', 'aaaa', 'aa']);
  });

  it('renumbers states so that every state where a keyword ends comes last, a fold column applied', () => {
    const automaton = buildAutomaton(['key', 'secret', 'ret']);
    const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
    const { next, firstOutput, renumbered } = outputLastTable(automaton, fold);
    for (let s = 0; s < automaton.states; s++) {
      expect(renumbered[s]! >= firstOutput).toBe(automaton.ends[s] === 1);
      for (let c = 0; c < 128; c++) expect(next[(renumbered[s]! << 7) | c]).toBe(renumbered[automaton.delta[s * 128 + fold(c)]!]);
    }
  });
});
