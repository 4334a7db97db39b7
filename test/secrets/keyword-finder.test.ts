import { describe, expect, it } from 'vitest';
import { KeywordFinder } from '../../rules/security/hardcoded-secret/keyword-finder.js';

/** What the finder replaces: a global, case-insensitive alternation of the keywords, longest first. */
function byExpression(keywords: readonly string[], text: string): Array<[number, string]> {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const sorted = [...keywords].sort((a, b) => b.length - a.length || a.localeCompare(b));
  const re = new RegExp(sorted.map(escape).join('|'), 'gi');
  return [...text.matchAll(re)].map((m) => [m.index, m[0].toLowerCase()]);
}

function byFinder(keywords: readonly string[], text: string): Array<[number, string]> {
  const finder = new KeywordFinder(keywords);
  const out: Array<[number, string]> = [];
  for (let from = 0, m = finder.next(text, 0); m !== undefined; m = finder.next(text, from)) {
    out.push([m.index, m.keyword]);
    from = m.index + m.keyword.length;
  }
  return out;
}

describe('KeywordFinder', () => {
  const keywords = ['key', 'api_key', 'apikey', 'secret', 'secret_key', 'sk_live_', 'pass', 'password', 'token', 'bot_token', 'ken', 'dp.ct.'];

  it('finds the leftmost, then longest keyword, ignoring ASCII case, like the alternation it replaces', () => {
    const text = 'const API_KEY = x; SECRET_KEYS; sk_LIVE_abc; passwordpass; tokens BOT_TOKEN keN dp.ct.1 dpXct.';
    expect(byFinder(keywords, text)).toEqual(byExpression(keywords, text));
    expect(byFinder(keywords, text).slice(0, 3)).toEqual([[6, 'api_key'], [19, 'secret_key'], [32, 'sk_live_']]);
  });

  it('agrees with the alternation on overlapping and non-ASCII text', () => {
    let seed = 7;
    const pieces = ['key', 'ke', 'y', 'api', '_', 'secret', 'pass', 'word', 'tok', 'en', 'é', 'ſ', 'K', 'BOT', '\n', ' ', 'dp.', 'ct.'];
    for (let round = 0; round < 200; round++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += pieces[(seed = (seed * 48271) % 2147483647) % pieces.length];
      expect(byFinder(keywords, text)).toEqual(byExpression(keywords, text));
    }
  });

  it('reports nothing in text without keywords, and refuses non-ASCII keywords', () => {
    expect(byFinder(keywords, 'const a = 1; // nothing here')).toEqual([]);
    expect(() => new KeywordFinder(['clé'])).toThrow();
  });
});
