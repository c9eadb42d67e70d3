/** A one-line progress bar on standard error: step, loss, throughput and time left. */
import { taskOfMetrics } from '../engine/tasks/index.ts';
import type { TrainerEvent } from '../engine/trainer.ts';

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function progressLine(event: Extract<TrainerEvent, { type: 'step' }>, width = 24): string {
  const { record, totalSteps } = event;
  const done = Math.min(width, Math.round((record.step / totalSteps) * width));
  const bar = `${'='.repeat(Math.max(0, done - 1))}${done > 0 ? '>' : ''}${' '.repeat(width - done)}`;
  return (
    `epoch ${record.epoch.toFixed(2)} [${bar}] step ${record.step}/${totalSteps}` +
    ` | loss ${record.loss.toFixed(4)} | lr ${record.learningRate.toExponential(2)}` +
    ` | ${event.samplesPerSecond.toFixed(1)} samples/s | ETA ${formatDuration(event.etaMs)}`
  );
}

export function evalLine(event: Extract<TrainerEvent, { type: 'eval' }>): string {
  const { record } = event;
  const m = record.metrics;
  const train = record.trainLoss === null ? '' : `train loss ${record.trainLoss.toFixed(4)} | `;
  return `eval @ epoch ${record.epoch.toFixed(2)} (step ${record.step}): ${train}val loss ${m.loss.toFixed(4)} | ${taskOfMetrics(m).summary(m)}`;
}

/** Redraws in place on a terminal; prints every Nth line otherwise (logs, CI). */
export class ProgressReporter {
  private lastPrinted = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly interactive = Boolean(stream.isTTY),
  ) {}

  /** A line of its own, clearing a progress line drawn in place first. */
  note(line: string): void {
    this.stream.write(`${this.interactive ? '\r\x1b[K' : ''}${line}\n`);
  }

  handle(event: TrainerEvent): void {
    if (event.type === 'step') {
      const line = progressLine(event);
      if (this.interactive) this.stream.write(`\r${line}\x1b[K`);
      else if (event.record.step === event.totalSteps || performance.now() - this.lastPrinted > 10_000) {
        this.stream.write(`${line}\n`);
        this.lastPrinted = performance.now();
      }
    } else {
      this.note(evalLine(event));
    }
  }
}
