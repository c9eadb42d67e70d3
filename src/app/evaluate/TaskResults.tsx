/**
 * The Evaluate screen's numbers for the tasks beyond single-label classification: multi-label
 * (micro/macro-F1, subset accuracy, per-label scores, the decision threshold), regression (MSE,
 * Pearson, Spearman, predicted against true scores) and token classification (entity scores
 * overall and per type, token accuracy), and the validation rows each task lists to read first.
 */
import { memo, type ReactNode } from 'react';
import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { EvaluationDetails, ScoredRow, TaggingMistake } from '../../../workers/protocol.ts';
import type { ClassMetrics } from '../../engine/metrics.ts';
import { THRESHOLD_GRID } from '../../engine/multi-label-metrics.ts';
import { type TaskMetrics, taskOfMetrics } from '../../engine/tasks/index.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatNumber, formatPercent } from '../format.ts';
import { ChartLegend } from '../shell/ChartLegend.tsx';
import { chartColors, chartText } from '../shell/chart-style.ts';
import { Card } from '../shell/ui.tsx';

type MetricsOf<Id extends TaskMetrics['task']> = Extract<TaskMetrics, { task: Id }>;
type DetailsOf<Id extends EvaluationDetails['task']> = Extract<EvaluationDetails, { task: Id }>;

/** The task's headline scores, as the model card lists them, and the rows they were measured on. */
export function TaskHeadline({ metrics }: { metrics: TaskMetrics }) {
  return (
    <div className="headline">
      {taskOfMetrics(metrics)
        .cardMetrics(metrics)
        .map((m) => (
          <div className="big-number" key={m.name}>
            <span className="big-value" data-testid={`eval-${m.name.toLowerCase().replace(/\s+/g, '-')}`}>
              {formatNumber(m.value, 3)}
            </span>
            <span className="big-label">{m.name}</span>
          </div>
        ))}
      <div className="big-number">
        <span className="big-value">{formatCount(metrics.examples)}</span>
        <span className="big-label">validation rows</span>
      </div>
    </div>
  );
}

/** A row of a scores table: a label's or an entity type's precision, recall, F1 and count in the truth (and among the predictions). */
interface ScoresRow extends ClassMetrics {
  readonly predicted?: number;
}

/** Precision, recall, F1 and rows of each label; `heading` names the first column and the counts. */
export function PerLabelTable({ scores, testId, heading = { name: 'Label', count: 'Rows' } }: { scores: readonly ScoresRow[]; testId: string; heading?: { name: string; count: string } }) {
  const predicted = scores.some((c) => c.predicted !== undefined);
  return (
    <table className="metrics-table" data-testid={testId}>
      <thead>
        <tr>
          <th>{heading.name}</th>
          <th>Precision</th>
          <th>Recall</th>
          <th>F1</th>
          <th>{heading.count}</th>
          {predicted && <th>Predicted</th>}
        </tr>
      </thead>
      <tbody>
        {scores.map((c) => (
          <tr key={c.label}>
            <td className="label-cell">{c.label}</td>
            <td>{formatPercent(c.precision)}</td>
            <td>{formatPercent(c.recall)}</td>
            <td>{formatNumber(c.f1, 3)}</td>
            <td>{formatCount(c.support)}</td>
            {predicted && <td>{formatCount(c.predicted ?? 0)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `fresh`: these metrics come from an evaluation of the model as it is now, which the threshold can score again. */
export function MultiLabelResults({ metrics, fresh }: { metrics: MetricsOf<'multi-label'>; fresh: boolean }) {
  return (
    <>
      <TaskHeadline metrics={metrics} />
      <Card title="Decision threshold" wide testId="threshold">
        {fresh ? <ThresholdControl metrics={metrics} /> : <p className="muted">Scored at a threshold of {formatNumber(metrics.threshold, 2)}; pause or finish the run to choose another.</p>}
      </Card>
      <Card title="Per label" wide>
        {/* GoEmotions has 28 labels: the table scrolls in its own box so Try it stays near. Focusable, for keyboard scrolling. */}
        <div className="table-scroll table-tall" tabIndex={0} role="region" aria-label="Scores per label, scrollable">
          <PerLabelTable scores={metrics.perLabel} testId="per-label" />
        </div>
      </Card>
    </>
  );
}

function ThresholdControl({ metrics }: { metrics: MetricsOf<'multi-label'> }) {
  const { threshold, setThreshold, tuneThreshold } = useStudio(useShallow((s) => ({ threshold: s.evaluation.threshold, setThreshold: s.setThreshold, tuneThreshold: s.tuneThreshold })));
  const { tuned } = metrics;
  const [lowest, highest] = [THRESHOLD_GRID[0]!, THRESHOLD_GRID.at(-1)!];
  return (
    <>
      <div className="threshold-row">
        <label htmlFor="threshold-input">A label is predicted when its probability reaches</label>
        <input
          id="threshold-input"
          data-testid="threshold-input"
          type="range"
          min={lowest}
          max={highest}
          step={THRESHOLD_GRID[1]! - lowest}
          value={threshold}
          onChange={(e) => setThreshold(Number(e.target.value))}
        />
        <output htmlFor="threshold-input" className="threshold-value" data-testid="threshold-value">
          {formatNumber(threshold, 2)}
        </output>
        <button type="button" className="button" data-testid="tune-threshold" disabled={tuned.threshold === threshold} onClick={tuneThreshold}>
          Tune on validation: {formatNumber(tuned.threshold, 2)}
        </button>
      </div>
      <p className="muted" data-testid="threshold-note">
        The scores above are at {formatNumber(metrics.threshold, 2)}, recomputed from the model’s last answers on the validation rows (no retraining). The
        best micro-F1 on these rows is <span data-testid="tuned-micro-f1">{formatNumber(tuned.microF1, 3)}</span>, at {formatNumber(tuned.threshold, 2)}; tuned on the same rows, it flatters the model a
        little. Try it uses the threshold too.
      </p>
    </>
  );
}

export function RegressionResults({ metrics, details }: { metrics: MetricsOf<'regression'>; details: DetailsOf<'regression'> | null }) {
  return (
    <>
      <TaskHeadline metrics={metrics} />
      {details && (
        <Card title="Predicted against true score" wide>
          <ScoreScatter points={details.points} />
        </Card>
      )}
    </>
  );
}

const scatterLegend = [
  { name: 'a validation row', color: chartColors.primary },
  { name: 'predicted = true', color: chartColors.chance, dashed: true },
];

/** The same range for both axes, from and to a multiple of a round step (0.5, 1, 2, 5…) so the ticks are round too. */
export function roundedDomain(values: readonly number[]): [number, number] {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const span = high - low || 1;
  const power = 10 ** Math.floor(Math.log10(span));
  const step = [1, 2, 5, 10].map((m) => (m * power) / 5).find((s) => span / s <= 10)!;
  const from = Math.floor(low / step) * step;
  const to = Math.ceil(high / step) * step;
  return [from, to > from ? to : from + step];
}

/** Every row's predicted score against its true one: on the dashed line, the prediction is exact. */
const ScoreScatter = memo(function ScoreScatter({ points }: { points: readonly ScoredRow[] }) {
  const domain = roundedDomain(points.flatMap((p) => [p.truth, p.predicted]));
  const ticks = (v: number) => formatNumber(v, 1);
  return (
    <div className="chart" data-testid="regression-scatter" data-points={points.length} role="img" aria-label={`Predicted against true score for ${points.length} validation rows`}>
      <ResponsiveContainer width="100%" height={360}>
        <ScatterChart margin={{ left: 8, right: 16, top: 8, bottom: 24 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="truth" name="true score" domain={domain} tick={chartText} tickFormatter={ticks} label={{ value: 'true score', position: 'insideBottom', offset: -12, ...chartText }} />
          <YAxis type="number" dataKey="predicted" name="predicted score" domain={domain} tick={chartText} tickFormatter={ticks} width={56} label={{ value: 'predicted', angle: -90, position: 'insideLeft', ...chartText }} />
          <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? formatNumber(v, 3) : String(v))} />
          <ReferenceLine segment={[{ x: domain[0], y: domain[0] }, { x: domain[1], y: domain[1] }]} stroke={chartColors.chance} strokeWidth={2} strokeDasharray="6 4" ifOverflow="hidden" />
          <Scatter data={[...points]} fill={chartColors.primary} fillOpacity={0.55} isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
      <ChartLegend items={scatterLegend} />
    </div>
  );
});

export function TokenClassificationResults({ metrics }: { metrics: MetricsOf<'token-classification'> }) {
  return (
    <>
      <TaskHeadline metrics={metrics} />
      <Card title="Per entity type" wide>
        <PerLabelTable scores={metrics.perType.map(({ type, ...scores }) => ({ label: type, ...scores }))} testId="per-entity-type" heading={{ name: 'Entity type', count: 'Entities' }} />
        <p className="muted">
          An entity counts as found when its type, first and last word all match (seqeval). Token accuracy is the share of the {formatCount(metrics.words)} words tagged
          right, “O” included.
        </p>
      </Card>
    </>
  );
}

/** The rows each task lists to read first, below Try it. Single-label's are MistakesByLabel (ResultDetails.tsx). */
export function TaskRows({ details }: { details: Exclude<EvaluationDetails, { task: 'single-label' }> }) {
  switch (details.task) {
    case 'multi-label':
      return <LabelSetMistakes details={details} />;
    case 'regression':
      return <LargestErrors details={details} />;
    case 'token-classification':
      return <TaggingMistakes details={details} />;
  }
}

const labelList = (labels: readonly string[]) => (labels.length === 0 ? 'none' : labels.join(', '));

interface Cell {
  readonly content: ReactNode;
  readonly className?: string;
}

/** A card listing validation rows under `headings`, one cell per heading; `none` when no row is listed. */
function WorstRowsCard({ title, none, headings, rows }: { title: string; none: string; headings: readonly string[]; rows: readonly { key: number; cells: readonly Cell[] }[] }) {
  return (
    <Card title={title} testId="worst-rows" wide>
      {rows.length === 0 ? (
        <p>{none}</p>
      ) : (
        <table className="metrics-table worst">
          <thead>
            <tr>
              {headings.map((h) => (
                <th key={h}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-testid="worst-row">
                {r.cells.map((c, i) => (
                  <td key={i} className={c.className}>
                    {c.content}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function LabelSetMistakes({ details }: { details: DetailsOf<'multi-label'> }) {
  const rows = details.worst.map((r) => ({
    key: r.index,
    cells: [
      { content: r.text, className: 'text-cell' },
      { content: labelList(r.truth), className: 'label-cell' },
      { content: labelList(r.predicted), className: 'label-cell wrong' },
    ],
  }));
  return <WorstRowsCard title="The label sets it got most wrong" none="Every validation row got exactly its labels." headings={['Text', 'True labels', 'Model said']} rows={rows} />;
}

function LargestErrors({ details }: { details: DetailsOf<'regression'> }) {
  const rows = details.worst.map((r) => ({
    key: r.index,
    cells: [
      { content: r.text, className: 'text-cell' },
      { content: formatNumber(r.truth, 2) },
      { content: formatNumber(r.predicted, 2) },
      { content: `${r.predicted >= r.truth ? '+' : '−'}${formatNumber(Math.abs(r.predicted - r.truth), 2)}`, className: 'wrong' },
    ],
  }));
  return <WorstRowsCard title="The largest errors" none="There are no validation rows." headings={['Text', 'True score', 'Predicted', 'Error']} rows={rows} />;
}

/** A sentence with its wrongly tagged words marked, saying the true and the predicted tag. */
function MarkedMistakes({ mistake }: { mistake: TaggingMistake }) {
  return mistake.truth.map((tag, i) => {
    const word = mistake.words[i] ?? `word ${i + 1}`;
    return tag === mistake.predicted[i] ? (
      `${word} `
    ) : (
      <span key={i}>
        <mark className="tag-mistake">
          {word} <span className="entity-type">{`${tag} → ${mistake.predicted[i]}`}</span>
        </mark>{' '}
      </span>
    );
  });
}

function TaggingMistakes({ details }: { details: DetailsOf<'token-classification'> }) {
  const rows = details.worst.map((r) => ({
    key: r.index,
    cells: [{ content: <MarkedMistakes mistake={r} />, className: 'text-cell' }, { content: formatCount(r.wrongWords) }],
  }));
  return (
    <WorstRowsCard
      title="The sentences with the most wrong tags"
      none="Every word of the validation sentences got its tag."
      headings={['Sentence (wrong words: true tag → model’s tag)', 'Wrong words']}
      rows={rows}
    />
  );
}
