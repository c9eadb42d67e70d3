import { useStudio } from '../../store/useStudio.ts';

/** Beside the five steps: the runs kept in this browser, to compare them. */
export function RunsNavButton() {
  const current = useStudio((s) => s.ui.screen === 'runs');
  const count = useStudio((s) => s.runs.records.length);
  const goTo = useStudio((s) => s.goTo);
  return (
    <button type="button" className={`step step-runs${current ? ' step-current' : ''}`} aria-current={current ? 'page' : undefined} data-testid="nav-runs" onClick={() => goTo('runs')}>
      <span className="step-number">{count}</span>
      <span className="step-title">Runs</span>
    </button>
  );
}
