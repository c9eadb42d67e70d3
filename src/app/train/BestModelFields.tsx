import { useShallow } from 'zustand/react/shallow';
import type { BestModelMetric } from '../../engine/settings.ts';
import { useStudio } from '../../store/useStudio.ts';
import { NumberField } from '../shell/ui.tsx';

const metricNames: Record<BestModelMetric, string> = { accuracy: 'accuracy', macroF1: 'macro-F1', loss: 'validation loss' };

/** Trainer's load_best_model_at_end, metric_for_best_model and EarlyStoppingCallback, as three controls. */
export function BestModelFields() {
  const { keep, metric, patience, threshold } = useStudio(
    useShallow((s) => ({
      keep: s.training.settings.loadBestModelAtEnd,
      metric: s.training.settings.metricForBestModel,
      patience: s.training.settings.earlyStoppingPatience,
      threshold: s.training.settings.earlyStoppingThreshold,
    })),
  );
  const setSetting = useStudio((s) => s.setSetting);
  return (
    <div className="best-model" data-testid="best-model-settings">
      <div className="field field-inline">
        <input id="keep-best" type="checkbox" data-testid="setting-loadBestModelAtEnd" checked={keep} onChange={(e) => setSetting('loadBestModelAtEnd', e.target.checked)} />
        <label htmlFor="keep-best">Keep the best epoch’s model (not the last)</label>
      </div>
      <div className="field">
        <label htmlFor="best-metric">Best means the highest</label>
        <select id="best-metric" data-testid="setting-metricForBestModel" value={metric} onChange={(e) => setSetting('metricForBestModel', e.target.value as BestModelMetric)}>
          {(Object.keys(metricNames) as BestModelMetric[]).map((m) => (
            <option key={m} value={m}>
              {m === 'loss' ? 'lowest validation loss' : metricNames[m]}
            </option>
          ))}
        </select>
      </div>
      <NumberField
        label="Early stopping patience"
        hint="stop after this many evaluations without improvement; 0: off"
        value={patience}
        testId="setting-earlyStoppingPatience"
        onChange={(v) => v !== null && setSetting('earlyStoppingPatience', v)}
      />
      {patience > 0 && (
        <NumberField
          label="Improvement threshold"
          hint={`how much better ${metricNames[metric]} must get to count`}
          value={threshold}
          testId="setting-earlyStoppingThreshold"
          onChange={(v) => v !== null && setSetting('earlyStoppingThreshold', v)}
        />
      )}
    </div>
  );
}
