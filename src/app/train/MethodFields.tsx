import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FineTuneMethodKind } from '../../engine/models/fine-tune-method.ts';
import { settingFieldProblems, settingLock } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatBytes } from '../format.ts';
import { useTrainingMemory } from '../model/ModelScreen.tsx';
import { LockReason, NumberField } from '../shell/ui.tsx';

const methodNames: Record<FineTuneMethodKind, string> = { full: 'Full fine-tune', lora: 'LoRA (less memory)', 'head-only': 'Head only' };
const methodHints: Record<FineTuneMethodKind, string> = {
  full: 'trains every weight',
  lora: 'small adapters beside frozen weights, and the classifier',
  'head-only': 'trains the classifier alone',
};

/** Full fine-tune, LoRA or the head alone, each with what it holds in GPU memory; LoRA's own settings when it is picked. */
export function MethodFields() {
  const method = useStudio((s) => s.training.settings.method);
  const { loraR, loraAlpha, loraDropout } = useStudio(useShallow((s) => ({ loraR: s.training.settings.loraR, loraAlpha: s.training.settings.loraAlpha, loraDropout: s.training.settings.loraDropout })));
  const summary = useStudio((s) => s.model.summary);
  const memory = useTrainingMemory(summary?.source === 'saved-run' ? null : summary);
  const budgetBytes = useStudio((s) => s.training.gpuMemoryBudgetMb * 1e6);
  const problems = useStudio(useShallow(settingFieldProblems));
  // The method shapes the saved state (which weights have moments): fixed once a run has started.
  const lock = useStudio((s) => settingLock(s, 'method'));
  const { setSetting, setSettingText } = useStudio(useShallow((s) => ({ setSetting: s.setSetting, setSettingText: s.setSettingText })));
  const lockId = useId();
  const totals = memory?.totalByMethod ?? null;
  const suggestLora = totals !== null && method === 'full' && totals.full > budgetBytes && totals.lora <= budgetBytes;
  return (
    <fieldset className={lock ? 'method field-locked' : 'method'} data-testid="method-settings" aria-describedby={lock ? lockId : undefined}>
      <legend>Method</legend>
      {(Object.keys(methodNames) as FineTuneMethodKind[]).map((kind) => (
        <label key={kind} className="radio">
          <input type="radio" name="method" value={kind} data-testid={`method-${kind}`} checked={method === kind} disabled={lock !== null} onChange={() => setSetting('method', kind)} />
          {methodNames[kind]} <span className="muted">({methodHints[kind]}{totals ? `; about ${formatBytes(totals[kind])} of GPU memory` : ''})</span>
        </label>
      ))}
      {suggestLora && (
        <p className="note" data-testid="method-suggestion">
          A full fine-tune needs about {formatBytes(totals.full)}, more than the {formatBytes(budgetBytes)} GPU memory budget: LoRA needs about {formatBytes(totals.lora)} and fits.
        </p>
      )}
      {lock && <LockReason id={lockId} reason={lock} />}
      {method === 'lora' && (
        <>
          <NumberField label="LoRA rank r" hint="adapter size; 8 is peft's default" value={loraR} testId="setting-loraR" error={problems.loraR ?? null} lockedReason={lock} onText={(text) => setSettingText('loraR', text)} />
          <NumberField label="LoRA alpha" hint="the adapters' scale is alpha / r" value={loraAlpha} testId="setting-loraAlpha" error={problems.loraAlpha ?? null} lockedReason={lock} onText={(text) => setSettingText('loraAlpha', text)} />
          <NumberField label="LoRA dropout" hint="on the adapters' input" value={loraDropout} testId="setting-loraDropout" error={problems.loraDropout ?? null} lockedReason={lock} onText={(text) => setSettingText('loraDropout', text)} />
        </>
      )}
    </fieldset>
  );
}
