/**
 * The task a label column suggests when none is chosen: the studio's Data screen and
 * `finetune-studio train` without --task. A guess with its reason, shown so it can be changed.
 */
import { type AnyTask } from './index.ts';
import { multiLabel } from './multi-label.ts';
import { regression } from './regression.ts';
import { singleLabel } from './single-label.ts';
import type { LabelOptions } from './task.ts';

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** Whole numbers with more distinct values than this are read as scores rather than class ids. */
const MOST_INTEGER_CLASSES = 20;

export interface TaskGuess {
  readonly task: AnyTask;
  readonly reason: string;
}

export function guessTask(cells: readonly string[], options: LabelOptions): TaskGuess {
  const values = cells.map((cell) => cell.trim()).filter((cell) => cell !== '');
  const example = (found: string | undefined) => (found === undefined ? '' : ` (such as ${JSON.stringify(found)})`);
  if (values.length > 0 && values.every((v) => NUMBER.test(v))) {
    const fraction = values.find((v) => !Number.isInteger(Number(v)));
    const distinct = new Set(values.map(Number)).size;
    if (fraction !== undefined) return { task: regression, reason: `every label is a number and some have decimals${example(fraction)}` };
    if (distinct > MOST_INTEGER_CLASSES) return { task: regression, reason: `every label is a whole number, with ${distinct} different values` };
  }
  const several = values.find((v) => v.startsWith('[') || v.includes(options.labelSeparator));
  if (several !== undefined) return { task: multiLabel, reason: `some rows have several labels${example(several)}` };
  return { task: singleLabel, reason: 'each row has one label' };
}
