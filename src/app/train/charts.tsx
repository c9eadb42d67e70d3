import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { useStudio } from '../../store/useStudio.ts';
import { formatNumber, formatPercent } from '../format.ts';
import { chartColors, chartText } from '../shell/chart-style.ts';
import { Card } from '../shell/ui.tsx';
import { epochRows, smoothLoss } from './chart-data.ts';

/** Training loss per step, raw and smoothed: the curve that shows the model learning. */
export function LossChart() {
  const { steps, smoothing, setSmoothing } = useStudio(useShallow((s) => ({ steps: s.training.steps, smoothing: s.training.smoothing, setSmoothing: s.setSmoothing })));
  const data = useMemo(() => smoothLoss(steps, smoothing), [steps, smoothing]);
  if (data.length === 0) {
    // An empty numeric axis has no domain; recharts would try to tick it anyway.
    return (
      <Card title="Training loss (lower is better)" testId="loss-chart">
        <p className="muted chart-placeholder">The loss of every step appears here as soon as the first batches are done.</p>
      </Card>
    );
  }
  return (
    <Card title="Training loss (lower is better)" testId="loss-chart">
      <div className="chart" data-points={data.length}>
        <ResponsiveContainer width="100%" height={300}>
          <LineChart data={data} margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} tick={chartText} label={{ value: 'step', position: 'insideBottomRight', offset: -4, ...chartText }} />
            <YAxis tick={chartText} domain={[0, 'auto']} tickFormatter={(v: number) => formatNumber(v, 2)} width={56} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? formatNumber(v, 4) : String(v))} />
            <Legend wrapperStyle={chartText} />
            <Line dataKey="loss" name="loss per step" stroke={chartColors.faint} dot={false} strokeWidth={1.5} isAnimationActive={false} />
            <Line dataKey="smoothed" name="smoothed" stroke={chartColors.primary} dot={false} strokeWidth={3.5} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <div className="field field-inline">
        <label htmlFor="smoothing">Smoothing {smoothing.toFixed(2)}</label>
        <input id="smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
      </div>
    </Card>
  );
}

/** After each epoch: training and validation loss, accuracy and macro-F1, as charts and as a table. */
export function EpochMetrics() {
  const evals = useStudio((s) => s.training.evals);
  const hasValidation = useStudio((s) => (s.dataset.summary?.validationCounts.reduce((a, b) => a + b, 0) ?? 1) > 0);
  const rows = useMemo(() => epochRows(evals), [evals]);
  return (
    <Card title="After each epoch" testId="epoch-metrics">
      {rows.length === 0 ? (
        <p className="muted">{hasValidation ? 'The validation rows are scored at the end of each epoch; the first scores appear then.' : 'There are no validation rows, so nothing can be scored.'}</p>
      ) : (
        <>
          <div className="grid-2 grid-tight">
            <div className="chart">
              <ResponsiveContainer width="100%" height={240}>
                <LineChart data={rows} margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="epoch" type="number" domain={[0, 'dataMax']} allowDecimals tick={chartText} />
                  <YAxis tick={chartText} domain={[0, 'auto']} tickFormatter={(v: number) => formatNumber(v, 2)} width={56} />
                  <Tooltip formatter={(v) => (typeof v === 'number' ? formatNumber(v, 4) : String(v))} />
                  <Legend wrapperStyle={chartText} />
                  <Line dataKey="trainLoss" name="training loss" stroke={chartColors.primary} strokeWidth={3} connectNulls isAnimationActive={false} />
                  <Line dataKey="validationLoss" name="validation loss" stroke={chartColors.secondary} strokeWidth={3} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
            <div className="chart">
              <ResponsiveContainer width="100%" height={240}>
                <LineChart data={rows} margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="epoch" type="number" domain={[0, 'dataMax']} allowDecimals tick={chartText} />
                  <YAxis tick={chartText} domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} width={56} />
                  <Tooltip formatter={(v) => (typeof v === 'number' ? formatPercent(v) : String(v))} />
                  <Legend wrapperStyle={chartText} />
                  <Line dataKey="accuracy" name="accuracy" stroke={chartColors.tertiary} strokeWidth={3} isAnimationActive={false} />
                  <Line dataKey="macroF1" name="macro-F1" stroke={chartColors.primary} strokeWidth={3} strokeDasharray="6 4" isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          </div>
          <table className="metrics-table">
            <thead>
              <tr>
                <th>Epoch</th>
                <th>Step</th>
                <th>Training loss</th>
                <th>Validation loss</th>
                <th>Accuracy</th>
                <th>Macro-F1</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.step} data-testid="epoch-row">
                  <td>{r.epoch}</td>
                  <td>{r.step}</td>
                  <td>{formatNumber(r.trainLoss, 4)}</td>
                  <td>{formatNumber(r.validationLoss, 4)}</td>
                  <td>{formatPercent(r.accuracy)}</td>
                  <td>{formatNumber(r.macroF1, 3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}
