import { useShallow } from 'zustand/react/shallow';
import { useStudio } from '../../store/useStudio.ts';
import type { Screen, StudioState } from '../../store/types.ts';

const steps: { screen: Screen; title: string }[] = [
  { screen: 'data', title: 'Data' },
  { screen: 'model', title: 'Model' },
  { screen: 'train', title: 'Train' },
  { screen: 'evaluate', title: 'Evaluate' },
  { screen: 'export', title: 'Export' },
];

function isDone(s: StudioState, screen: Screen): boolean {
  switch (screen) {
    case 'data':
      return s.dataset.summary !== null;
    case 'model':
      return s.model.summary !== null;
    case 'train':
      return s.training.status === 'finished' || s.training.status === 'stopped';
    case 'evaluate':
      return s.evaluation.metrics !== null;
    case 'export':
      return s.evaluation.exported !== null;
    case 'runs':
      return s.runs.records.length > 0;
  }
}

/** The five steps as big tabs: where you are, what is done, and one click to any of them. */
export function StepNav() {
  const current = useStudio((s) => s.ui.screen);
  const done = useStudio(useShallow((s) => steps.map((step) => isDone(s, step.screen))));
  const goTo = useStudio((s) => s.goTo);
  return (
    <nav className="steps" aria-label="Steps">
      {steps.map((step, i) => (
        <button
          key={step.screen}
          type="button"
          className={`step${step.screen === current ? ' step-current' : ''}${done[i] ? ' step-done' : ''}`}
          aria-current={step.screen === current ? 'step' : undefined}
          data-testid={`nav-${step.screen}`}
          onClick={() => goTo(step.screen)}
        >
          <span className="step-number">{done[i] ? '✓' : i + 1}</span>
          <span className="step-title">{step.title}</span>
        </button>
      ))}
    </nav>
  );
}
