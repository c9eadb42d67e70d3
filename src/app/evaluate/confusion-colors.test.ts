import { describe, expect, it } from 'vitest';
import { contrastRatio } from '../shell/contrast.ts';
import { confusionCellFill } from './confusion-colors.ts';

const ink = '#1c2433';

describe('confusionCellFill', () => {
  it('keeps the count readable (4.5:1) on every fill, right or wrong, few or many', () => {
    for (let count = 0; count <= 50; count++) {
      for (const correct of [true, false]) expect(contrastRatio(ink, confusionCellFill(count, 50, correct)), `${count} ${correct}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('deepens with the count and tells right from wrong', () => {
    expect(confusionCellFill(0, 10, false)).toBe('#ffffff');
    expect(confusionCellFill(10, 10, true)).not.toBe(confusionCellFill(10, 10, false));
    expect(contrastRatio('#ffffff', confusionCellFill(10, 10, true))).toBeGreaterThan(contrastRatio('#ffffff', confusionCellFill(2, 10, true)));
  });
});
