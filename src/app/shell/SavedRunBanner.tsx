import { useShallow } from 'zustand/react/shallow';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount } from '../format.ts';

/** After a reload: the run this browser kept, and what can be done with it. */
export function SavedRunBanner() {
  const run = useStudio((s) => s.ui.savedRun);
  const restoring = useStudio((s) => s.ui.restoring);
  const { resumeSavedRun, openSavedRun, discardSavedRun } = useStudio(
    useShallow((s) => ({ resumeSavedRun: s.resumeSavedRun, openSavedRun: s.openSavedRun, discardSavedRun: s.discardSavedRun })),
  );
  if (!run) return null;
  const resumable = run.state === 'paused' || run.state === 'failed';
  const when = new Date(run.savedAt).toLocaleString();
  return (
    <div className="banner banner-info" data-testid="saved-run">
      <p>
        <strong>{resumable ? 'Your last run can be resumed.' : 'Your last trained model is saved.'}</strong> {run.modelName} on {run.datasetName}: step{' '}
        {formatCount(run.step)} of {formatCount(run.totalSteps)}, {run.epochsDone} of {run.epochs} epochs ({run.state}), saved {when}.
      </p>
      <div className="banner-actions">
        {resumable && (
          <button type="button" className="button button-primary" data-testid="saved-run-resume" disabled={restoring !== null} onClick={resumeSavedRun}>
            Resume training
          </button>
        )}
        <button type="button" className="button" data-testid="saved-run-open" disabled={restoring !== null} onClick={openSavedRun}>
          {resumable ? 'Open without training' : 'Open it'}
        </button>
        <button type="button" className="button button-quiet" data-testid="saved-run-discard" disabled={restoring !== null} onClick={discardSavedRun}>
          Discard
        </button>
      </div>
    </div>
  );
}
