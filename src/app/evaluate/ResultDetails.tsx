/**
 * Looking inside the evaluation: the confusion matrix whose cells list their validation rows,
 * the mistakes filtered by true and predicted label, and precision and recall per class as bars.
 */
import { memo } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { InspectedRow, RowFilter, WorstRow } from '../../../workers/protocol.ts';
import type { ClassificationMetrics } from '../../engine/metrics.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatPercent } from '../format.ts';
import { ChartLegend } from '../shell/ChartLegend.tsx';
import { chartColors, chartText } from '../shell/chart-style.ts';
import { Card } from '../shell/ui.tsx';
import { confusionCellFill } from './confusion-colors.ts';

/** Above this many labels, upright column labels no longer fit: cells shrink and the labels turn. */
const COMPACT_MATRIX_LABELS = 6;

const isCell = (filter: RowFilter | null): filter is RowFilter & { truth: number; predicted: number } => filter !== null && !filter.errorsOnly && filter.truth !== null && filter.predicted !== null;

/** Rows are the true labels, columns the predictions; with `clickable`, each cell lists its rows. */
export function ConfusionMatrix({ metrics, clickable }: { metrics: ClassificationMetrics; clickable: boolean }) {
  const labels = metrics.perClass.map((c) => c.label);
  const max = Math.max(1, ...metrics.confusion.flat());
  const filter = useStudio((s) => s.evaluation.inspectFilter);
  const inspectRows = useStudio((s) => s.inspectRows);
  return (
    // Focusable, so keyboard users can scroll it when a long label list still overflows.
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Confusion matrix, scrollable">
      <table className={labels.length > COMPACT_MATRIX_LABELS ? 'confusion confusion-compact' : 'confusion'} data-testid="confusion-matrix">
        <thead>
          <tr>
            <th className="corner">true ↓ · predicted →</th>
            {labels.map((l) => (
              <th key={l} scope="col" title={l}>
                <span className="confusion-label">{l}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {metrics.confusion.map((row, t) => (
            <tr key={labels[t]}>
              <th scope="row" title={labels[t]}>
                <span className="confusion-label">{labels[t]}</span>
              </th>
              {row.map((n, p) => {
                const chosen = isCell(filter) && filter.truth === t && filter.predicted === p;
                const classes = [t === p ? 'diagonal' : '', chosen ? 'cell-chosen' : ''].filter((c) => c !== '').join(' ');
                return (
                  <td key={p} style={{ background: confusionCellFill(n, max, t === p) }} className={classes || undefined}>
                    {clickable && n > 0 ? (
                      <button
                        type="button"
                        className="cell-button"
                        data-testid={`confusion-cell-${t}-${p}`}
                        aria-label={`${formatCount(n)} rows of ${labels[t]} predicted as ${labels[p]}: list them`}
                        aria-pressed={chosen}
                        onClick={() => inspectRows(chosen ? null : { truth: t, predicted: p, errorsOnly: false })}
                      >
                        {formatCount(n)}
                      </button>
                    ) : (
                      formatCount(n)
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {clickable && <p className="muted">Click a number to read the rows behind it.</p>}
    </div>
  );
}

/** The rows of the chosen confusion-matrix cell, with every label's probability. */
export function CellRows({ labels }: { labels: readonly string[] }) {
  const { filter, inspected } = useStudio(useShallow((s) => ({ filter: s.evaluation.inspectFilter, inspected: s.evaluation.inspected })));
  const inspectRows = useStudio((s) => s.inspectRows);
  if (!isCell(filter)) return null;
  const ready = inspected !== null && isCell(inspected.filter) && inspected.filter.truth === filter.truth && inspected.filter.predicted === filter.predicted;
  return (
    <Card title={`True ${labels[filter.truth]}, predicted ${labels[filter.predicted]}`} testId="cell-rows" wide>
      {!ready ? (
        <p className="muted">Finding the rows…</p>
      ) : (
        <>
          <p className="muted">
            {inspected.total > inspected.rows.length ? `The ${inspected.rows.length} hardest of ${formatCount(inspected.total)} rows` : `${formatCount(inspected.total)} rows`}, the least sure
            first.
          </p>
          <RowsTable rows={inspected.rows} labels={labels} />
        </>
      )}
      <button type="button" className="button" onClick={() => inspectRows(null)}>
        Close
      </button>
    </Card>
  );
}

/** The most confident mistakes, narrowed by their true and predicted label. */
export function MistakesByLabel({ labels, worst }: { labels: readonly string[]; worst: readonly WorstRow[] }) {
  const { filter, inspected } = useStudio(useShallow((s) => ({ filter: s.evaluation.inspectFilter, inspected: s.evaluation.inspected })));
  const inspectRows = useStudio((s) => s.inspectRows);
  const errors = filter?.errorsOnly ? filter : null;
  const choose = (truth: number | null, predicted: number | null) => inspectRows(truth === null && predicted === null ? null : { truth, predicted, errorsOnly: true });
  const listed =
    errors === null
      ? worst.map((w) => ({ index: w.index, text: w.text, truth: labels.indexOf(w.truth), predicted: labels.indexOf(w.predicted), probabilities: labels.map((l) => (l === w.predicted ? w.confidence : Number.NaN)) }))
      : inspected?.filter.errorsOnly && inspected.filter.truth === errors.truth && inspected.filter.predicted === errors.predicted
        ? inspected.rows
        : null;
  const select = (id: string, label: string, value: number | null, onChange: (v: number | null) => void) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} data-testid={id} value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}>
        <option value="">any</option>
        {labels.map((l, i) => (
          <option key={l} value={i}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <Card title="The mistakes it was surest about" testId="worst-rows" wide>
      <div className="field-row">
        {select('worst-truth', 'True label', errors?.truth ?? null, (t) => choose(t, errors?.predicted ?? null))}
        {select('worst-predicted', 'Model said', errors?.predicted ?? null, (p) => choose(errors?.truth ?? null, p))}
      </div>
      {listed === null ? <p className="muted">Finding the rows…</p> : listed.length === 0 ? <p>No validation row was misclassified{errors ? ' this way' : ''}.</p> : <RowsTable rows={listed} labels={labels} />}
    </Card>
  );
}

function RowsTable({ rows, labels }: { rows: readonly InspectedRow[]; labels: readonly string[] }) {
  return (
    <table className="metrics-table worst" data-testid="inspected-rows">
      <thead>
        <tr>
          <th>Text</th>
          <th>True label</th>
          <th>Model said</th>
          <th>Probabilities</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.index} data-testid="inspected-row">
            <td className="text-cell">{r.text}</td>
            <td className="label-cell">{labels[r.truth]}</td>
            <td className={r.predicted === r.truth ? 'label-cell' : 'label-cell wrong'}>{labels[r.predicted]}</td>
            <td className="probability-cell">
              {r.probabilities
                .map((p, i) => ({ p, label: labels[i]! }))
                .filter(({ p }) => Number.isFinite(p))
                .sort((a, b) => b.p - a.p)
                .slice(0, 3)
                .map(({ p, label }) => `${label} ${formatPercent(p, 0)}`)
                .join(' · ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const barLegend = [
  { name: 'precision', color: chartColors.primary },
  { name: 'recall', color: chartColors.secondary },
];

/** Precision and recall of each class side by side: which classes the model over- or under-predicts. */
export const PerClassChart = memo(function PerClassChart({ metrics }: { metrics: ClassificationMetrics }) {
  const data = metrics.perClass.map((c) => ({ label: c.label, precision: c.precision, recall: c.recall }));
  return (
    <div className="chart" data-testid="per-class-chart" data-bars={data.length * 2}>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ left: 8, right: 16, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={chartText} interval={0} />
          <YAxis domain={[0, 1]} tick={chartText} tickFormatter={(v: number) => formatPercent(v, 0)} width={56} />
          <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? formatPercent(v) : String(v))} />
          <Bar dataKey="precision" fill={chartColors.primary} isAnimationActive={false} />
          <Bar dataKey="recall" fill={chartColors.secondary} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <ChartLegend items={barLegend} />
    </div>
  );
});
