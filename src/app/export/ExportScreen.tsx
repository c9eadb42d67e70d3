import { useShallow } from 'zustand/react/shallow';
import type { ExportPhase } from '../../../workers/protocol.ts';
import { DEFAULT_TASK } from '../../engine/tasks/index.ts';
import { THRESHOLD_CONFIG_KEY } from '../../export/decision-threshold.ts';
import { usageBlocks } from '../../export/usage-examples.ts';
import { hasIdleModel } from '../../store/evaluation.ts';
import { effectiveMaxLength, isTraining } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatBytes } from '../format.ts';
import { Card, ProgressBar, ScreenHeader } from '../shell/ui.tsx';

/** What each step of packing the download is called, and how long it takes. */
const phaseText: Record<ExportPhase, { label: string; expected: string }> = {
  'reading-weights': { label: 'Reading the trained weights back', expected: 'a second or two' },
  'writing-files': { label: 'Writing model.onnx and the int8 model, and checking the int8 one on the validation rows', expected: 'seconds for small models, a minute for base-sized ones' },
};

const CONTENTS: [string, string][] = [
  ['config.json', 'the architecture, with your labels (id2label, label2id)'],
  ['model.safetensors', 'the fine-tuned weights'],
  ['tokenizer.json, tokenizer_config.json, special_tokens_map.json', 'how text becomes tokens'],
  ['onnx/model.onnx', 'the model for transformers.js and onnxruntime'],
  ['onnx/model_quantized.onnx', 'the same with 8-bit weights: about a third of the size, for phones and slow connections'],
  ['README.md', 'a model card: data, settings, scores, loss curve'],
  ['training_history.json, trainer_state.json', 'every step’s loss and every evaluation'],
];

/** A caption's `code` spans as <code>. */
function captionParts(caption: string) {
  return caption.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}

export function ExportScreen() {
  const { exporting, exportPhase, exported } = useStudio(
    useShallow((s) => ({ exporting: s.evaluation.exporting, exportPhase: s.evaluation.exportPhase, exported: s.evaluation.exported })),
  );
  const ready = useStudio(hasIdleModel);
  const running = useStudio((s) => isTraining(s.training.status));
  const threshold = useStudio((s) => (s.training.task === 'multi-label' ? s.evaluation.threshold : null));
  const facts = useStudio(
    useShallow((s) => ({ task: s.training.task ?? DEFAULT_TASK, textPair: Boolean(s.dataset.summary?.mapping.textPair), maxLength: effectiveMaxLength(s), threshold: s.evaluation.threshold })),
  );
  const usage = usageBlocks(facts);
  const { exportModel, exportProject, exportCheckpoint } = useStudio(
    useShallow((s) => ({ exportModel: s.exportModel, exportProject: s.exportProject, exportCheckpoint: s.exportCheckpoint })),
  );
  return (
    <div className="screen">
      <ScreenHeader title="5. Export" lead="Take the model with you: one .zip that Python’s transformers and transformers.js both load." />
      <Card>
        <button type="button" className="button button-primary button-huge" data-testid="export-download" disabled={!ready || exporting} onClick={exportModel}>
          Download the model (.zip)
        </button>
        <div className="controls">
          <button type="button" className="button button-big" data-testid="export-project" disabled={!ready || exporting} onClick={exportProject}>
            Download training project
          </button>
          <button type="button" className="button button-big" data-testid="export-checkpoint" disabled={!ready || exporting} onClick={exportCheckpoint}>
            Download checkpoint
          </button>
        </div>
        <p className="muted">
          The training project is this run as a Python script for Hugging Face Trainer, with your rows and settings, to train it on a bigger machine or
          several GPUs. The checkpoint holds the weights and optimizer state: load it on the Train screen later to continue or fine-tune further.
        </p>
        {threshold !== null && (
          <p className="muted" data-testid="export-threshold">
            config.json keeps the decision threshold set on the Evaluate screen, {threshold}, as <code>{THRESHOLD_CONFIG_KEY}</code>: a label is predicted when its probability is at least that.
          </p>
        )}
        {!ready && <p className="muted">{running ? 'Pause or finish training to download the model.' : 'Train a model first (step 3).'}</p>}
        {exporting && <ProgressBar fraction={null} label={exportPhase ? phaseText[exportPhase].label : 'Packing the download'} expected={exportPhase ? phaseText[exportPhase].expected : undefined} />}
        {exported && (
          <p className="success" data-testid="export-done">
            Downloaded {exported.fileName} ({formatBytes(exported.bytes)}).
          </p>
        )}
      </Card>
      <div className="grid-2">
        <Card title="What is inside">
          <ul className="contents">
            {CONTENTS.map(([name, what]) => (
              <li key={name}>
                <code>{name}</code> {what}
              </li>
            ))}
          </ul>
        </Card>
        <Card title="Use it">
          <p>Unzip it into a folder; the model card (README.md) has the same examples.</p>
          {usage.map((block) => (
            <div key={block.language} data-testid={`usage-${block.language}`}>
              <p>{captionParts(block.caption)}</p>
              <pre>{block.code}</pre>
            </div>
          ))}
        </Card>
      </div>
    </div>
  );
}
