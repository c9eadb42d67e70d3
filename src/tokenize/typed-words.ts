/**
 * A sentence typed by a person, as a token classifier's words: split at whitespace, as
 * `finetune-studio predict` splits a text column (a typed "[" is a character, never a JSON list).
 */
export function typedWords(text: string): string[] {
  return text.match(/\S+/g) ?? [];
}
