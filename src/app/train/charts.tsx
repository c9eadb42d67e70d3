import { memo, useDeferredValue, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { trainingTask } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatNumber, formatPercent } from '../format.ts';
import { ChartLegend, type LegendItem } from '../shell/ChartLegend.tsx';
import { chartColors, chartText } from '../shell/chart-style.ts';
import { SCORE_AXES } from '../shell/score-axis.ts';
import { Card } from '../shell/ui.tsx';
import { useDelayed } from '../shell/useDelayed.ts';
import { useThrottled } from '../shell/useThrottled.ts';
import { type ChanceLevels, chanceLevels, epochRows, type LossAxis, lossAxis, smoothLoss } from './chart-data.ts';
import { TASK_SCORES, type TaskScores } from '../../engine/tasks/score-names.ts';

/** How often the live loss curve redraws while steps stream in. */
const CHART_REFRESH_MS = 1000;

// recharts re-registers an axis or a series whenever one of its props is a new object, which
// costs an extra render per update: props that never change are made once, here.
const margin = { left: 8, right: 24, top: 8, bottom: 8 };
const stepLabel = { value: 'step', position: 'insideBottomRight', offset: -4, ...chartText } as const;
const lossTicks = [0, 1, 2, 3, 4].map((digits) => (v: number) => formatNumber(v, digits));
const lossTick = (axis: LossAxis) => lossTicks[Math.min(axis.digits, lossTicks.length - 1)]!;
const lossTooltip = (v: unknown) => (typeof v === 'number' ? formatNumber(v, 4) : String(v));
/** The scores chart redraws this long after the loss chart, so an epoch's end is two short tasks, not one long one. */
const SCORES_CHART_DELAY_MS = 120;

const noCounts: readonly never[] = [];

/** The loss axis for `values`, the same object for as long as its ticks stay: recharts redraws an axis whose props change. */
function useLossAxis(values: readonly (number | null)[]): LossAxis {
  const axis = lossAxis(values);
  return useMemo(() => axis, [axis.ticks.join(' ')]);
}

/** Plot heights: the presentation view fits the loss chart and the epoch charts in one 1280x800 screen. */
const heights = { loss: 300, epoch: 240, presentationLoss: 240, presentationEpoch: 120 } as const;

const lossLegend: readonly LegendItem[] = [
  { name: 'loss per step', color: chartColors.faint },
  { name: 'smoothed', color: chartColors.primary },
];

/**
 * Training loss per step, raw and smoothed: the curve that shows the model learning. The axes
 * are there before the first step (so the chart's first drawing does not land mid-training)
 * and span the whole run, so the curve fills in from left to right.
 */
export function LossChart() {
  const { latest, smoothing, setSmoothing, totalSteps, presentation } = useStudio(
    useShallow((s) => ({ latest: s.training.steps, smoothing: s.training.smoothing, setSmoothing: s.setSmoothing, totalSteps: s.training.totalSteps, presentation: s.ui.presentation })),
  );
  // Deferred: React draws the new curve in an interruptible render, not inside the store update.
  const steps = useDeferredValue(useThrottled(latest, CHART_REFRESH_MS));
  const data = useMemo(() => smoothLoss(steps, smoothing), [steps, smoothing]);
  const lastStep = data.at(-1)?.step ?? 1;
  const stepDomain = useMemo(() => [0, Math.max(totalSteps ?? 1, lastStep)] as const, [totalSteps, lastStep]);
  const axis = useLossAxis(useMemo(() => data.flatMap((p) => [p.loss, p.smoothed]), [data]));
  return (
    <Card title="Training loss (lower is better)" testId="loss-chart">
      <LossPlot data={data} stepDomain={stepDomain} axis={axis} height={presentation ? heights.presentationLoss : heights.loss} />
      <div className="field field-inline">
        <label htmlFor="smoothing">Smoothing {smoothing.toFixed(2)}</label>
        <input id="smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
      </div>
    </Card>
  );
}

/** After each epoch: training and validation loss and the task's two scores (accuracy and macro-F1 for classes), as charts and as a table. */
export function EpochMetrics() {
  const evals = useStudio((s) => s.training.evals);
  const scores = TASK_SCORES[useStudio(trainingTask)];
  const epochs = useStudio((s) => s.training.run?.settings.epochs ?? s.training.settings.epochs);
  const presentation = useStudio((s) => s.ui.presentation);
  // The run's validation rows once there is a run; before, those of the dataset on the data screen.
  const { labels, validationCounts } = useStudio(
    useShallow((s) => s.training.run ?? { labels: s.dataset.summary?.labels ?? noCounts, validationCounts: s.dataset.summary?.validationCounts ?? noCounts }),
  );
  const classChance = useMemo(() => chanceLevels(labels, validationCounts), [labels, validationCounts]);
  const hasValidation = classChance !== null || validationCounts.length === 0;
  const chance = scores.chance ? classChance : null;
  const series = useMemo(() => scoresSeriesOf(scores), [scores]);
  const rows = useDeferredValue(useMemo(() => epochRows(evals), [evals]));
  const scoreRows = useDelayed(rows, SCORES_CHART_DELAY_MS);
  const lastEpoch = rows.at(-1)?.epoch ?? 0;
  const epochDomain = useMemo(() => [0, Math.max(epochs, lastEpoch)] as const, [epochs, lastEpoch]);
  const axis = useLossAxis(useMemo(() => rows.flatMap((r) => [r.trainLoss, r.validationLoss]), [rows]));
  const height = presentation ? heights.presentationEpoch : heights.epoch;
  return (
    <Card title="After each epoch" testId="epoch-metrics">
      <div className={presentation ? 'epoch-charts epoch-charts-stacked' : 'epoch-charts'}>
        <EpochChart rows={rows} domain={epochDomain} series={epochLossSeries} axis={axis} scale={null} height={height} chance={null} />
        <EpochChart rows={scoreRows} domain={epochDomain} series={series} axis={null} scale={scores.scale} height={height} chance={chance} />
      </div>
      {rows.length === 0 ? (
        <p className="muted">{hasValidation ? 'The validation rows are scored at the end of each epoch; the first scores appear then.' : 'There are no validation rows, so nothing can be scored.'}</p>
      ) : (
        <table className="metrics-table">
          <thead>
            <tr>
              <th>Epoch</th>
              <th>Step</th>
              <th>Training loss</th>
              <th>Validation loss</th>
              {scores.accuracy !== null && <th>{capitalized(scores.accuracy)}</th>}
              <th>{capitalized(scores.macroF1)}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.step} data-testid="epoch-row">
                <td>{r.epoch}</td>
                <td>{r.step}</td>
                <td>{formatNumber(r.trainLoss, 4)}</td>
                <td>{formatNumber(r.validationLoss, 4)}</td>
                {scores.accuracy !== null && <td>{formatPercent(r.accuracy)}</td>}
                <td>{formatNumber(r.macroF1, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

type EpochRows = ReturnType<typeof epochRows>;
type EpochDomain = readonly [number, number];

interface EpochSeries {
  readonly key: 'trainLoss' | 'validationLoss' | 'accuracy' | 'macroF1';
  readonly legend: LegendItem;
  /** The training loss of an epoch without one is skipped over, not a gap. */
  readonly connectNulls?: boolean;
}

const epochLossSeries: readonly EpochSeries[] = [
  { key: 'trainLoss', legend: { name: 'training loss', color: chartColors.primary }, connectNulls: true },
  { key: 'validationLoss', legend: { name: 'validation loss', color: chartColors.secondary } },
];
/** The scores chart's lines, named as the task calls them; a task with one score draws one. */
function scoresSeriesOf(scores: TaskScores): EpochSeries[] {
  return [
    ...(scores.accuracy === null ? [] : [{ key: 'accuracy', legend: { name: scores.accuracy, color: chartColors.tertiary } } as const]),
    { key: 'macroF1', legend: { name: scores.macroF1, color: chartColors.primary, dashed: scores.accuracy !== null } },
  ];
}

function capitalized(name: string): string {
  return `${name[0]!.toUpperCase()}${name.slice(1)}`;
}

interface EpochChartProps {
  readonly rows: EpochRows;
  readonly domain: EpochDomain;
  readonly series: readonly EpochSeries[];
  /** The loss chart's axis; null for scores. */
  readonly axis: LossAxis | null;
  /** The scores' axis: 0-100%, or −1 to 1 for a correlation; null for the loss chart. */
  readonly scale: TaskScores['scale'] | null;
  readonly height: number;
  /** Marked on the scores chart: what a model that learned nothing scores. */
  readonly chance: ChanceLevels | null;
}

/** The chance levels as dashed lines: the uniform guess, and always answering the most common label when that differs. */
function chanceLines(chance: ChanceLevels | null): { y: number; legend: LegendItem }[] {
  if (!chance) return [];
  const uniform = { y: chance.uniform, legend: { name: `chance: guessing (${formatPercent(chance.uniform, 0)})`, color: chartColors.chance, dashed: true } };
  if (Math.abs(chance.majority - chance.uniform) < 0.005) return [uniform];
  return [uniform, { y: chance.majority, legend: { name: `always “${chance.majorityLabel}” (${formatPercent(chance.majority, 0)})`, color: chartColors.chanceMajority, dashed: true } }];
}

/** One per-epoch chart: losses on an axis fitted to them, or scores on 0-100% with the chance levels marked. */
const EpochChart = memo(function EpochChart({ rows, domain, series, axis, scale, height, chance }: EpochChartProps) {
  const marks = chanceLines(chance);
  const scoreAxis = SCORE_AXES[scale ?? 'share'];
  return (
    <div className="chart" data-testid={axis ? 'epoch-loss-chart' : 'epoch-score-chart'}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={rows} margin={margin}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="epoch" type="number" domain={domain} allowDecimals={false} tick={chartText} />
          {axis ? (
            <YAxis tick={chartText} domain={axis.domain} ticks={axis.ticks} tickFormatter={lossTick(axis)} width={64} />
          ) : (
            <YAxis tick={chartText} domain={scoreAxis.domain} ticks={scoreAxis.ticks} tickFormatter={scoreAxis.tickFormatter} width={56} />
          )}
          {marks.map((mark) => (
            <ReferenceLine key={mark.legend.name} y={mark.y} stroke={mark.legend.color} strokeWidth={2} strokeDasharray="6 4" />
          ))}
          <Tooltip formatter={axis ? lossTooltip : scoreAxis.tooltip} />
          {series.map((line) => (
            <Line
              key={line.key}
              dataKey={line.key}
              name={line.legend.name}
              stroke={line.legend.color}
              strokeWidth={3}
              strokeDasharray={line.legend.dashed ? '6 4' : undefined}
              connectNulls={line.connectNulls ?? false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <ChartLegend items={[...series.map((line) => line.legend), ...marks.map((mark) => mark.legend)]} />
    </div>
  );
});

/**
 * The plot alone, memoized: every step updates the store and re-renders LossChart, but the
 * plot's props change only when the throttled curve does, and a recharts redraw is the page's
 * most expensive work while training.
 */
const LossPlot = memo(function LossPlot({
  data,
  stepDomain,
  axis,
  height,
}: {
  readonly data: ReturnType<typeof smoothLoss>;
  readonly stepDomain: readonly [number, number];
  readonly axis: LossAxis;
  readonly height: number;
}) {
  return (
    <div className="chart chart-frame" data-points={data.length} data-loss-axis={axis.domain.join(' ')}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data} margin={margin}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={stepDomain} allowDecimals={false} tick={chartText} label={stepLabel} />
          <YAxis tick={chartText} domain={axis.domain} ticks={axis.ticks} tickFormatter={lossTick(axis)} width={64} />
          <Tooltip formatter={lossTooltip} />
          <Line dataKey="loss" name="loss per step" stroke={chartColors.faint} dot={false} strokeWidth={1.5} isAnimationActive={false} />
          <Line dataKey="smoothed" name="smoothed" stroke={chartColors.primary} dot={false} strokeWidth={3.5} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      {data.length === 0 && <p className="chart-empty">The loss of every step appears here as soon as training starts.</p>}
      <ChartLegend items={lossLegend} />
    </div>
  );
});
