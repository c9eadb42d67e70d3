import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guessColumns } from './columns.ts';
import { toExamples } from './examples.ts';
import { buildLabelSet, labelCounts } from './labels.ts';
import { parseTable } from './parse.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedData = path.resolve(repoRoot, '../shared/data');
const exists = existsSync(sharedData);
const skipReason = exists ? '' : ` (skipped: ${sharedData} does not exist)`;

describe('real shared datasets', () => {
  it.skipIf(!exists)(`reads sst2 and sms_spam train.csv with columns text,label${skipReason}`, () => {
    const expectations = [
      // Counts as listed in ../shared/data/README.md.
      { file: 'sst2/train.csv', counts: [['0', 29780], ['1', 37569]] },
      { file: 'sms_spam/train.csv', counts: [['ham', 3862], ['spam', 598]] },
    ];
    for (const { file, counts } of expectations) {
      const table = parseTable(file, readFileSync(path.join(sharedData, file), 'utf8'));
      expect(table.columns).toEqual(['text', 'label']);
      // The README promises one record per physical line, so row i sits on line i + 2.
      expect(table.lines.every((line, index) => line === index + 2)).toBe(true);
      const mapping = guessColumns(table);
      expect(mapping).toEqual({ text: 'text', label: 'label' });
      const { examples } = toExamples(table, mapping);
      expect(buildLabelSet(examples.map((example) => example.label))).toEqual(counts.map(([label]) => label));
      expect([...labelCounts(examples)]).toEqual(counts);
    }
  });
});
