import { describe, expect, it } from 'vitest';
import { decodeTaggedCell } from '../data/tagged-cells.ts';
import { typedWords } from './typed-words.ts';

describe('typedWords', () => {
  it('splits at any whitespace, as the CLI splits a text column', () => {
    const text = '  Grace\tmet  Ada in\nOslo. ';
    expect(typedWords(text)).toEqual(['Grace', 'met', 'Ada', 'in', 'Oslo.']);
    expect(typedWords(text)).toEqual(decodeTaggedCell(text, { file: 'typed', row: 1 }));
  });

  it('reads a sentence that starts like a JSON list as words, and blank text as none', () => {
    expect(typedWords('["Ada" met]')).toEqual(['["Ada"', 'met]']);
    expect(typedWords(' \n ')).toEqual([]);
  });
});
