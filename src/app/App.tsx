import { useEffect, useRef } from 'react';
import { isTraining } from '../store/training.ts';
import { useStudio } from '../store/useStudio.ts';
import { DataScreen } from './data/DataScreen.tsx';
import { EvaluateScreen } from './evaluate/EvaluateScreen.tsx';
import { ExportScreen } from './export/ExportScreen.tsx';
import { ModelScreen } from './model/ModelScreen.tsx';
import { DropZone } from './shell/DropZone.tsx';
import { ErrorBanner } from './shell/ErrorBanner.tsx';
import { SavedRunBanner } from './shell/SavedRunBanner.tsx';
import { StepNav } from './shell/StepNav.tsx';
import { RunsScreen } from './runs/RunsScreen.tsx';
import { RunsNavButton } from './shell/RunsNavButton.tsx';
import { TrainScreen } from './train/TrainScreen.tsx';

/** The shell: title, the five steps, the banners, and the current step's screen. */
export function App() {
  const screen = useStudio((s) => s.ui.screen);
  const presentation = useStudio((s) => s.ui.presentation && s.ui.screen === 'train');
  useFocusOnScreenChange(screen);
  useLeaveWarning();
  return (
    <div className={presentation ? 'app app-presentation' : 'app'}>
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">Fine-Tune Studio</span>
          <span className="brand-tag">Teach a language model your labels, right here in the browser. Your data never leaves this computer.</span>
        </div>
        <StepNav />
        <RunsNavButton />
      </header>
      <main>
        <SavedRunBanner />
        <ErrorBanner />
        {screen === 'data' && <DataScreen />}
        {screen === 'model' && <ModelScreen />}
        {screen === 'train' && <TrainScreen />}
        {screen === 'evaluate' && <EvaluateScreen />}
        {screen === 'export' && <ExportScreen />}
        {screen === 'runs' && <RunsScreen />}
      </main>
      <footer className="app-footer">
        <a href="./bench.html">Benchmark this browser</a>: how fast it trains, how many GPU kernels a step launches, and how much GPU memory it
        takes.
      </footer>
      <DropZone />
    </div>
  );
}

/** A new screen's heading takes the focus (not on the first one, where the page has just loaded), so the next Tab starts there. */
function useFocusOnScreenChange(screen: string): void {
  const shown = useRef(screen);
  useEffect(() => {
    if (shown.current === screen) return;
    shown.current = screen;
    document.querySelector<HTMLElement>('main .screen-header h1')?.focus();
  }, [screen]);
}

/** While a run trains, leaving or reloading the page asks first: the steps since the last checkpoint would be lost. */
function useLeaveWarning(): void {
  const training = useStudio((s) => isTraining(s.training.status));
  useEffect(() => {
    if (!training) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [training]);
}
