/** For tests: the task fields of a single-label dataset summary with these row counts. */
import type { DatasetSummary } from './protocol.ts';

export function singleLabelFields(trainRows: number, validationRows: number): Pick<DatasetSummary, 'task' | 'tagged' | 'tagNames' | 'trainRows' | 'validationRows' | 'scores' | 'entities'> {
  return {
    task: { id: 'single-label', guess: { id: 'single-label', reason: 'each row has one label' }, chosen: false, labelOptions: { labelSeparator: ';' } },
    tagged: false,
    tagNames: null,
    trainRows,
    validationRows,
    scores: null,
    entities: null,
  };
}
