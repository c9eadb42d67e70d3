/** The data screen's charts: rows per label (a regression's scores, tagged sentences' entities), and token lengths with the max length marked. */
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetSummary, EntityCounts, ScoreSummary, TokenStats } from '../../../workers/protocol.ts';
import { ChartLegend, type LegendItem } from '../shell/ChartLegend.tsx';
import { chartColors, chartText } from '../shell/chart-style.ts';

const rowsLegend: readonly LegendItem[] = [
  { name: 'training rows', color: chartColors.primary },
  { name: 'validation rows', color: chartColors.secondary },
];

const entitiesLegend: readonly LegendItem[] = [
  { name: 'in training rows', color: chartColors.primary },
  { name: 'in validation rows', color: chartColors.secondary },
];

interface SplitCount {
  readonly name: string;
  readonly training: number;
  readonly validation: number;
}

/** Training and validation counts stacked per name: bars across with the names down the side, or upright bins along the bottom. */
function SplitBars({ data, across, height, legend, testId }: { data: readonly SplitCount[]; across: boolean; height: number; legend: readonly LegendItem[]; testId: string }) {
  return (
    <div className="chart" data-testid={testId}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data as SplitCount[]} layout={across ? 'vertical' : 'horizontal'} margin={{ left: across ? 12 : 8, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={!across} vertical={across} />
          {across ? <XAxis type="number" allowDecimals={false} tick={chartText} /> : <XAxis dataKey="name" tick={chartText} interval="preserveStartEnd" />}
          {across ? <YAxis type="category" dataKey="name" width={140} tick={chartText} interval={0} /> : <YAxis allowDecimals={false} tick={chartText} />}
          <Tooltip />
          <Bar dataKey="training" name={legend[0]!.name} stackId="split" fill={chartColors.primary} isAnimationActive={false} />
          <Bar dataKey="validation" name={legend[1]!.name} stackId="split" fill={chartColors.secondary} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <ChartLegend items={legend} />
    </div>
  );
}

/** Long lists get a taller chart, so every name stays readable. */
const acrossHeight = (names: number, least: number, most: number) => Math.max(least, Math.min(most, 60 + names * 28));

export function LabelChart({ summary }: { summary: DatasetSummary }) {
  const data = summary.labels.map((label, i) => ({ name: label, training: summary.trainCounts[i] ?? 0, validation: summary.validationCounts[i] ?? 0 }));
  return <SplitBars data={data} across height={acrossHeight(data.length, 260, 560)} legend={rowsLegend} testId="label-chart" />;
}

/** A regression's scores: how many training and validation rows fall in each tenth of their range. */
export function ScoreChart({ scores }: { scores: ScoreSummary }) {
  const data = scores.bins.map((b) => ({ name: `${b.from.toFixed(2)}–${b.to.toFixed(2)}`, training: b.train, validation: b.validation }));
  return <SplitBars data={data} across={false} height={260} legend={rowsLegend} testId="score-chart" />;
}

/** Tagged sentences' entities per type (a B- tag and the I- tags after it count once). */
export function EntityChart({ entities }: { entities: EntityCounts }) {
  const data = entities.types.map((type, i) => ({ name: type, training: entities.train[i] ?? 0, validation: entities.validation[i] ?? 0 }));
  return <SplitBars data={data} across height={acrossHeight(data.length, 160, 400)} legend={entitiesLegend} testId="entity-chart" />;
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
