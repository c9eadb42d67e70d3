import { useShallow } from 'zustand/react/shallow';
import type { BackendChoice, CheckpointUse, TrainingSettings } from '../../../workers/protocol.ts';
import { trainBlocker } from '../../store/training.ts';
import type { TrainingStatus } from '../../store/types.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatDuration, formatNumber } from '../format.ts';
import { Card, NextButton, NumberField, ProgressBar } from '../shell/ui.tsx';
import { BestModelFields } from './BestModelFields.tsx';
import { EpochMetrics, LossChart } from './charts.tsx';

type NumericSetting = { [K in keyof TrainingSettings]: TrainingSettings[K] extends number ? K : never }[keyof TrainingSettings];

const statusText: Record<TrainingStatus, string> = {
  idle: 'Ready to train',
  preparing: 'Getting ready',
  running: 'Training',
  pausing: 'Pausing after this step',
  paused: 'Paused',
  stopping: 'Stopping after this step',
  finished: 'Finished',
  stopped: 'Stopped',
  failed: 'Stopped by an error',
};

export function TrainScreen() {
  const finished = useStudio((s) => ['finished', 'stopped', 'paused'].includes(s.training.status) && s.training.steps.length > 0);
  const goTo = useStudio((s) => s.goTo);
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>3. Train</h1>
        <p className="lead">The model reads your training rows again and again (epochs) and adjusts its weights a little after each batch.</p>
      </header>
      <div className="train-layout">
        <div className="stack">
          <SettingsPanel />
          <CheckpointCard />
        </div>
        <div className="stack">
          <Controls />
          <LossChart />
          <EpochMetrics />
        </div>
      </div>
      {finished && <NextButton onClick={() => goTo('evaluate')}>Next: see how good it is</NextButton>}
    </div>
  );
}

function Controls() {
  const t = useStudio(
    useShallow((s) => ({
      status: s.training.status,
      phase: s.training.phase,
      tokenized: s.training.tokenized,
      backend: s.training.backend,
      steps: s.training.steps.length,
      lastStep: s.training.steps.at(-1) ?? null,
      totalSteps: s.training.totalSteps,
      samplesPerSecond: s.training.samplesPerSecond,
      etaMs: s.training.etaMs,
      epochs: s.training.settings.epochs,
      notice: s.training.notice,
      lastSaved: s.training.lastSaved,
      endNote: s.training.endNote,
    })),
  );
  const blocker = useStudio(trainBlocker);
  const { startTraining, pauseTraining, resumeTraining, stopTraining } = useStudio(
    useShallow((s) => ({ startTraining: s.startTraining, pauseTraining: s.pauseTraining, resumeTraining: s.resumeTraining, stopTraining: s.stopTraining })),
  );
  const { status } = t;
  const busy = status === 'preparing' || status === 'running' || status === 'pausing' || status === 'stopping';
  const canResume = status === 'paused' || status === 'failed';
  return (
    <Card>
      <div className="controls">
        <button type="button" className="button button-primary button-big" data-testid="train-start" disabled={blocker !== null} onClick={startTraining}>
          {t.steps > 0 ? 'Train a new run' : 'Train'}
        </button>
        <button type="button" className="button button-big" data-testid="train-pause" disabled={status !== 'running'} onClick={pauseTraining}>
          Pause
        </button>
        <button type="button" className="button button-big" data-testid="train-resume" disabled={!canResume} onClick={resumeTraining}>
          Resume
        </button>
        <button type="button" className="button button-big button-danger" data-testid="train-stop" disabled={!(status === 'running' || canResume)} onClick={stopTraining}>
          Stop
        </button>
        <span className={`status status-${status}`} data-testid="train-status" data-status={status}>
          {status === 'idle' && blocker ? 'Not ready yet' : statusText[status]}
        </span>
      </div>
      {blocker && !busy && !canResume && <p className="muted">{blocker}</p>}
      {status === 'preparing' && (
        <ProgressBar
          fraction={t.phase === 'Tokenizing the dataset' && t.tokenized ? t.tokenized.done / t.tokenized.total : null}
          label={t.phase === 'Tokenizing the dataset' && t.tokenized ? `Tokenizing ${formatCount(t.tokenized.done)} of ${formatCount(t.tokenized.total)} rows` : (t.phase ?? 'Getting ready')}
        />
      )}
      {t.totalSteps !== null && t.lastStep && status !== 'preparing' && (
        <ProgressBar fraction={t.lastStep.step / t.totalSteps} label={`Step ${formatCount(t.lastStep.step)} of ${formatCount(t.totalSteps)} · epoch ${Math.min(t.epochs, Math.ceil(t.lastStep.epoch - 1e-9))} of ${t.epochs}`} />
      )}
      <div className="tiles">
        <div className="tile tile-wide">
          <span className="tile-label">Runs on</span>
          {t.backend ? (
            <span>
              <strong data-testid="backend-name" data-backend={t.backend.name}>
                {t.backend.name === 'webgpu' ? 'WebGPU' : 'WASM (CPU)'}
              </strong>{' '}
              <span className="muted">{t.backend.description}</span>
              {t.backend.fallbackReason && (
                <span className="callout-inline" data-testid="backend-reason">
                  {' '}
                  {t.backend.fallbackReason}
                </span>
              )}
            </span>
          ) : (
            <span className="muted">chosen at the start: WebGPU if this browser has it, else WASM</span>
          )}
        </div>
        <div className="tile">
          <span className="tile-label">Speed</span>
          <span data-testid="train-speed">{t.samplesPerSecond !== null ? `${formatNumber(t.samplesPerSecond, 1)} rows/s` : '–'}</span>
        </div>
        <div className="tile">
          <span className="tile-label">Time left</span>
          <span data-testid="train-eta">{t.etaMs !== null && busy ? formatDuration(t.etaMs) : '–'}</span>
        </div>
        <div className="tile">
          <span className="tile-label">Checkpoint</span>
          <span data-testid="checkpoint-saved">
            {t.lastSaved ? `step ${formatCount(t.lastSaved.step)}, ${new Date(t.lastSaved.savedAt).toLocaleTimeString()}` : 'after each epoch and on pause'}
          </span>
        </div>
      </div>
      {t.endNote && status === 'finished' && (
        <p className="note" data-testid="train-end-note">
          Finished: {t.endNote}.
        </p>
      )}
      {t.notice && (
        <details className="notice">
          <summary>What happened to the pretrained weights</summary>
          <pre>{t.notice}</pre>
        </details>
      )}
    </Card>
  );
}

/** A checkpoint file (from Export, or the CLI's training_checkpoint.safetensors) to continue or fine-tune further. */
function CheckpointCard() {
  const checkpoint = useStudio((s) => s.training.checkpoint);
  const use = useStudio((s) => s.training.checkpointUse);
  const locked = useStudio((s) => ['preparing', 'running', 'pausing', 'stopping'].includes(s.training.status));
  const noModel = useStudio((s) => s.model.summary === null || s.model.summary.source === 'saved-run');
  const { loadCheckpoint, setCheckpointUse, forgetCheckpoint } = useStudio(
    useShallow((s) => ({ loadCheckpoint: s.loadCheckpoint, setCheckpointUse: s.setCheckpointUse, forgetCheckpoint: s.forgetCheckpoint })),
  );
  const option = (value: CheckpointUse, label: string, disabled = false) => (
    <label className="radio">
      <input type="radio" name="checkpoint-use" value={value} data-testid={`checkpoint-use-${value}`} checked={use === value} disabled={disabled} onChange={() => setCheckpointUse(value)} />
      {label}
    </label>
  );
  return (
    <Card title="Start from a checkpoint">
      <fieldset disabled={locked || noModel} className="settings">
        <p className="muted">
          {noModel ? 'Load the model the checkpoint started from (step 2) first: it brings the tokenizer.' : 'A checkpoint you downloaded from Export, or the command line’s training_checkpoint.safetensors.'}
        </p>
        <label className="button file-button">
          Load checkpoint…
          <input
            type="file"
            accept=".safetensors"
            data-testid="checkpoint-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) loadCheckpoint(file);
              e.target.value = '';
            }}
          />
        </label>
        {checkpoint && (
          <div data-testid="checkpoint-loaded">
            <p>
              <strong>{checkpoint.fileName}</strong>: {formatCount(checkpoint.step)} updates, {checkpoint.epochsDone} of {checkpoint.settings.epochs} epochs
              {checkpoint.finished ? ' (finished)' : ''}, labels {checkpoint.labels.join(', ')}.
            </p>
            {option('continue', 'Continue that run exactly (same data and settings)', checkpoint.finished)}
            {option('fine-tune', 'Fine-tune further from its weights (new settings or data)')}
            <button type="button" className="button" onClick={forgetCheckpoint}>
              Start from the model instead
            </button>
          </div>
        )}
      </fieldset>
    </Card>
  );
}

function SettingsPanel() {
  const settings = useStudio((s) => s.training.settings);
  const dropout = useStudio((s) => s.training.dropout);
  const backendChoice = useStudio((s) => s.ui.backendChoice);
  const locked = useStudio((s) => ['preparing', 'running', 'pausing', 'stopping'].includes(s.training.status));
  const { setSetting, setDropout, setBackendChoice } = useStudio(
    useShallow((s) => ({ setSetting: s.setSetting, setDropout: s.setDropout, setBackendChoice: s.setBackendChoice })),
  );
  const field = (key: NumericSetting, label: string, hint: string) => (
    <NumberField key={key} label={label} hint={hint} value={settings[key]} testId={`setting-${key}`} onChange={(v) => v !== null && setSetting(key, v)} />
  );
  return (
    <Card title="Settings">
      <fieldset disabled={locked} className="settings">
        <p className="muted">The defaults are the Hugging Face Trainer’s, which work well for fine-tuning.</p>
        {field('epochs', 'Epochs', 'passes over the training rows')}
        {field('batchSize', 'Batch size', 'rows per step')}
        {field('learningRate', 'Learning rate', 'how big each adjustment is, e.g. 5e-5')}
        {field('maxLength', 'Max length', 'tokens per row; longer rows are cut')}
        {field('weightDecay', 'Weight decay', 'keeps weights small')}
        {field('warmupRatio', 'Warmup ratio', 'share of steps ramping the learning rate up')}
        {field('gradAccumulation', 'Gradient accumulation', 'batches summed per update')}
        {field('seed', 'Seed', 'same seed, same run')}
        <BestModelFields />
        <details className="advanced">
          <summary>Advanced</summary>
          {field('maxGradNorm', 'Max gradient norm', 'clipping; 0 turns it off')}
          <NumberField label="Dropout (override)" hint="empty: the model’s own" value={dropout} placeholder="model default" testId="setting-dropout" onChange={setDropout} />
          {field('evalSteps', 'Evaluate every N steps', '0: after each epoch only')}
          {field('maxSteps', 'Max steps', '0: all epochs')}
          {field('evalBatchSize', 'Evaluation batch size', 'rows per evaluation batch')}
          <div className="field">
            <label htmlFor="backend-choice">Compute</label>
            <select id="backend-choice" data-testid="backend-choice" value={backendChoice} onChange={(e) => setBackendChoice(e.target.value as BackendChoice)}>
              <option value="auto">Automatic (WebGPU if available)</option>
              <option value="webgpu">WebGPU</option>
              <option value="wasm">WASM (CPU)</option>
            </select>
          </div>
        </details>
      </fieldset>
    </Card>
  );
}
