/**
 * The y axis of a chart of scores, for the Train screen's epoch chart and the Runs screen's:
 * shares on 0–100%, or a correlation from −1 to 1 on its own round ticks. Each axis is made once,
 * since recharts re-registers an axis whenever one of its props is a new object.
 */
import type { TaskScores } from '../../engine/tasks/score-names.ts';
import { formatNumber, formatPercent } from '../format.ts';

export interface ScoreAxis {
  readonly domain: readonly [number, number];
  /** Undefined: recharts picks the ticks. */
  readonly ticks: readonly number[] | undefined;
  readonly tickFormatter: (value: number) => string;
  readonly tooltip: (value: unknown) => string;
}

export const SCORE_AXES: Readonly<Record<TaskScores['scale'], ScoreAxis>> = {
  share: {
    domain: [0, 1],
    ticks: undefined,
    tickFormatter: (v) => formatPercent(v, 0),
    tooltip: (v) => (typeof v === 'number' ? formatPercent(v) : String(v)),
  },
  correlation: {
    domain: [-1, 1],
    ticks: [-1, -0.5, 0, 0.5, 1],
    tickFormatter: (v) => formatNumber(v, 1),
    tooltip: (v) => (typeof v === 'number' ? formatNumber(v, 4) : String(v)),
  },
};
