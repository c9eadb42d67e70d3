import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ColumnMapping, DatasetSummary, SplitChoice } from '../../../workers/protocol.ts';
import { effectiveMaxLength, isTraining, settingFieldProblems, settingLock } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatPercent } from '../format.ts';
import { RunNote } from '../shell/RunNote.tsx';
import { Card, NextButton, NumberField, ProgressBar, ScreenHeader } from '../shell/ui.tsx';
import { useFocusKeeper } from '../shell/useFocusKeeper.ts';
import { LabelChart, LengthChart } from './charts.tsx';
import { HubDatasetCard } from './HubDatasetCard.tsx';

const ACCEPT = '.csv,.tsv,.txt,.json,.jsonl,.ndjson,.parquet,text/csv,text/tab-separated-values,application/json';

export function DataScreen() {
  const summary = useStudio((s) => s.dataset.summary);
  const fromSavedRun = useStudio((s) => s.dataset.fromSavedRun);
  const training = useStudio((s) => isTraining(s.training.status));
  const goTo = useStudio((s) => s.goTo);
  const fixed = fromSavedRun || training;
  return (
    <div className="screen">
      <ScreenHeader title="1. Your data" lead="Examples of text with the label the model should learn to give them. Everything stays in this browser." />
      <RunNote subject="dataset" />
      <LoadCard />
      <HubDatasetCard />
      {summary && (
        <>
          {fromSavedRun && (
            <p className="note">This is the dataset of the saved run. Load a file to start something new.</p>
          )}
          <div className="grid-2">
            <Card title="Columns">
              <DatasetFacts summary={summary} />
              <MappingControls summary={summary} disabled={fixed} />
            </Card>
            <Card title="Training and validation rows">
              <SplitControls summary={summary} disabled={fixed} />
            </Card>
          </div>
          <div className="grid-2">
            <Card title="Rows per label">
              <LabelChart summary={summary} />
              {summary.warnings.length > 0 && (
                <ul className="warnings" data-testid="label-warnings">
                  {summary.warnings.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              )}
            </Card>
            <TokenCard />
          </div>
          {summary.preview.length > 0 && (
            <Card title={`The first ${summary.preview.length} rows`} wide>
              <PreviewTable summary={summary} />
            </Card>
          )}
          <NextButton onClick={() => goTo('model')}>Next: choose a model</NextButton>
        </>
      )}
    </div>
  );
}

function LoadCard() {
  const loading = useStudio((s) => s.dataset.loading);
  const hasData = useStudio((s) => s.dataset.summary !== null);
  const training = useStudio((s) => isTraining(s.training.status));
  const disabled = loading !== null || training;
  const { loadDatasetFile, loadDemoDataset } = useStudio(useShallow((s) => ({ loadDatasetFile: s.loadDatasetFile, loadDemoDataset: s.loadDemoDataset })));
  // The demo button and the file picker are disabled while a file loads; the keyboard stays here, and goes back to them.
  const box = useRef<HTMLDivElement>(null);
  useFocusKeeper(box, disabled);
  return (
    <Card>
      <div className="load-row" ref={box} tabIndex={-1} data-focus-fallback="">
        <button type="button" className={hasData ? 'button button-big' : 'button button-big button-primary'} data-testid="demo-dataset" onClick={loadDemoDataset} disabled={disabled}>
          Use the demo dataset
        </button>
        <span className="or">or</span>
        <label className={`button button-big file-button${disabled ? ' disabled' : ''}`}>
          Choose a file…
          <input
            type="file"
            accept={ACCEPT}
            data-testid="dataset-input"
            disabled={disabled}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) loadDatasetFile(file);
              // The same file picked again (after fixing it) must fire change again.
              e.target.value = '';
            }}
          />
        </label>
        <span className="hint">or drop a file anywhere on the page. CSV, TSV, JSON, JSON Lines or Parquet, with a text column and a label column.</span>
      </div>
      {loading && (
        <ProgressBar
          fraction={loading.phase === 'reading' ? loading.fraction : null}
          label={`${loading.phase === 'reading' ? 'Reading' : 'Checking'} ${loading.fileName}${loading.role === 'validation' ? ' (validation)' : ''}`}
        />
      )}
    </Card>
  );
}

function DatasetFacts({ summary }: { summary: DatasetSummary }) {
  const train = summary.trainCounts.reduce((a, b) => a + b, 0);
  const validation = summary.validationCounts.reduce((a, b) => a + b, 0);
  return (
    <dl className="facts" data-testid="dataset-summary">
      <dt>File</dt>
      <dd data-testid="dataset-name">{summary.fileName}</dd>
      <dt>Read as</dt>
      <dd data-testid="dataset-read-as">{summary.readAs}</dd>
      <dt>Rows</dt>
      <dd data-testid="dataset-rows">{formatCount(summary.rowCount)}</dd>
      <dt>Labels</dt>
      <dd>
        {summary.labels.length}: {summary.labels.slice(0, 8).join(', ')}
        {summary.labels.length > 8 ? ', …' : ''}
      </dd>
      <dt>Split</dt>
      <dd>
        {formatCount(train)} training, {formatCount(validation)} validation
      </dd>
    </dl>
  );
}

function MappingControls({ summary, disabled }: { summary: DatasetSummary; disabled: boolean }) {
  const setMapping = useStudio((s) => s.setMapping);
  const { mapping, columns } = summary;
  const change = (next: ColumnMapping) => setMapping(next);
  const select = (label: string, value: string, onChange: (v: string) => void, testId: string, optional = false) => (
    <div className="field">
      <label htmlFor={testId}>{label}</label>
      <select id={testId} data-testid={testId} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
        {optional && <option value="">(none)</option>}
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div className="field-row">
      {select('Text column', mapping.text, (text) => change({ ...mapping, text }), 'column-text')}
      {select(
        'Second text (pairs)',
        mapping.textPair ?? '',
        (pair) => {
          const { textPair: _old, ...rest } = mapping;
          change(pair === '' ? rest : { ...rest, textPair: pair });
        },
        'column-pair',
        true,
      )}
      {select('Label column', mapping.label, (label) => change({ ...mapping, label }), 'column-label')}
    </div>
  );
}

function SplitControls({ summary, disabled }: { summary: DatasetSummary; disabled: boolean }) {
  const { setSplit, loadValidationFile, removeValidationFile } = useStudio(
    useShallow((s) => ({ setSplit: s.setSplit, loadValidationFile: s.loadValidationFile, removeValidationFile: s.removeValidationFile })),
  );
  const split = summary.split;
  const fraction: Extract<SplitChoice, { kind: 'fraction' }> = split.kind === 'fraction' ? split : { kind: 'fraction', fraction: 0.2, seed: 42 };
  return (
    <div className="stack stack-tight">
      {split.kind === 'fraction' ? (
        <>
          <p>
            A share of each label is held back to check the model on rows it never trained on (a stratified split, the same every time for the same seed).
          </p>
          <div className="field-row">
            <NumberField
              label="Validation share (%)"
              value={Math.round(fraction.fraction * 1000) / 10}
              testId="split-percent"
              onChange={(v) => v !== null && !disabled && setSplit({ ...fraction, fraction: v / 100 })}
            />
            <NumberField label="Split seed" value={fraction.seed} testId="split-seed" onChange={(v) => v !== null && !disabled && setSplit({ ...fraction, seed: v })} />
          </div>
        </>
      ) : (
        <p data-testid="validation-file">
          Validation rows come from <strong>{summary.validationFile?.fileName}</strong> ({formatCount(summary.validationFile?.rowCount ?? 0)} rows).{' '}
          <button type="button" className="button button-quiet" disabled={disabled} onClick={removeValidationFile}>
            Use a split instead
          </button>
        </p>
      )}
      <label className={`button file-button${disabled ? ' disabled' : ''}`}>
        {summary.validationFile ? 'Choose another validation file…' : 'Use a separate validation file…'}
        <input
          type="file"
          accept={ACCEPT}
          data-testid="validation-input"
          disabled={disabled}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) loadValidationFile(file);
            e.target.value = '';
          }}
        />
      </label>
    </div>
  );
}

function TokenCard() {
  const stats = useStudio((s) => s.dataset.tokenStats);
  const tokenizerReady = useStudio((s) => s.model.tokenizerReady);
  const fromSavedRun = useStudio((s) => s.dataset.fromSavedRun);
  const maxLength = useStudio((s) => s.training.settings.maxLength);
  const cappedAt = useStudio((s) => (effectiveMaxLength(s) < s.training.settings.maxLength ? effectiveMaxLength(s) : null));
  const problem = useStudio((s) => settingFieldProblems(s).maxLength ?? null);
  const lock = useStudio((s) => settingLock(s, 'maxLength'));
  const { nextTokenPreview, setSettingText } = useStudio(useShallow((s) => ({ nextTokenPreview: s.nextTokenPreview, setSettingText: s.setSettingText })));
  if (fromSavedRun) return null;
  if (!tokenizerReady) {
    return (
      <Card title="Tokens">
        <p className="muted">The model reads text as tokens (pieces of words). Load a model in step 2 to see how long your rows are in tokens.</p>
      </Card>
    );
  }
  if (!stats) {
    return (
      <Card title="Tokens">
        <ProgressBar fraction={null} label="Counting tokens" />
      </Card>
    );
  }
  return (
    <Card title="Tokens per row" testId="token-stats">
      <LengthChart stats={stats} />
      <p data-testid="truncation">
        <strong>{formatPercent(stats.truncatedShare)}</strong> of the rows are longer than the max length of {stats.maxLength} tokens (the dashed red line) and will be cut
        {stats.sampled < stats.total ? ` (measured on ${formatCount(stats.sampled)} of ${formatCount(stats.total)} rows)` : ''}.
      </p>
      <div className="field-row">
        <NumberField
          label="Max length (tokens)"
          value={maxLength}
          testId="token-max-length"
          error={problem}
          lockedReason={lock}
          note={cappedAt === null ? null : `This model reads at most ${cappedAt} tokens, so ${cappedAt} is used.`}
          onText={(text) => setSettingText('maxLength', text)}
        />
      </div>
      {stats.preview && (
        <div className="token-preview" data-testid="token-preview">
          <p className="muted">
            Row {stats.preview.row + 1}: “{stats.preview.text.length > 160 ? `${stats.preview.text.slice(0, 159)}…` : stats.preview.text}”
          </p>
          <div className="tokens">
            {stats.preview.tokens.slice(0, 80).map((t, i) => (
              <span key={i} className="token">
                {t}
              </span>
            ))}
            {stats.preview.tokens.length > 80 && <span className="muted">+{stats.preview.tokens.length - 80} more</span>}
          </div>
          <p className="muted">
            {stats.preview.ids.length} ids go into the model, special tokens included: {stats.preview.ids.slice(0, 24).join(' ')}
            {stats.preview.ids.length > 24 ? ' …' : ''}
          </p>
          <button type="button" className="button" onClick={nextTokenPreview}>
            Show another row
          </button>
        </div>
      )}
    </Card>
  );
}

function PreviewTable({ summary }: { summary: DatasetSummary }) {
  const { mapping } = summary;
  const role = (c: string) => (c === mapping.text ? 'text' : c === mapping.textPair ? 'second text' : c === mapping.label ? 'label' : null);
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="The first rows, scrollable">
      <table className="preview" data-testid="dataset-preview">
        <thead>
          <tr>
            {summary.columns.map((c) => (
              <th key={c}>
                {c}
                {role(c) && <span className="role">{role(c)}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {summary.preview.map((row, r) => (
            <tr key={r}>
              {row.map((cell, c) => (
                <td key={c}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
