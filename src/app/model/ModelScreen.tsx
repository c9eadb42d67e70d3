import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { headFitNote } from '../../engine/head-fit.ts';
import type { MemoryEstimate, ModelSummary } from '../../../workers/protocol.ts';
import { effectiveMaxLength, isTraining } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatBytes, formatCount, formatParameters } from '../format.ts';
import { RunNote } from '../shell/RunNote.tsx';
import { Card, NextButton, ProgressBar, ScreenHeader } from '../shell/ui.tsx';
import { parameterCount } from './memory.ts';

/** Hub models by size, smallest first: the first trains in minutes on a laptop, the last wants a real GPU. */
export const CURATED_MODELS = [
  { id: 'prajjwal1/bert-tiny', name: 'BERT tiny', size: '4.4 M', note: 'Fastest. Good for a class demo.' },
  { id: 'google/bert_uncased_L-4_H-256_A-4', name: 'BERT mini', size: '11 M', note: 'Small and quick, a bit better.' },
  { id: 'microsoft/MiniLM-L12-H384-uncased', name: 'MiniLM', size: '33 M', note: 'Compact, strong for its size.' },
  { id: 'distilbert-base-uncased', name: 'DistilBERT', size: '66 M', note: 'Good accuracy; wants a GPU.' },
  { id: 'bert-base-uncased', name: 'BERT base', size: '110 M', note: 'The classic. Needs a GPU.' },
  { id: 'roberta-base', name: 'RoBERTa base', size: '125 M', note: 'Often the most accurate here.' },
] as const;

export function ModelScreen() {
  const summary = useStudio((s) => s.model.summary);
  const goTo = useStudio((s) => s.goTo);
  return (
    <div className="screen">
      <ScreenHeader title="2. The model" lead="A pretrained model already knows a lot about language; fine-tuning teaches it your labels." />
      <RunNote subject="model" />
      <LoadingStatus />
      {/* The loaded model first: what it is matters more than where another could come from. */}
      {summary && <ModelFacts summary={summary} />}
      <div className="grid-2">
        <HubCard />
        <div className="stack">
          <FolderCard />
          <ScratchCard />
        </div>
      </div>
      {summary && <NextButton onClick={() => goTo('train')}>Next: train it</NextButton>}
    </div>
  );
}

function LoadingStatus() {
  const loading = useStudio((s) => s.model.loading);
  if (!loading) return null;
  const p = loading.progress;
  const detail = p ? ` · ${p.file}${p.total ? ` (${formatBytes(p.loaded)} of ${formatBytes(p.total)})` : ''}` : '';
  return (
    <Card>
      <ProgressBar fraction={p?.overall ?? null} label={`${loading.what}${detail}`} />
    </Card>
  );
}

function HubCard() {
  const { idInput, loading, hubEndpoint, hubUnreachable } = useStudio(
    useShallow((s) => ({ idInput: s.model.idInput, loading: s.model.loading !== null || isTraining(s.training.status), hubEndpoint: s.ui.hubEndpoint, hubUnreachable: s.model.hubUnreachable })),
  );
  const { setModelIdInput, loadHubModel, setHubEndpoint } = useStudio(
    useShallow((s) => ({ setModelIdInput: s.setModelIdInput, loadHubModel: s.loadHubModel, setHubEndpoint: s.setHubEndpoint })),
  );
  const [endpointText, setEndpointText] = useState(hubEndpoint);
  return (
    <Card title="From the Hugging Face Hub">
      <form
        className="load-row"
        onSubmit={(e) => {
          e.preventDefault();
          loadHubModel();
        }}
      >
        <div className="field grow">
          <label htmlFor="model-id">Model id</label>
          <input id="model-id" data-testid="model-id" value={idInput} spellCheck={false} autoComplete="off" onChange={(e) => setModelIdInput(e.target.value)} placeholder="owner/name" />
        </div>
        <button type="submit" className="button button-primary button-big" data-testid="model-load" disabled={loading}>
          Load
        </button>
      </form>
      {hubUnreachable && (
        <p className="callout" data-testid="hub-unreachable">
          The Hub at {hubEndpoint} cannot be reached from here. You can still train: load a model folder from this computer, or start from scratch (right).
        </p>
      )}
      <ul className="model-list">
        {CURATED_MODELS.map((m) => (
          <li key={m.id}>
            <button type="button" className="model-choice" disabled={loading} onClick={() => loadHubModel(m.id)} data-testid={`curated-${m.id}`}>
              <span className="model-name">{m.name}</span>
              <span className="model-size">{m.size}</span>
              <span className="model-note">{m.note}</span>
              <code>{m.id}</code>
            </button>
          </li>
        ))}
      </ul>
      <details className="advanced">
        <summary>Hub address</summary>
        <form
          className="load-row"
          onSubmit={(e) => {
            e.preventDefault();
            setHubEndpoint(endpointText);
          }}
        >
          <div className="field grow">
            <label htmlFor="hub-endpoint">Where models are downloaded from (a mirror works too)</label>
            <input id="hub-endpoint" data-testid="hub-endpoint" value={endpointText} spellCheck={false} onChange={(e) => setEndpointText(e.target.value)} />
          </div>
          <button type="submit" className="button">
            Use it
          </button>
        </form>
        <p className="muted">Downloaded models are kept in this browser, so the next visit loads them without the network.</p>
      </details>
    </Card>
  );
}

function FolderCard() {
  const loading = useStudio((s) => s.model.loading !== null || isTraining(s.training.status));
  const loadModelFolder = useStudio((s) => s.loadModelFolder);
  return (
    <Card title="From a folder on this computer">
      <p>A folder with config.json, the weights (model.safetensors or pytorch_model.bin) and the tokenizer files (tokenizer.json or vocab.txt). Works offline.</p>
      <label className={`button button-big file-button${loading ? ' disabled' : ''}`}>
        Choose a model folder…
        <input
          type="file"
          multiple
          data-testid="model-folder-input"
          disabled={loading}
          // React has no typed prop for folder picking; every current browser supports the attribute.
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
            if (files.length > 0) loadModelFolder(files);
            e.target.value = '';
          }}
        />
      </label>
      <span className="hint"> or drop the folder on the page.</span>
    </Card>
  );
}

function ScratchCard() {
  const loading = useStudio((s) => s.model.loading !== null || isTraining(s.training.status));
  const loadScratchModel = useStudio((s) => s.loadScratchModel);
  return (
    <Card title="From scratch">
      <p>A small BERT whose weights start random: no download at all, but it needs more data and epochs to learn.</p>
      <div className="load-row">
        <button type="button" className="button" data-testid="scratch-tiny" disabled={loading} onClick={() => loadScratchModel('tiny')}>
          Tiny (2 layers, 4 M)
        </button>
        <button type="button" className="button" data-testid="scratch-mini" disabled={loading} onClick={() => loadScratchModel('mini')}>
          Mini (4 layers, 11 M)
        </button>
      </div>
    </Card>
  );
}

/**
 * The train worker's estimate of what training holds in GPU memory (for the run's method, and each
 * method's total), asked again whenever what it depends on changes.
 */
export function useTrainingMemory(summary: ModelSummary | null): MemoryEstimate | null {
  const numLabels = useStudio((s) => s.dataset.summary?.labels.length ?? 2);
  const { batchSize, gradAccumulation, method, loraR, loraTargets, freezeEmbeddings, freezeLayers } = useStudio(
    useShallow((s) => {
      const t = s.training.settings;
      return { batchSize: t.batchSize, gradAccumulation: t.gradAccumulation, method: t.method, loraR: t.loraR, loraTargets: t.loraTargets, freezeEmbeddings: t.freezeEmbeddings, freezeLayers: t.freezeLayers };
    }),
  );
  const maxLength = useStudio(effectiveMaxLength);
  const estimateMemory = useStudio((s) => s.estimateMemory);
  useEffect(() => estimateMemory(), [estimateMemory, summary, numLabels, batchSize, gradAccumulation, maxLength, method, loraR, loraTargets, freezeEmbeddings, freezeLayers]);
  const memory = useStudio((s) => s.model.memory);
  // An answer for other settings (still in flight) is not shown as this one.
  return memory && memory.batchSize === batchSize && memory.seqLength === maxLength && memory.method === method ? memory : null;
}

function MemoryFacts({ summary }: { summary: ModelSummary }) {
  const memory = useTrainingMemory(summary);
  const budgetMb = useStudio((s) => s.training.gpuMemoryBudgetMb);
  if (!memory) return <>working it out…</>;
  const over = memory.totalBytes > budgetMb * 1e6;
  return (
    <>
      about <span data-testid="model-memory-total" data-bytes={memory.totalBytes} data-batch-size={memory.batchSize}>{formatBytes(memory.totalBytes)}</span> of GPU memory at batch size {memory.batchSize} and {memory.seqLength} tokens: {formatBytes(memory.parameterBytes)} of
      weights, {formatBytes(memory.optimizerBytes)} for the optimizer, {formatBytes(memory.workingBytes)} while a step runs.{' '}
      {over
        ? `That is more than the ${formatBytes(budgetMb * 1e6)} budget (Train → Advanced): lower the batch size, or a run on the GPU is refused.`
        : `Within the ${formatBytes(budgetMb * 1e6)} budget (Train → Advanced).`}
    </>
  );
}

/** Pretrained weights, and what becomes of a fine-tuned model's head on the data's labels. */
function PretrainedStart({ summary }: { summary: ModelSummary }) {
  const labels = useStudio((s) => s.dataset.summary?.labels ?? null);
  const known = summary.fineTunedLabels;
  if (known === null) return <>pretrained weights; a new classification head is added for your labels</>;
  if (labels === null) return <>pretrained weights, with the head fine-tuned for {known.length} labels ({known.join(', ')}); load data to see whether it fits</>;
  return <>pretrained weights; {headFitNote(summary.name, known, labels) ?? `its classification head was fine-tuned for these labels and is kept (${labels.join(', ')})`}</>;
}

function ModelFacts({ summary }: { summary: ModelSummary }) {
  const numLabels = useStudio((s) => s.dataset.summary?.labels.length ?? 2);
  return (
    <Card title={`Loaded: ${summary.name}`} testId="model-summary" wide>
      <dl className="facts facts-wide">
        <dt>Architecture</dt>
        <dd data-testid="model-architecture">
          {summary.className} ({summary.modelType})
        </dd>
        <dt>Size</dt>
        <dd data-testid="model-parameters">
          {formatParameters(parameterCount(summary, numLabels))} parameters · {summary.layers} layers · hidden size {summary.hiddenSize} · {summary.heads} attention heads
        </dd>
        <dt>Memory to train</dt>
        <dd data-testid="model-memory">
          <MemoryFacts summary={summary} />
        </dd>
        <dt>Tokenizer</dt>
        <dd>
          {summary.tokenizerKind}, {formatCount(summary.vocabSize)} tokens, inputs up to {formatCount(summary.maxPositions)} tokens
        </dd>
        <dt>Start</dt>
        <dd data-testid="model-start">{summary.source === 'saved-run' ? 'the saved run’s checkpoint' : summary.pretrained ? <PretrainedStart summary={summary} /> : 'random weights'}</dd>
      </dl>
    </Card>
  );
}
