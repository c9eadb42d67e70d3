import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BestModelMetric } from '../../engine/settings.ts';
import { settingFieldProblems, settingLock, trainingTask } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';
import { LockReason, NumberField } from '../shell/ui.tsx';
import { bestModelChoices, bestModelMetricName, shownBestModelMetric } from '../../engine/tasks/score-names.ts';

/** "Best means …": the lowest loss, the highest of any score. */
const choiceText = (metric: BestModelMetric, name: string) => `${metric === 'loss' ? 'the lowest' : 'the highest'} ${name}`;

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
  const task = useStudio(trainingTask);
  const choices = bestModelChoices(task);
  const shown = shownBestModelMetric(task, metric);
  const metricName = bestModelMetricName(task, metric);
  const problems = useStudio(useShallow(settingFieldProblems));
  // One reason locks all four: they are decided together when the run starts.
  const lock = useStudio((s) => settingLock(s, 'loadBestModelAtEnd'));
  const { setSetting, setSettingText } = useStudio(useShallow((s) => ({ setSetting: s.setSetting, setSettingText: s.setSettingText })));
  const lockIds = { keep: useId(), metric: useId() };
  return (
    <div className="best-model" data-testid="best-model-settings">
      <div className={lock ? 'field field-inline field-locked' : 'field field-inline'}>
        <input
          id="keep-best"
          type="checkbox"
          data-testid="setting-loadBestModelAtEnd"
          checked={keep}
          aria-disabled={lock ? true : undefined}
          aria-describedby={lock ? lockIds.keep : undefined}
          onChange={(e) => lock === null && setSetting('loadBestModelAtEnd', e.target.checked)}
        />
        <label htmlFor="keep-best">Keep the best epoch’s model (not the last)</label>
        {lock && <LockReason id={lockIds.keep} reason={lock} />}
      </div>
      <div className={lock ? 'field field-locked' : 'field'}>
        <label htmlFor="best-metric">Best means</label>
        {lock ? (
          <input id="best-metric" data-testid="setting-metricForBestModel" readOnly aria-disabled value={choiceText(shown, metricName)} aria-describedby={lockIds.metric} />
        ) : (
          <select id="best-metric" data-testid="setting-metricForBestModel" value={shown} onChange={(e) => setSetting('metricForBestModel', e.target.value as BestModelMetric)}>
            {choices.map((c) => (
              <option key={c.metric} value={c.metric}>
                {choiceText(c.metric, c.name)}
              </option>
            ))}
          </select>
        )}
        {lock && <LockReason id={lockIds.metric} reason={lock} />}
      </div>
      <NumberField
        label="Early stopping patience"
        hint="stop after this many evaluations without improvement; 0: off"
        value={patience}
        testId="setting-earlyStoppingPatience"
        error={problems.earlyStoppingPatience ?? null}
        lockedReason={lock}
        onText={(text) => setSettingText('earlyStoppingPatience', text)}
      />
      {patience > 0 && (
        <NumberField
          label="Improvement threshold"
          hint={`how much better ${metricName} must get to count`}
          value={threshold}
          testId="setting-earlyStoppingThreshold"
          error={problems.earlyStoppingThreshold ?? null}
          lockedReason={lock}
          onText={(text) => setSettingText('earlyStoppingThreshold', text)}
        />
      )}
    </div>
  );
}
