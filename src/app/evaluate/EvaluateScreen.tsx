import { useShallow } from 'zustand/react/shallow';
import { type TaskMetrics, taskOfMetrics } from '../../engine/tasks/index.ts';
import type { ClassificationMetrics } from '../../engine/metrics.ts';
import { hasIdleModel } from '../../store/evaluation.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatNumber, formatPercent } from '../format.ts';
import { Card, NextButton, ProgressBar, ScreenHeader } from '../shell/ui.tsx';
import { chanceLevels } from '../train/chart-data.ts';
import { CellRows, ConfusionMatrix, MistakesByLabel, PerClassChart } from './ResultDetails.tsx';

/** Above this many labels the matrix gets the screen's whole width. */
const WIDE_MATRIX_LABELS = 4;

export function EvaluateScreen() {
  const fresh = useStudio((s) => s.evaluation.metrics);
  const lastEval = useStudio((s) => s.training.evals.at(-1)?.metrics ?? null);
  const status = useStudio((s) => s.evaluation.status);
  const idle = useStudio(hasIdleModel);
  const goTo = useStudio((s) => s.goTo);
  const validationRows = useStudio((s) => s.training.run?.validationCounts.reduce((a, b) => a + b, 0) ?? null);
  const anyMetrics = fresh ?? lastEval;
  const metrics = anyMetrics?.task === 'single-label' ? anyMetrics : null;
  const matrix = metrics && (
    <Card title="Confusion matrix" wide={metrics.perClass.length > WIDE_MATRIX_LABELS}>
      <ConfusionMatrix metrics={metrics} clickable={fresh !== null} />
    </Card>
  );
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
      {!anyMetrics && status !== 'running' && (
        <Card>
          <p className="muted">{idle ? 'This run has no validation rows to score.' : 'Train a model first (step 3); its scores appear here after the first epoch.'}</p>
        </Card>
      )}
      {metrics && (
        <>
          {!fresh && <p className="note">These are the scores from the last epoch. Pause or finish the run for the full picture, with the worst mistakes.</p>}
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
              <PerClass metrics={metrics} />
              <PerClassChart metrics={metrics} />
            </Card>
            {metrics.perClass.length <= WIDE_MATRIX_LABELS && matrix}
          </div>
          {metrics.perClass.length > WIDE_MATRIX_LABELS && matrix}
          {fresh && <CellRows labels={metrics.perClass.map((c) => c.label)} />}
        </>
      )}
      {anyMetrics && anyMetrics.task !== 'single-label' && <TaskHeadline metrics={anyMetrics} />}
      <TryIt />
      {fresh && metrics && <MistakesByLabel labels={metrics.perClass.map((c) => c.label)} />}
      {idle && <NextButton onClick={() => goTo('export')}>Next: download the model</NextButton>}
    </div>
  );
}

/** The task's own scores, as the model card lists them. */
function TaskHeadline({ metrics }: { metrics: TaskMetrics }) {
  return (
    <div className="headline">
      {taskOfMetrics(metrics)
        .cardMetrics(metrics)
        .map((m) => (
          <div className="big-number" key={m.name}>
            <span className="big-value" data-testid={`eval-${m.name.toLowerCase().replace(/\s+/g, '-')}`}>
              {formatNumber(m.value, 3)}
            </span>
            <span className="big-label">{m.name}</span>
          </div>
        ))}
      <div className="big-number">
        <span className="big-value">{formatCount(metrics.examples)}</span>
        <span className="big-label">validation rows</span>
      </div>
    </div>
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

function PerClass({ metrics }: { metrics: ClassificationMetrics }) {
  return (
    <table className="metrics-table" data-testid="per-class">
      <thead>
        <tr>
          <th>Label</th>
          <th>Precision</th>
          <th>Recall</th>
          <th>F1</th>
          <th>Rows</th>
        </tr>
      </thead>
      <tbody>
        {metrics.perClass.map((c) => (
          <tr key={c.label}>
            <td className="label-cell">{c.label}</td>
            <td>{formatPercent(c.precision)}</td>
            <td>{formatPercent(c.recall)}</td>
            <td>{formatNumber(c.f1, 3)}</td>
            <td>{formatCount(c.support)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TryIt() {
  const { text, trying, result } = useStudio(useShallow((s) => ({ text: s.evaluation.tryText, trying: s.evaluation.trying, result: s.evaluation.tryResult })));
  const idle = useStudio(hasIdleModel);
  const { setTryText, classify } = useStudio(useShallow((s) => ({ setTryText: s.setTryText, classify: s.classify })));
  const best = result ? result.probabilities.reduce((a, b) => (b.probability > a.probability ? b : a)) : null;
  return (
    <Card title="Try it" wide>
      <form
        className="try-form"
        onSubmit={(e) => {
          e.preventDefault();
          classify();
        }}
      >
        <input
          className="try-input"
          data-testid="try-input"
          value={text}
          placeholder={idle ? 'Type a sentence, e.g. “The soup was cold and the waiter ignored us.”' : 'Available once a model is trained (or paused)'}
          disabled={!idle}
          onChange={(e) => setTryText(e.target.value)}
        />
        <button type="submit" className="button button-primary button-big" data-testid="try-submit" disabled={!idle || trying || text.trim() === ''}>
          {trying ? 'Thinking…' : 'Classify'}
        </button>
      </form>
      <div data-testid="try-output" className="try-output" aria-live="polite">
        {result && best && (
          <>
            <p className="try-answer">
              <span className="try-label" data-testid="try-label">
                {best.label}
              </span>{' '}
              <span className="muted">({formatPercent(best.probability)} sure)</span>
            </p>
            <ul className="probabilities">
              {[...result.probabilities]
                .sort((a, b) => b.probability - a.probability)
                .map((p) => (
                  <li key={p.label}>
                    <span className="prob-label">{p.label}</span>
                    <span className="prob-bar">
                      <span style={{ width: `${(p.probability * 100).toFixed(1)}%` }} />
                    </span>
                    <span className="prob-value">{formatPercent(p.probability)}</span>
                  </li>
                ))}
            </ul>
          </>
        )}
      </div>
    </Card>
  );
}
