/**
 * Try it: a typed sentence through the trained model, answered as its task answers: the label
 * and every label's probability (single-label), every label's probability with those at the
 * threshold marked (multi-label), the score (regression), the entities marked in the sentence
 * with each word's tag (token classification).
 */
import type { ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { TaskId, TaskPrediction } from '../../engine/tasks/index.ts';
import { hasIdleModel } from '../../store/evaluation.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatNumber, formatPercent } from '../format.ts';
import { Card } from '../shell/ui.tsx';

type PredictionOf<Id extends TaskId> = Extract<TaskPrediction, { task: Id }>;

const prompts: { readonly [Id in TaskId]: { readonly placeholder: string; readonly submit: string } } = {
  'single-label': { placeholder: 'Type a sentence, e.g. “The soup was cold and the waiter ignored us.”', submit: 'Classify' },
  'multi-label': { placeholder: 'Type a sentence, e.g. “Thanks so much, I love it!”', submit: 'Classify' },
  regression: { placeholder: 'Type a sentence, e.g. “A man is playing a guitar.”', submit: 'Score' },
  'token-classification': { placeholder: 'Type a sentence, e.g. “Ada Lovelace met Charles Babbage in London .”', submit: 'Find entities' },
};

export function TryIt() {
  const { text, pairText, trying, result, threshold, task } = useStudio(
    useShallow((s) => ({
      text: s.evaluation.tryText,
      pairText: s.evaluation.tryPairText,
      trying: s.evaluation.trying,
      result: s.evaluation.tryResult,
      threshold: s.evaluation.threshold,
      task: s.training.task,
    })),
  );
  /** The column of the second text, for a model trained on pairs (STS-B's sentence2). */
  const pairColumn = useStudio((s) => s.dataset.summary?.mapping.textPair ?? null);
  const idle = useStudio(hasIdleModel);
  const { setTryText, setTryPairText, classify } = useStudio(useShallow((s) => ({ setTryText: s.setTryText, setTryPairText: s.setTryPairText, classify: s.classify })));
  const prompt = prompts[task ?? 'single-label'];
  const missing = text.trim() === '' || (pairColumn !== null && pairText.trim() === '');
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
          aria-label={pairColumn === null ? 'A sentence for the model' : 'The first text of the pair'}
          value={text}
          placeholder={idle ? prompt.placeholder : 'Available once a model is trained (or paused)'}
          disabled={!idle}
          onChange={(e) => setTryText(e.target.value)}
        />
        {pairColumn !== null && (
          <input
            className="try-input"
            data-testid="try-pair-input"
            aria-label={`The second text of the pair (${pairColumn})`}
            value={pairText}
            placeholder={idle ? `The second text (${pairColumn}), e.g. “A man is playing a flute.”` : ''}
            disabled={!idle}
            onChange={(e) => setTryPairText(e.target.value)}
          />
        )}
        <button type="submit" className="button button-primary button-big" data-testid="try-submit" disabled={!idle || trying || missing}>
          {trying ? 'Thinking…' : prompt.submit}
        </button>
      </form>
      <div data-testid="try-output" className="try-output" aria-live="polite">
        {result && <TryOutput prediction={result.prediction} threshold={threshold} />}
      </div>
    </Card>
  );
}

function TryOutput({ prediction, threshold }: { prediction: TaskPrediction; threshold: number }) {
  switch (prediction.task) {
    case 'single-label':
      return <SingleLabelAnswer prediction={prediction} />;
    case 'multi-label':
      return <MultiLabelAnswer prediction={prediction} threshold={threshold} />;
    case 'regression':
      return <ScoreAnswer prediction={prediction} />;
    case 'token-classification':
      return <TaggedSentence prediction={prediction} />;
  }
}

/** The predicted score, beside the range of the scores the model learnt from: a regression head's output is not bounded to it. */
function ScoreAnswer({ prediction }: { prediction: PredictionOf<'regression'> }) {
  const scores = useStudio((s) => s.dataset.summary?.scores ?? null);
  return (
    <p className="try-answer">
      Predicted score{' '}
      <span className="try-label" data-testid="try-score">
        {formatNumber(prediction.score, 3)}
      </span>
      {scores && (
        <span className="muted" data-testid="try-score-range">
          {' '}
          (the training scores run from {formatNumber(scores.min, 2)} to {formatNumber(scores.max, 2)}, {formatNumber(scores.mean, 2)} on average)
        </span>
      )}
    </p>
  );
}

/** Label names with their probabilities, the most likely first. */
function byProbability(probabilities: Readonly<Record<string, number>>): { label: string; probability: number }[] {
  return Object.entries(probabilities)
    .map(([label, probability]) => ({ label, probability }))
    .sort((a, b) => b.probability - a.probability);
}

/** `threshold`: where a multi-label bar is marked, the probability a label needs. */
function ProbabilityRow({ label, probability, marked, threshold }: { label: string; probability: number; marked?: boolean; threshold?: number }) {
  return (
    <li className={marked ? 'prob-marked' : undefined} data-testid="try-probability">
      <span className="prob-label">
        {marked && (
          <span className="prob-mark" role="img" aria-label="predicted">
            ✓{' '}
          </span>
        )}
        {label}
      </span>
      <span className="prob-bar">
        <span style={{ width: `${(probability * 100).toFixed(1)}%` }} />
        {threshold !== undefined && <span className="prob-threshold" style={{ left: `${(threshold * 100).toFixed(1)}%` }} aria-hidden="true" />}
      </span>
      <span className="prob-value">{formatPercent(probability)}</span>
    </li>
  );
}

function SingleLabelAnswer({ prediction }: { prediction: PredictionOf<'single-label'> }) {
  return (
    <>
      <p className="try-answer">
        <span className="try-label" data-testid="try-label">
          {prediction.label}
        </span>{' '}
        <span className="muted">({formatPercent(prediction.score)} sure)</span>
      </p>
      <ul className="probabilities">
        {byProbability(prediction.probabilities).map((p) => (
          <ProbabilityRow key={p.label} {...p} />
        ))}
      </ul>
    </>
  );
}

/** Every label's own probability (they need not add up to 1); those at or above the threshold are the answer. */
function MultiLabelAnswer({ prediction, threshold }: { prediction: PredictionOf<'multi-label'>; threshold: number }) {
  const ranked = byProbability(prediction.probabilities);
  const chosen = ranked.filter((p) => p.probability >= threshold);
  return (
    <>
      <p className="try-answer" data-testid="try-labels">
        {chosen.length === 0 ? (
          <span className="muted">No label reaches the threshold ({formatNumber(threshold, 2)}).</span>
        ) : (
          <>
            <span className="try-label">{chosen.map((p) => p.label).join(', ')}</span> <span className="muted">(probability at least {formatNumber(threshold, 2)})</span>
          </>
        )}
      </p>
      <ul className="probabilities" aria-label="Each label's probability; ticked labels reach the threshold">
        {ranked.map((p) => (
          <ProbabilityRow key={p.label} {...p} marked={p.probability >= threshold} threshold={threshold} />
        ))}
      </ul>
    </>
  );
}

/** The sentence with its entities marked in place, each named by its type in words, and every word's tag. */
function TaggedSentence({ prediction }: { prediction: PredictionOf<'token-classification'> }) {
  const { words, entities } = prediction;
  const pieces: ReactNode[] = [];
  for (let i = 0; i < words.length; ) {
    const entity = entities.find((e) => e.start === i);
    if (entity) {
      pieces.push(
        <mark key={i} className="entity" data-testid="try-entity" data-entity={entity.entity}>
          {entity.text} <span className="entity-type">{entity.entity}</span>
        </mark>,
        ' ',
      );
      i = entity.end;
    } else {
      pieces.push(`${words[i]!.word} `);
      i += 1;
    }
  }
  return (
    <>
      <p className="try-answer tagged-sentence" data-testid="try-sentence">
        {pieces}
      </p>
      <p className="muted">{entities.length === 0 ? 'No entity found.' : `${entities.length} ${entities.length === 1 ? 'entity' : 'entities'} found.`}</p>
      <table className="metrics-table" data-testid="try-tags">
        <thead>
          <tr>
            <th>Word</th>
            <th className="label-cell">Tag</th>
            <th>Probability</th>
          </tr>
        </thead>
        <tbody>
          {words.map((w, i) => (
            <tr key={i}>
              <td className="label-cell">{w.word}</td>
              <td className="label-cell">{w.tag ?? 'not read (past the max length)'}</td>
              <td>{formatPercent(w.score)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
