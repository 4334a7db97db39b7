import { describe, expect, it } from 'vitest';
import { KeywordIndex } from '../../src/audit/keywords.js';

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
});
