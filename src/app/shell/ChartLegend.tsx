import { chartText } from './chart-style.ts';

export interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
}

/**
 * A chart's legend as plain HTML: recharts' own Legend measures itself in the DOM on every
 * redraw, a cost paid while training updates the charts.
 */
export function ChartLegend({ items }: { readonly items: readonly LegendItem[] }) {
  return (
    <ul className="chart-legend" style={{ fontSize: chartText.fontSize, color: chartText.fill }}>
      {items.map((item) => (
        <li key={item.name}>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="1" y1="5" x2="27" y2="5" stroke={item.color} strokeWidth="3.5" strokeDasharray={item.dashed ? '6 4' : undefined} />
          </svg>
          {item.name}
        </li>
      ))}
    </ul>
  );
}
