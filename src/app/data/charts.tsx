/** The data screen's two charts: rows per label, and token lengths with the max length marked. */
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetSummary, TokenStats } from '../../../workers/protocol.ts';
import { ChartLegend, type LegendItem } from '../shell/ChartLegend.tsx';
import { chartColors, chartText } from '../shell/chart-style.ts';

const rowsLegend: readonly LegendItem[] = [
  { name: 'training rows', color: chartColors.primary },
  { name: 'validation rows', color: chartColors.secondary },
];

export function LabelChart({ summary }: { summary: DatasetSummary }) {
  const data = summary.labels.map((label, i) => ({ label, training: summary.trainCounts[i] ?? 0, validation: summary.validationCounts[i] ?? 0 }));
  // Long label lists get a taller chart, so every name stays readable.
  const height = Math.max(260, Math.min(560, 60 + data.length * 28));
  return (
    <div className="chart" data-testid="label-chart">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} layout="vertical" margin={{ left: 12, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} tick={chartText} />
          <YAxis type="category" dataKey="label" width={140} tick={chartText} interval={0} />
          <Tooltip />
          <Bar dataKey="training" name="training rows" stackId="rows" fill={chartColors.primary} isAnimationActive={false} />
          <Bar dataKey="validation" name="validation rows" stackId="rows" fill={chartColors.secondary} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <ChartLegend items={rowsLegend} />
    </div>
  );
}

export function LengthChart({ stats }: { stats: TokenStats }) {
  const data = stats.bins.map((b) => ({ range: b.from === b.to ? String(b.from) : `${b.from}–${b.to}`, rows: b.count, from: b.from, to: b.to }));
  const marked = data.find((d) => d.from <= stats.maxLength && stats.maxLength <= d.to)?.range;
  return (
    <div className="chart" data-testid="token-length-chart">
      <ResponsiveContainer width="100%" height={280}>
        <BarChart data={data} margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="range" tick={chartText} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} tick={chartText} />
          <Tooltip />
          <Bar dataKey="rows" name="rows" fill={chartColors.primary} isAnimationActive={false} />
          {marked !== undefined && (
            <ReferenceLine x={marked} stroke={chartColors.danger} strokeWidth={3} strokeDasharray="8 4" />
          )}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
