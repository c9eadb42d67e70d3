/**
 * A confusion-matrix cell's fill: green on the diagonal (right answers), red off it, deeper
 * with the count. The numbers are written in the text colour on every cell, so the fill stops
 * where that text would fall under 4.5:1 (WCAG AA).
 */
import { overWhite } from '../shell/contrast.ts';

const right = '#1a7f4b';
const wrong = '#c62828';
const faintest = 0.08;
const deepest = 0.65;

export function confusionCellFill(count: number, max: number, correct: boolean): string {
  if (count === 0 && !correct) return '#ffffff';
  const strength = max > 0 ? count / max : 0;
  return overWhite(correct ? right : wrong, faintest + (deepest - faintest) * strength);
}
