import type { EvaluationDetails } from '../../../workers/protocol.ts';
import type { ClassificationMetrics } from '../../engine/metrics.ts';
import type { TaskMetrics } from '../../engine/tasks/index.ts';
import { hasIdleModel } from '../../store/evaluation.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatNumber, formatPercent } from '../format.ts';
import { Card, NextButton, ProgressBar, ScreenHeader } from '../shell/ui.tsx';
import { chanceLevels } from '../train/chart-data.ts';
import { CellRows, ConfusionMatrix, MistakesByLabel, PerClassChart } from './ResultDetails.tsx';
import { MultiLabelResults, PerLabelTable, RegressionResults, TaskRows, TokenClassificationResults } from './TaskResults.tsx';
import { TryIt } from './TryIt.tsx';

/** Above this many labels the matrix gets the screen's whole width. */
const WIDE_MATRIX_LABELS = 4;

export function EvaluateScreen() {
  const fresh = useStudio((s) => s.evaluation.metrics);
  const details = useStudio((s) => s.evaluation.details);
  const lastEval = useStudio((s) => s.training.evals.at(-1)?.metrics ?? null);
  const status = useStudio((s) => s.evaluation.status);
  const idle = useStudio(hasIdleModel);
  const goTo = useStudio((s) => s.goTo);
  const validationRows = useStudio((s) => s.training.run?.validationCounts.reduce((a, b) => a + b, 0) ?? null);
  const metrics = fresh ?? lastEval;
  return (
    <div className="screen">
      <ScreenHeader title="4. Evaluate" lead="How the model does on the validation rows it never trained on, and what it says about your own sentences." />
      {status === 'running' && (
        <Card>
          <ProgressBar
            fraction={null}
            label={validationRows === null ? 'Scoring the validation rows' : `Scoring the ${formatCount(validationRows)} validation rows`}
            expected="about as long as the evaluation after each epoch"
          />
        </Card>
      )}
      {!metrics && status !== 'running' && (
        <Card>
          <p className="muted">{idle ? 'This run has no validation rows to score.' : 'Train a model first (step 3); its scores appear here after the first epoch.'}</p>
        </Card>
      )}
      {metrics && !fresh && <p className="note">These are the scores from the last epoch. Pause or finish the run for the full picture, with the worst mistakes.</p>}
      {metrics && <Results metrics={metrics} fresh={fresh !== null} />}
      <TryIt />
      {fresh && details && <RowsToRead metrics={fresh} details={details} />}
      {idle && <NextButton onClick={() => goTo('export')}>Next: download the model</NextButton>}
    </div>
  );
}

/** The task's scores; `fresh` when they come from evaluating the model as it is now rather than from the last epoch. */
function Results({ metrics, fresh }: { metrics: TaskMetrics; fresh: boolean }) {
  const details = useStudio((s) => s.evaluation.details);
  switch (metrics.task) {
    case 'single-label':
      return <SingleLabelResults metrics={metrics} fresh={fresh} />;
    case 'multi-label':
      return <MultiLabelResults metrics={metrics} fresh={fresh} />;
    case 'regression':
      return <RegressionResults metrics={metrics} details={fresh && details?.task === 'regression' ? details : null} />;
    case 'token-classification':
      return <TokenClassificationResults metrics={metrics} />;
  }
}

/** The validation rows to read first, below Try it. */
function RowsToRead({ metrics, details }: { metrics: TaskMetrics; details: EvaluationDetails }) {
  if (details.task !== 'single-label') return <TaskRows details={details} />;
  return metrics.task === 'single-label' ? <MistakesByLabel labels={metrics.perClass.map((c) => c.label)} worst={details.worst} /> : null;
}

function SingleLabelResults({ metrics, fresh }: { metrics: ClassificationMetrics; fresh: boolean }) {
  const matrix = (
    <Card title="Confusion matrix" wide={metrics.perClass.length > WIDE_MATRIX_LABELS}>
      <ConfusionMatrix metrics={metrics} clickable={fresh} />
    </Card>
  );
  return (
    <>
      <div className="headline">
        <div className="big-number">
          <span className="big-value" data-testid="eval-accuracy">
            {formatPercent(metrics.accuracy)}
          </span>
          <span className="big-label">accuracy</span>
        </div>
        <div className="big-number">
          <span className="big-value" data-testid="eval-f1">
            {formatNumber(metrics.macroF1, 3)}
          </span>
          <span className="big-label">macro-F1</span>
        </div>
        <div className="big-number">
          <span className="big-value">{formatCount(metrics.examples)}</span>
          <span className="big-label">validation rows</span>
        </div>
        <Chance metrics={metrics} />
      </div>
      <div className="grid-2">
        <Card title="Per label">
          <PerLabelTable scores={metrics.perClass} testId="per-class" />
          <PerClassChart metrics={metrics} />
        </Card>
        {metrics.perClass.length <= WIDE_MATRIX_LABELS && matrix}
      </div>
      {metrics.perClass.length > WIDE_MATRIX_LABELS && matrix}
      {fresh && <CellRows labels={metrics.perClass.map((c) => c.label)} />}
    </>
  );
}

/** What a model that learned nothing would score on these rows, so a class can tell "learned" from "guessed". */
function Chance({ metrics }: { metrics: ClassificationMetrics }) {
  const chance = chanceLevels(
    metrics.perClass.map((c) => c.label),
    metrics.perClass.map((c) => c.support),
  );
  if (!chance) return null;
  const level = Math.max(chance.uniform, chance.majority);
  const lead = metrics.accuracy - level;
  return (
    <div className="big-number" data-testid="chance-level">
      <span className="big-value big-value-quiet">{formatPercent(level)}</span>
      <span className="big-label">chance level</span>
      <span className="muted">
        {chance.majority - chance.uniform < 0.0005
          ? `${formatPercent(chance.uniform)} guessing: the ${metrics.perClass.length} labels are equally common.`
          : `${formatPercent(chance.uniform)} guessing, ${formatPercent(chance.majority)} always “${chance.majorityLabel}”.`}{' '}
        {lead > 0 ? `The model is ${formatNumber(lead * 100, 1)} points above it.` : 'The model is not above it yet.'}
      </span>
    </div>
  );
}
