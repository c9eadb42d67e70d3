import { describe, expect, it } from 'vitest';
import { looksLikeConll, parseConll } from './parse-conll.ts';
import { parseText } from './parse.ts';

const conll2003 = '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n';

describe('CoNLL files', () => {
  it('reads one row per sentence, its words and its tags, with the line it starts on', () => {
    const table = parseConll('train.conll', conll2003);
    expect(table.columns).toEqual(['tokens', 'tags']);
    expect(table.rows).toEqual([
      { tokens: 'EU rejects German', tags: 'B-ORG O B-MISC' },
      { tokens: 'Peter Blackburn', tags: 'B-PER I-PER' },
    ]);
    expect(table.lines).toEqual([3, 7]);
  });

  it('is recognised by content in a .txt, and a CSV is not', () => {
    expect(looksLikeConll('Apple\tB-ORG\nrose\tO\n\nToday\tO\n')).toBe(true);
    expect(parseText('wnut.txt', 'Apple\tB-ORG\nrose\tO\n\nToday\tO\n').format).toEqual({ kind: 'conll' });
    expect(looksLikeConll('text,label\ngreat,pos\n\nbad,neg\n')).toBe(false);
    expect(looksLikeConll('a sentence with O\n\nanother with O\n')).toBe(false);
  });

  it('names the line that has a word without a tag', () => {
    expect(() => parseConll('ner.conll', 'EU B-ORG\nrejects\n')).toThrow(
      'ner.conll, line 2: has only "rejects". In a CoNLL file each line holds a word and its tag (such as O or B-PER), separated by a space or a tab.',
    );
  });
});
