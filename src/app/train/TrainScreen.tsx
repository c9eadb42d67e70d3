import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BackendChoice, BackendInfo, CheckpointCadence, CheckpointUse, RunPhase } from '../../../workers/protocol.ts';
import {
  changesOnResume,
  discardedByNewRun,
  effectiveMaxLength,
  isResumable,
  isTraining,
  plannedSteps,
  resumeBlocker,
  settingFieldProblems,
  settingLock,
  trainBlocker,
} from '../../store/training.ts';
import type { SettingField, StudioState, TrainingStatus } from '../../store/types.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatDuration, formatNumber } from '../format.ts';
import { Card, LockReason, NextButton, NumberField, ProgressBar, ScreenHeader } from '../shell/ui.tsx';
import { useFocusKeeper } from '../shell/useFocusKeeper.ts';
import { BestModelFields } from './BestModelFields.tsx';
import { MethodFields } from './MethodFields.tsx';
import { EpochMetrics, LossChart } from './charts.tsx';

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

/** What each wait before the first step is called, and how long it usually takes. */
const phaseText: Record<Exclude<RunPhase, 'tokenizing'>, { label: string; expected?: string }> = {
  resuming: { label: 'Resuming the run' },
  'setting-up': { label: 'Setting up the model', expected: 'a few seconds' },
  compiling: { label: 'Compiling the training graphs', expected: 'usually under a minute; larger models take longer' },
};

/** The wait between a run's start (or resume) and its first step: on a GPU the kernels compile then. */
function firstStepText(backend: BackendInfo | null): { label: string; expected: string } {
  return backend?.name === 'webgpu'
    ? { label: 'Uploading the weights and preparing the first step: the GPU compiles its kernels', expected: 'about a minute the first time' }
    : { label: 'Preparing the first step', expected: 'a few seconds' };
}

export function TrainScreen() {
  const finished = useStudio((s) => ['finished', 'stopped', 'paused'].includes(s.training.status) && s.training.steps.length > 0);
  const presentation = useStudio((s) => s.ui.presentation);
  const { goTo, togglePresentation } = useStudio(useShallow((s) => ({ goTo: s.goTo, togglePresentation: s.togglePresentation })));
  return (
    <div className={presentation ? 'screen screen-presentation' : 'screen'}>
      <ScreenHeader title="3. Train" lead="The model reads your training rows again and again (epochs) and adjusts its weights a little after each batch.">
        <button type="button" className="button header-toggle" aria-pressed={presentation} data-testid="presentation-toggle" onClick={togglePresentation}>
          {presentation ? 'Show the settings' : 'Presentation view'}
        </button>
      </ScreenHeader>
      <div className={presentation ? 'train-layout train-presentation' : 'train-layout'}>
        {!presentation && (
          <div className="stack">
            <SettingsPanel />
            <CheckpointCard />
          </div>
        )}
        <div className="stack">
          <Controls />
          <div className="train-charts">
            <LossChart />
            <EpochMetrics />
          </div>
        </div>
      </div>
      {finished && <NextButton onClick={() => goTo('evaluate')}>Next: see how good it is</NextButton>}
    </div>
  );
}

/** When the run is saved, for the checkpoint tile before the first save. */
function cadenceText(c: CheckpointCadence): string {
  const every = [c.everyMs > 0 ? `${formatDuration(c.everyMs)} of training` : null, c.everyUpdates > 0 ? `${formatCount(c.everyUpdates)} steps` : null].filter((x) => x !== null);
  return every.length > 0 ? `every ${every.join(' or ')}, each epoch, on pause` : 'after each epoch and on pause';
}

/** Which control the run's state makes the one to press: what Enter on the focused primary button does. */
function primaryAction(status: TrainingStatus, resumable: boolean): RunAction | null {
  if (status === 'running') return 'pause';
  if (resumable) return 'resume';
  if (status === 'idle' || status === 'finished' || status === 'stopped' || status === 'failed') return 'train';
  return null;
}

type RunAction = 'train' | 'pause' | 'resume';

const runButtonIds: Record<RunAction, string> = { train: 'train-start', pause: 'train-pause', resume: 'train-resume' };

/** Train, Pause or Resume: filled, and where focus goes when it is lost, when the run's state makes it the one to press. */
function RunButton({ action, primary, disabled, describedBy, onClick, children }: { action: RunAction; primary: RunAction | null; disabled: boolean; describedBy?: string; onClick: () => void; children: ReactNode }) {
  return (
    <button
      type="button"
      className={action === primary ? 'button button-big button-primary' : 'button button-big'}
      data-testid={runButtonIds[action]}
      data-primary={action === primary ? '' : undefined}
      disabled={disabled}
      aria-describedby={describedBy}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** The step the run is at and where it ends, with the epochs and steps as edited for a resume. */
function progressLine(s: StudioState): { fraction: number; label: string } | null {
  const { run, steps, settings } = s.training;
  const last = steps.at(-1);
  const total = plannedSteps(s);
  if (!run || !last || total === null) return null;
  const edited = isResumable(s) && total !== s.training.totalSteps;
  const plan = edited ? { ...run.settings, epochs: settings.epochs, maxSteps: settings.maxSteps } : run.settings;
  const epoch = Math.max(1, Math.min(plan.epochs, Math.ceil(last.epoch - 1e-9)));
  const epochs = plan.maxSteps > 0 ? `epoch ${epoch}` : `epoch ${epoch} of ${plan.epochs}`;
  return { fraction: Math.min(1, last.step / total), label: `Step ${formatCount(last.step)} of ${formatCount(total)} · ${epochs}${edited ? ' (as edited, from Resume on)' : ''}` };
}

/** While the run trains: the wait it is in, if any, beyond taking steps. */
function runWait(s: StudioState): { label: string; expected?: string; since?: number } | null {
  const t = s.training;
  if (!['running', 'pausing', 'stopping'].includes(t.status)) return null;
  const last = t.steps.at(-1);
  if (t.resumedAt && (last?.step ?? 0) <= t.resumedAt.step) return { ...firstStepText(t.backend), since: t.resumedAt.at };
  const validationRows = t.run?.validationCounts.reduce((a, b) => a + b, 0) ?? 0;
  const evalSteps = t.run?.settings.evalSteps ?? 0;
  const evaluationDue = last && (Number.isInteger(last.epoch) || last.step === t.totalSteps || (evalSteps > 0 && last.step % evalSteps === 0));
  if (evaluationDue && validationRows > 0 && (t.evals.at(-1)?.step ?? 0) < last.step) {
    return { label: `Scoring the ${formatCount(validationRows)} validation rows after step ${formatCount(last.step)}` };
  }
  return null;
}

function Controls() {
  const t = useStudio(
    useShallow((s) => ({
      status: s.training.status,
      phase: s.training.phase,
      tokenized: s.training.tokenized,
      backend: s.training.backend,
      samplesPerSecond: s.training.samplesPerSecond,
      etaMs: s.training.etaMs,
      notice: s.training.notice,
      lastSaved: s.training.lastSaved,
      endNote: s.training.endNote,
      cadence: s.training.checkpointCadence,
    })),
  );
  const progress = useStudio(useShallow(progressLine));
  const wait = useStudio(useShallow(runWait));
  const resumable = useStudio(isResumable);
  const blocker = useStudio(trainBlocker);
  const resumeProblem = useStudio(resumeBlocker);
  const discarded = useStudio(discardedByNewRun);
  const { startTraining, pauseTraining, resumeTraining, stopTraining } = useStudio(
    useShallow((s) => ({ startTraining: s.startTraining, pauseTraining: s.pauseTraining, resumeTraining: s.resumeTraining, stopTraining: s.stopTraining })),
  );
  const [asking, setAsking] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const reasonId = useId();
  const { status } = t;
  const busy = isTraining(status);
  const primary = primaryAction(status, resumable);
  useFocusKeeper(box, `${status}:${primary}`);
  const reason = busy ? null : resumable && resumeProblem ? resumeProblem : blocker;
  const phase = status === 'preparing' && t.phase ? t.phase : null;
  return (
    <Card>
      <div ref={box} className="controls-box">
        <div className="controls">
          <RunButton action="train" primary={primary} disabled={blocker !== null} describedBy={blocker && reason === blocker ? reasonId : undefined} onClick={() => (discarded ? setAsking(true) : startTraining())}>
            {discarded ? 'Train a new run…' : 'Train'}
          </RunButton>
          <RunButton action="pause" primary={primary} disabled={status !== 'running'} onClick={pauseTraining}>
            Pause
          </RunButton>
          <RunButton action="resume" primary={primary} disabled={!resumable || resumeProblem !== null} describedBy={resumable && resumeProblem ? reasonId : undefined} onClick={resumeTraining}>
            Resume
          </RunButton>
          <button type="button" className="button button-big button-danger" data-testid="train-stop" disabled={!(status === 'running' || resumable)} onClick={stopTraining}>
            Stop
          </button>
          <span className={`status status-${status}`} data-testid="train-status" data-status={status} role="status" tabIndex={-1} data-focus-fallback="">
            {status === 'idle' && blocker ? 'Not ready yet' : statusText[status]}
          </span>
        </div>
        {reason && (
          <p className="muted" id={reasonId} data-testid="train-blocker">
            {reason}
          </p>
        )}
        {discarded && (
          <NewRunDialog
            open={asking}
            discarded={discarded}
            resumable={resumable}
            onCancel={() => setAsking(false)}
            onConfirm={() => {
              setAsking(false);
              startTraining();
            }}
          />
        )}
      </div>
      <RunFacts />
      {phase && phase.id === 'tokenizing' && (
        <ProgressBar
          fraction={t.tokenized ? t.tokenized.done / t.tokenized.total : null}
          label={t.tokenized ? `Tokenizing ${formatCount(t.tokenized.done)} of ${formatCount(t.tokenized.total)} rows` : 'Tokenizing the dataset'}
          since={phase.since}
        />
      )}
      {phase && phase.id !== 'tokenizing' && <ProgressBar fraction={null} label={phaseText[phase.id].label} expected={phaseText[phase.id].expected} since={phase.since} />}
      {progress && status !== 'preparing' && <ProgressBar fraction={progress.fraction} label={progress.label} />}
      {wait && <ProgressBar fraction={null} label={wait.label} expected={wait.expected} since={wait.since} />}
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
          <span data-testid="train-speed">{t.samplesPerSecond !== null && busy ? `${formatNumber(t.samplesPerSecond, 1)} rows/s` : '–'}</span>
        </div>
        <div className="tile">
          <span className="tile-label">Time left</span>
          <span data-testid="train-eta">{t.etaMs !== null && busy ? formatDuration(t.etaMs) : status === 'running' ? 'measuring…' : '–'}</span>
        </div>
        <div className="tile">
          <span className="tile-label">Checkpoint</span>
          <span data-testid="checkpoint-saved">
            {t.lastSaved ? `step ${formatCount(t.lastSaved.step)}, ${new Date(t.lastSaved.savedAt).toLocaleTimeString()}` : cadenceText(t.cadence)}
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

/** Which model and dataset the run has; in the presentation view, where the settings panel is folded away, its main settings too. */
function RunFacts() {
  const run = useStudio((s) => s.training.run);
  const settings = useStudio((s) => s.training.run?.settings ?? s.training.settings);
  const presentation = useStudio((s) => s.ui.presentation);
  if (!run && !presentation) return null;
  const summary = `${settings.epochs} epochs · batch size ${settings.batchSize} · learning rate ${settings.learningRate} · max length ${settings.maxLength}`;
  return (
    <p className="run-facts" data-testid="run-facts">
      {run && (
        <>
          This run: <strong>{run.modelName}</strong> on <strong>{run.datasetName}</strong>
        </>
      )}
      {run && presentation && ' · '}
      {presentation && summary}
    </p>
  );
}

/** Asks before a new run replaces the paused or finished one, naming it. */
function NewRunDialog({ open, discarded, resumable, onCancel, onConfirm }: { open: boolean; discarded: string; resumable: boolean; onCancel: () => void; onConfirm: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={titleId} data-testid="new-run-dialog" onClose={onCancel}>
      <h2 id={titleId}>Start a new run?</h2>
      <p data-testid="new-run-discards">A new run discards {discarded}, and its checkpoint in this browser.</p>
      <p className="muted">
        To keep it, download its model or checkpoint on the Export screen first{resumable ? ', or choose Resume to go on with it' : ''}.
      </p>
      <div className="dialog-actions">
        {/* The safe answer has the focus, so Enter keeps the run. */}
        <button type="button" className="button button-big button-primary" data-testid="new-run-cancel" autoFocus onClick={onCancel}>
          Keep it
        </button>
        <button type="button" className="button button-big button-danger" data-testid="new-run-confirm" onClick={onConfirm}>
          Discard it and train a new run
        </button>
      </div>
    </dialog>
  );
}

/** A checkpoint file (from Export, or the CLI's training_checkpoint.safetensors) to continue or fine-tune further. */
function CheckpointCard() {
  const checkpoint = useStudio((s) => s.training.checkpoint);
  const use = useStudio((s) => s.training.checkpointUse);
  const locked = useStudio((s) => isTraining(s.training.status));
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
          {noModel
            ? 'Load the model the checkpoint started from (step 2) first: it brings the tokenizer.'
            : locked
              ? 'A checkpoint can be loaded for the next run once this one is paused or stopped.'
              : 'A checkpoint you downloaded from Export, or the command line’s training_checkpoint.safetensors.'}
        </p>
        <label className={`button file-button${locked || noModel ? ' disabled' : ''}`}>
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

const fields: readonly SettingField[] = [
  'epochs',
  'batchSize',
  'learningRate',
  'maxLength',
  'weightDecay',
  'warmupRatio',
  'gradAccumulation',
  'seed',
  'maxGradNorm',
  'dropout',
  'evalSteps',
  'maxSteps',
  'evalBatchSize',
  'checkpointSeconds',
  'checkpointSteps',
  'gpuMemoryBudget',
];

const backendNames: Record<BackendChoice, string> = { auto: 'Automatic (WebGPU if available)', webgpu: 'WebGPU', wasm: 'WASM (CPU)' };

function SettingsPanel() {
  const settings = useStudio((s) => s.training.settings);
  const dropout = useStudio((s) => s.training.dropout);
  const cadence = useStudio((s) => s.training.checkpointCadence);
  const gpuBudget = useStudio((s) => s.training.gpuMemoryBudgetMb);
  const backendChoice = useStudio((s) => s.ui.backendChoice);
  const problems = useStudio(useShallow(settingFieldProblems));
  const locks = useStudio(useShallow((s) => Object.fromEntries(fields.map((f) => [f, settingLock(s, f)])) as Record<SettingField, string | null>));
  const backendLock = useStudio((s) => settingLock(s, 'backend'));
  const resumable = useStudio(isResumable);
  const cappedAt = useStudio((s) => (effectiveMaxLength(s) < s.training.settings.maxLength ? effectiveMaxLength(s) : null));
  const { setSettingText, setBackendChoice } = useStudio(useShallow((s) => ({ setSettingText: s.setSettingText, setBackendChoice: s.setBackendChoice })));
  const backendId = useId();
  const note = (key: SettingField): string | null => {
    if (key === 'maxLength' && cappedAt !== null) return `This model reads at most ${cappedAt} tokens, so ${cappedAt} is used.`;
    if (resumable && changesOnResume(key)) return 'Applies when you resume: the schedule is planned again from here.';
    return null;
  };
  const fieldValue = (key: SettingField): number | null => {
    switch (key) {
      case 'dropout':
        return dropout;
      case 'checkpointSeconds':
        return cadence.everyMs / 1000;
      case 'checkpointSteps':
        return cadence.everyUpdates;
      case 'gpuMemoryBudget':
        return gpuBudget;
      default:
        return settings[key];
    }
  };
  const field = (key: SettingField, label: string, hint: string, placeholder?: string) => (
    <NumberField
      key={key}
      label={label}
      hint={hint}
      value={fieldValue(key)}
      placeholder={placeholder}
      testId={`setting-${key}`}
      error={problems[key] ?? null}
      lockedReason={locks[key]}
      note={note(key)}
      onText={(text) => setSettingText(key, text)}
    />
  );
  return (
    <Card title="Settings">
      <div className="settings">
        <p className="muted">The defaults are the Hugging Face Trainer’s, which work well for fine-tuning.</p>
        {field('epochs', 'Epochs', 'passes over the training rows')}
        {field('batchSize', 'Batch size', 'rows per step')}
        {field('learningRate', 'Learning rate', 'how big each adjustment is, e.g. 5e-5')}
        {field('maxLength', 'Max length', 'tokens per row; longer rows are cut')}
        {field('weightDecay', 'Weight decay', 'keeps weights small')}
        {field('warmupRatio', 'Warmup ratio', 'share of steps ramping the learning rate up')}
        {field('gradAccumulation', 'Gradient accumulation', 'batches summed per update')}
        {field('seed', 'Seed', 'same seed, same run')}
        <MethodFields />
        <BestModelFields />
        <details className="advanced">
          <summary>Advanced</summary>
          {field('maxGradNorm', 'Max gradient norm', 'clipping; 0 turns it off')}
          {field('dropout', 'Dropout (override)', 'empty: the model’s own', 'model default')}
          {field('evalSteps', 'Evaluate every N steps', '0: after each epoch only')}
          {field('maxSteps', 'Max steps', '0: all epochs')}
          {field('evalBatchSize', 'Evaluation batch size', 'rows per evaluation batch')}
          {field('checkpointSeconds', 'Save every (seconds of training)', 'a reload loses at most this much; 0: only after each epoch')}
          {field('checkpointSteps', 'Save every N steps', 'as well; 0: off')}
          {field('gpuMemoryBudget', 'GPU memory budget (MB)', 'a run that needs more is refused before it starts, with a batch size that fits')}
          <div className={backendLock ? 'field field-locked' : 'field'}>
            <label htmlFor="backend-choice">Compute</label>
            {backendLock ? (
              <input id="backend-choice" data-testid="backend-choice" readOnly aria-disabled value={backendNames[backendChoice]} aria-describedby={backendId} />
            ) : (
              <select id="backend-choice" data-testid="backend-choice" value={backendChoice} onChange={(e) => setBackendChoice(e.target.value as BackendChoice)}>
                {(Object.keys(backendNames) as BackendChoice[]).map((choice) => (
                  <option key={choice} value={choice}>
                    {backendNames[choice]}
                  </option>
                ))}
              </select>
            )}
            {backendLock && <LockReason id={backendId} reason={backendLock} />}
          </div>
        </details>
      </div>
    </Card>
  );
}
