import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { TrainingSettings } from '../../engine/settings.ts';
import { bestEvaluation, differingSettings, headlineScoreAxis, headlineScores, type RunRecord, timePerEpoch } from '../../runs/run-record.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatDuration, formatNumber, formatPercent } from '../format.ts';
import { ChartLegend } from '../shell/ChartLegend.tsx';
import { chartText } from '../shell/chart-style.ts';
import { SCORE_AXES } from '../shell/score-axis.ts';
import { Card, ScreenHeader } from '../shell/ui.tsx';
import { lossAxis, smoothLoss } from '../train/chart-data.ts';

/** One colour per compared run, distinct on a projector. */
const RUN_COLORS = ['#1f5fd6', '#e0610e', '#1a9b5b', '#8e3cc4', '#c62828', '#0f8a94', '#7a6a00', '#d63f8c'];
const margin = { left: 8, right: 24, top: 8, bottom: 8 };

const settingLabels: Record<keyof TrainingSettings, string> = {
  epochs: 'epochs',
  batchSize: 'batch',
  learningRate: 'lr',
  weightDecay: 'weight decay',
  warmupRatio: 'warmup',
  maxGradNorm: 'max grad norm',
  gradAccumulation: 'accumulation',
  maxLength: 'max length',
  maxSteps: 'max steps',
  seed: 'seed',
  evalSteps: 'eval steps',
  evalBatchSize: 'eval batch',
  loadBestModelAtEnd: 'best model',
  metricForBestModel: 'best by',
  earlyStoppingPatience: 'patience',
  earlyStoppingThreshold: 'threshold',
  method: 'method',
  freezeEmbeddings: 'frozen embeddings',
  freezeLayers: 'frozen layers',
  loraR: 'LoRA r',
  loraAlpha: 'LoRA alpha',
  loraDropout: 'LoRA dropout',
  loraTargets: 'LoRA targets',
};

/** Every run kept in this browser: curves overlaid, and a table of what differs and how each did. */
export function RunsScreen() {
  const { records, selected } = useStudio(useShallow((s) => ({ records: s.runs.records, selected: s.runs.selected })));
  const exportRuns = useStudio((s) => s.exportRuns);
  const chosen = useMemo(() => records.filter((r) => selected.includes(r.id)), [records, selected]);
  const colorOf = (id: string) => RUN_COLORS[records.findIndex((r) => r.id === id) % RUN_COLORS.length]!;
  return (
    <div className="screen">
      <ScreenHeader title="Runs" lead="Every run trained in this browser, kept with its settings and curves, to compare models and settings on the same data." />
      {records.length === 0 ? (
        <Card>
          <p className="muted">No runs yet. Each run you train (step 3) is kept here, also after a reload.</p>
        </Card>
      ) : (
        <>
          <div className="grid-2">
            <Card title="Training loss (smoothed)" testId="runs-loss-chart">
              <RunCurves runs={chosen} colorOf={colorOf} kind="loss" />
            </Card>
            <Card title="Validation score after each epoch" testId="runs-metric-chart">
              <RunCurves runs={chosen} colorOf={colorOf} kind="metric" />
            </Card>
          </div>
          <Card title="Compare" wide>
            <RunsTable records={records} chosen={chosen} colorOf={colorOf} />
            <div className="load-row">
              <button type="button" className="button" data-testid="runs-export-csv" onClick={() => exportRuns('csv')}>
                Download as CSV
              </button>
              <button type="button" className="button" data-testid="runs-export-json" onClick={() => exportRuns('json')}>
                Download as JSON
              </button>
              <span className="hint">{chosen.length > 0 ? `The ${chosen.length} ticked runs.` : 'All runs.'}</span>
            </div>
          </Card>
        </>
      )}
    </div>
  );
}

/** Loss per step, or the task's headline score per evaluation, of each chosen run on shared axes. */
const RunCurves = memo(function RunCurves({ runs, colorOf, kind }: { runs: readonly RunRecord[]; colorOf: (id: string) => string; kind: 'loss' | 'metric' }) {
  const series = useMemo(
    () =>
      runs.map((run) => ({
        run,
        points:
          kind === 'loss'
            ? smoothLoss(run.steps, 0.6).map((p) => ({ x: p.step, y: p.smoothed }))
            : headlineScores(run).map((p) => ({ x: Math.round(p.epoch * 100) / 100, y: p.score })),
      })),
    [runs, kind],
  );
  const scores = useMemo(() => headlineScoreAxis(runs), [runs]);
  const scoreAxis = SCORE_AXES[scores.scale];
  // The losses' own range on round ticks, as on the Train screen, so runs close to each other stay apart.
  const axis = useMemo(() => lossAxis(series.flatMap((s) => s.points.map((p) => p.y))), [series]);
  return (
    <div className="chart" data-series={series.length} data-points={series.reduce((n, s) => n + s.points.length, 0)}>
      <ResponsiveContainer width="100%" height={280}>
        <LineChart margin={margin}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="x" type="number" domain={[0, 'dataMax']} allowDecimals={kind === 'metric'} tick={chartText} allowDuplicatedCategory={false} />
          {kind === 'loss' ? (
            <YAxis dataKey="y" tick={chartText} domain={axis.domain} ticks={axis.ticks} tickFormatter={(v: number) => formatNumber(v, axis.digits)} width={64} />
          ) : (
            <YAxis dataKey="y" tick={chartText} domain={scoreAxis.domain} ticks={scoreAxis.ticks} tickFormatter={scoreAxis.tickFormatter} width={56} />
          )}
          <Tooltip formatter={kind === 'loss' ? (v: unknown) => (typeof v === 'number' ? formatNumber(v, 4) : String(v)) : scoreAxis.tooltip} />
          {series.map(({ run, points }) => (
            <Line key={run.id} data={points} dataKey="y" name={run.name} stroke={colorOf(run.id)} strokeWidth={3} dot={kind === 'metric'} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <p className="muted" data-testid={`runs-${kind}-axes`}>
        x: {kind === 'loss' ? 'step' : 'epoch'} · y: {kind === 'loss' ? 'loss' : scores.name}
      </p>
      <ChartLegend items={series.map(({ run }) => ({ name: run.name, color: colorOf(run.id) }))} />
    </div>
  );
});

function RunsTable({ records, chosen, colorOf }: { records: readonly RunRecord[]; chosen: readonly RunRecord[]; colorOf: (id: string) => string }) {
  const selected = useStudio((s) => s.runs.selected);
  const currentId = useStudio((s) => s.runs.current?.id ?? null);
  const actions = useStudio(
    useShallow((s) => ({
      toggle: s.toggleRunSelected,
      rename: s.renameRun,
      remove: s.deleteRun,
      pin: s.pinRun,
      unpin: s.unpinRun,
      download: s.downloadRunCheckpoint,
    })),
  );
  // The settings that tell the compared runs apart (all runs when fewer than two are ticked).
  const differing = differingSettings(chosen.length >= 2 ? chosen : records);
  return (
    <div className="table-scroll">
      <table className="metrics-table" data-testid="runs-table">
        <thead>
          <tr>
            <th>Compare</th>
            <th>Name</th>
            <th>Model</th>
            <th>Data</th>
            <th>Settings that differ</th>
            <th>Best</th>
            <th>Time per epoch</th>
            <th>Backend</th>
            <th>Status</th>
            <th>Weights</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {records.map((run) => {
            const best = bestEvaluation(run);
            const perEpoch = timePerEpoch(run);
            return (
              <tr key={run.id} data-testid="run-row" data-run-id={run.id}>
                <td>
                  <input type="checkbox" aria-label={`Compare ${run.name}`} data-testid="run-select" checked={selected.includes(run.id)} onChange={() => actions.toggle(run.id)} />
                  <span className="run-swatch" style={{ background: colorOf(run.id) }} aria-hidden />
                </td>
                <td>
                  <input
                    className="run-name"
                    aria-label="Run name"
                    data-testid="run-name"
                    defaultValue={run.name}
                    key={run.name}
                    onBlur={(e) => actions.rename(run.id, e.target.value)}
                    onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
                  />
                </td>
                <td data-testid="run-model">{run.model.name}</td>
                <td title={`fingerprint ${run.dataset.fingerprint}`}>
                  {run.dataset.name} <span className="muted">({run.dataset.trainRows} + {run.dataset.validationRows} rows, {run.dataset.fingerprint.slice(0, 6)})</span>
                </td>
                <td data-testid="run-settings">{differing.length === 0 ? 'same' : differing.map((k) => `${settingLabels[k]} ${String(run.settings[k])}`).join(', ')}</td>
                <td data-testid="run-best">{best ? `${best.metric} ${best.kind === 'share' ? formatPercent(best.value) : formatNumber(best.value, best.kind === 'loss' ? 4 : 3)} (epoch ${best.epoch})` : '–'}</td>
                <td data-testid="run-time">{perEpoch === null ? '–' : formatDuration(perEpoch)}</td>
                <td data-testid="run-backend">{run.backend ? (run.backend.name === 'webgpu' ? 'WebGPU' : 'WASM') : '–'}</td>
                <td>{run.status}</td>
                <td>
                  {run.pinned ? (
                    <>
                      <button type="button" className="button button-quiet" onClick={() => actions.download(run.id)}>
                        Download
                      </button>
                      <button type="button" className="button button-quiet" onClick={() => actions.unpin(run.id)}>
                        Unpin
                      </button>
                    </>
                  ) : run.id === currentId && run.status !== 'running' ? (
                    <button type="button" className="button button-quiet" data-testid="run-pin" onClick={() => actions.pin(run.id)}>
                      Pin (keep weights)
                    </button>
                  ) : (
                    <span className="muted">not kept</span>
                  )}
                </td>
                <td>
                  <button type="button" className="button button-quiet button-danger" data-testid="run-delete" disabled={run.status === 'running'} onClick={() => actions.remove(run.id)}>
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
