import { isTraining } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';

/**
 * On the Data and Model screens while a run exists: which dataset or model the run has, and
 * that what is changed here is for the next run, so the screen and the run never silently differ.
 */
export function RunNote({ subject }: { subject: 'dataset' | 'model' }) {
  const run = useStudio((s) => (s.training.status === 'idle' ? null : s.training.run));
  const training = useStudio((s) => isTraining(s.training.status));
  if (!run) return null;
  const name = subject === 'dataset' ? run.datasetName : run.modelName;
  return (
    <p className="note" data-testid="run-note">
      {training
        ? `Training is running on the ${subject} ${name}, so it stays as it is until you pause or stop the run.`
        : `The current run trained on the ${subject} ${name}. A ${subject} chosen here is for the next run; Resume, Evaluate and Export go on with the run’s own.`}
    </p>
  );
}
