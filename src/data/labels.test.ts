import { describe, expect, it } from 'vitest';
import { buildLabelSet, labelCounts, labelWarnings, requireLabelsSeenInTraining, requireUsableLabels } from './labels.ts';

describe('buildLabelSet', () => {
  it('orders integer labels numerically so their ids are their values', () => {
    expect(buildLabelSet(['2', '10', '0', '1', '2', '0'])).toEqual(['0', '1', '2', '10']);
    expect(buildLabelSet(['1', '-1', '0'])).toEqual(['-1', '0', '1']);
  });

  it('orders other labels by code unit, independent of locale', () => {
    expect(buildLabelSet(['spam', 'ham', 'Spam', 'ham'])).toEqual(['Spam', 'ham', 'spam']);
    expect(buildLabelSet(['10', '2', 'x'])).toEqual(['10', '2', 'x']);
    expect(buildLabelSet(['1.5', '1'])).toEqual(['1', '1.5']);
  });

  it('is empty for no labels', () => {
    expect(buildLabelSet([])).toEqual([]);
  });
});

describe('labelCounts', () => {
  it('counts examples per label in label-set order', () => {
    const examples = ['b', 'a', 'b', 'c', 'b'].map((label) => ({ text: 't', label }));
    expect([...labelCounts(examples)]).toEqual([
      ['a', 1],
      ['b', 3],
      ['c', 1],
    ]);
  });
});

describe('labelWarnings', () => {
  it('is silent for reasonable labels', () => {
    expect(labelWarnings(new Map([['a', 5], ['b', 50]]))).toEqual([]);
    expect(labelWarnings(new Map())).toEqual([]);
  });

  it('warns about labels with fewer than 2 examples', () => {
    expect(labelWarnings(new Map([['a', 3], ['b', 1]]))).toEqual([
      'Label "b" has only 1 example. Each label needs at least 2 (one to learn from and one to check the model with); add more examples of it or remove it.',
    ]);
  });

  it('warns when the largest label has more than 10 times the examples of the smallest', () => {
    expect(labelWarnings(new Map([['ham', 3862], ['spam', 59], ['other', 1000]]))).toEqual([
      'The labels are very unbalanced: "ham" has 3862 examples but "spam" has only 59 (65 times fewer). ' +
        'The model may learn to mostly answer "ham"; more "spam" examples would help.',
    ]);
    expect(labelWarnings(new Map([['a', 100], ['b', 10]]))).toEqual([]);
  });

  it('warns when there is only one label', () => {
    expect(labelWarnings(new Map([['yes', 40]]))).toEqual([
      'Only one label ("yes") was found. A classifier needs at least two different labels.',
    ]);
  });
});

describe('label checks before training', () => {
  const examples = (labels: string[]) => labels.map((label) => ({ text: 't', label }));

  it('refuses a single label in training data, not in a validation file', () => {
    expect(() => requireUsableLabels('train.csv', 'label', examples(['yes', 'yes']), 'training')).toThrow(
      'train.csv: the label column "label" has only one value ("yes"). A classifier needs at least two different labels; check the label column.',
    );
    expect(() => requireUsableLabels('val.csv', 'label', examples(['yes', 'yes']), 'validation')).not.toThrow();
  });

  it('refuses numbers mixed with words, naming both kinds and their row counts', () => {
    expect(() => requireUsableLabels('train.csv', 'label', examples(['0', '1', '1', 'positive', '0']), 'training')).toThrow(
      'train.csv: the label column "label" mixes numbers ("0", "1": 4 rows) and words ("positive": 1 row). Use one kind of label throughout: fix the rows with the odd ones out, or remove them.',
    );
    expect(() => requireUsableLabels('train.csv', 'label', examples(['1 star', '2 stars']), 'training')).not.toThrow();
  });

  it('refuses validation labels the training rows never have', () => {
    expect(() => requireLabelsSeenInTraining('train.csv', examples(['pos', 'neg']), 'val.csv', examples(['pos', 'neutral', 'neutral']))).toThrow(
      'val.csv: has label "neutral" (2 rows) that the training data (train.csv) never has, so the model could not learn it. Add training rows with that label, or remove them from the validation file.',
    );
    expect(() => requireLabelsSeenInTraining('train.csv', examples(['pos', 'neg']), 'val.csv', examples(['neg']))).not.toThrow();
  });
});
