/**
 * How long a run is, and what a resumed run may change. Trainer plans its updates from the
 * settings and the number of training rows; a run resumed from a checkpoint keeps everything
 * that shapes the saved state (the batches, the data order, the optimizer's graph) and may
 * change what only shapes the schedule. Raising the epochs of a finished run then trains on to
 * the new total, with the learning-rate schedule planned again for it, as transformers.Trainer
 * does when num_train_epochs is raised and training resumes from a checkpoint.
 */
import type { TrainingCheckpoint } from './checkpoint.ts';
import { updatesPerEpoch } from './optim/schedule.ts';
import { settingNames, type TrainingSettings } from './settings.ts';

/** The optimizer updates a run takes in all: max steps when set, else every epoch's. */
export function plannedUpdates(s: Pick<TrainingSettings, 'epochs' | 'batchSize' | 'gradAccumulation' | 'maxSteps'>, trainRows: number): number {
  return s.maxSteps > 0 ? s.maxSteps : updatesPerEpoch(Math.ceil(trainRows / s.batchSize), s.gradAccumulation) * s.epochs;
}

/** Settings a resumed run may change: they decide how far and how fast it goes, not what was saved. */
export const SCHEDULE_SETTINGS = ['epochs', 'maxSteps', 'learningRate', 'warmupRatio', 'evalSteps', 'evalBatchSize'] as const;


/** A resumed run asked to change a setting its checkpoint fixes. */
export class ResumeSettingsError extends Error {
  override name = 'ResumeSettingsError';

  constructor(readonly differing: readonly (keyof TrainingSettings)[], saved: TrainingSettings, asked: TrainingSettings) {
    const listed = differing.map((key) => `${settingNames[key]} ${saved[key]} (asked for ${asked[key]})`).join(', ');
    const changeable = SCHEDULE_SETTINGS.map((key) => settingNames[key]).join(', ');
    super(`a resumed run keeps the settings it was trained with: ${listed}. Only these can change when resuming: ${changeable}.`);
  }
}

/** The settings of `asked` that differ from `saved` and cannot change on resume. */
export function fixedSettingsChanged(saved: TrainingSettings, asked: TrainingSettings): (keyof TrainingSettings)[] {
  const changeable: readonly string[] = SCHEDULE_SETTINGS;
  return (Object.keys(settingNames) as (keyof TrainingSettings)[]).filter((key) => !changeable.includes(key) && saved[key] !== asked[key]);
}

/**
 * The checkpoint a run resumes from with `settings`: refused with a ResumeSettingsError when a
 * fixed setting differs. A finished run is open again; Trainer finishes it at once when the new
 * plan has no updates left.
 */
export function resumedWith(checkpoint: TrainingCheckpoint, settings: TrainingSettings): TrainingCheckpoint {
  const differing = fixedSettingsChanged(checkpoint.settings, settings);
  if (differing.length > 0) throw new ResumeSettingsError(differing, checkpoint.settings, settings);
  return { ...checkpoint, settings, progress: { ...checkpoint.progress, finished: false } };
}
