import { useEffect, useId, useRef, useState } from 'react';
import { taskById, type TaskId } from '../../engine/tasks/index.ts';
import { useShallow } from 'zustand/react/shallow';
import type { ColumnMapping, DatasetSummary, SplitChoice } from '../../../workers/protocol.ts';
import { effectiveMaxLength, isTraining, settingFieldProblems, settingLock } from '../../store/training.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount, formatNumber, formatPercent } from '../format.ts';
import { RunNote } from '../shell/RunNote.tsx';
import { Card, NextButton, NumberField, ProgressBar, ScreenHeader } from '../shell/ui.tsx';
import { useFocusKeeper } from '../shell/useFocusKeeper.ts';
import { EntityChart, LabelChart, LengthChart, ScoreChart } from './charts.tsx';
import { HubDatasetCard } from './HubDatasetCard.tsx';

const ACCEPT = '.csv,.tsv,.txt,.json,.jsonl,.ndjson,.conll,.parquet,text/csv,text/tab-separated-values,application/json';

/** The tasks a file with a label column can be read for; tagged sentences are token classification by themselves. */
const TEXT_TASKS: readonly TaskId[] = ['single-label', 'multi-label', 'regression'];

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
            <Card title="Columns and task">
              <DatasetFacts summary={summary} />
              {!summary.tagged && <MappingControls summary={summary} disabled={fixed} />}
              <TaskControls summary={summary} disabled={fixed} />
            </Card>
            <Card title="Training and validation rows">
              <SplitControls summary={summary} disabled={fixed} />
            </Card>
          </div>
          <div className="grid-2">
            <Card title={labelCardTitle(summary)}>
              <LabelStats summary={summary} />
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
        <span className="hint">
          or drop a file anywhere on the page. CSV, TSV, JSON, JSON Lines or Parquet, with a text column and a label column (a class, several labels, or a score); or tagged
          sentences for entity recognition: CoNLL, or JSON Lines with tokens and ner_tags.
        </span>
      </div>
      <TagNamesField disabled={disabled} />
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
  return (
    <dl className="facts" data-testid="dataset-summary">
      <dt>File</dt>
      <dd data-testid="dataset-name">{summary.fileName}</dd>
      <dt>Read as</dt>
      <dd data-testid="dataset-read-as">{summary.readAs}</dd>
      <dt>Rows</dt>
      <dd data-testid="dataset-rows">
        {formatCount(summary.rowCount)}
        {summary.tagged ? ' sentences' : ''}
      </dd>
      <dt>{summary.tagged ? 'Tags' : 'Labels'}</dt>
      <dd data-testid="dataset-labels">
        {summary.scores ? (
          `a score per row, from ${formatNumber(summary.scores.min, 2)} to ${formatNumber(summary.scores.max, 2)} (mean ${formatNumber(summary.scores.mean, 2)})`
        ) : (
          <>
            {summary.labels.length}: {summary.labels.slice(0, 8).join(', ')}
            {summary.labels.length > 8 ? ', …' : ''}
          </>
        )}
      </dd>
      <dt>Split</dt>
      <dd>
        {formatCount(summary.trainRows)} training, {formatCount(summary.validationRows)} validation
      </dd>
    </dl>
  );
}

/**
 * The task the rows are read for, with why it was guessed, and a select to read them for
 * another; multi-label shows the separator between a cell's labels.
 */
function TaskControls({ summary, disabled }: { summary: DatasetSummary; disabled: boolean }) {
  const { setTask, setLabelSeparator } = useStudio(useShallow((s) => ({ setTask: s.setTask, setLabelSeparator: s.setLabelSeparator })));
  const { task } = summary;
  const selectId = useId();
  return (
    <div className="stack stack-tight" data-testid="dataset-task">
      <p data-testid="task-reason">
        <strong>Task: {taskById(task.id).title}</strong>
        {task.chosen ? <span className="muted"> (chosen; the labels suggest {taskById(task.guess.id).title.toLowerCase()}: {task.guess.reason})</span> : <> — {task.guess.reason}</>}
      </p>
      {!summary.tagged && (
        <div className="field-row">
          <div className="field">
            <label htmlFor={selectId}>Read the labels as</label>
            <select id={selectId} data-testid="task-select" value={task.id} disabled={disabled} onChange={(e) => setTask(e.target.value === task.guess.id ? null : (e.target.value as TaskId))}>
              {TEXT_TASKS.map((id) => (
                <option key={id} value={id}>
                  {taskById(id).title}
                  {id === task.guess.id ? ' (suggested)' : ''}
                </option>
              ))}
            </select>
          </div>
          {task.id === 'multi-label' && <SeparatorField separator={task.labelOptions.labelSeparator} disabled={disabled} onChange={setLabelSeparator} />}
        </div>
      )}
    </div>
  );
}

/** The separator between a cell's labels; applied once it is not empty, so clearing the field to type another does not fail. */
function SeparatorField({ separator, disabled, onChange }: { separator: string; disabled: boolean; onChange: (separator: string) => void }) {
  const id = useId();
  const [text, setText] = useState(separator);
  useEffect(() => setText(separator), [separator]);
  return (
    <div className="field">
      <label htmlFor={id}>Label separator</label>
      <input
        id={id}
        data-testid="label-separator"
        value={text}
        size={4}
        disabled={disabled}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() !== '') onChange(e.target.value);
        }}
      />
      <span className="hint">between the labels of a row, as in joy;love (a JSON list like ["joy", "love"] needs none)</span>
    </div>
  );
}

/**
 * The tag of each id, for JSON Lines whose ner_tags are ids (as the CLI's --tag-names); a file that
 * failed for want of them is read again. Collapsed until wanted: it opens while the error about tag
 * ids is up, and takes the focus when that error's button asks for it.
 */
function TagNamesField({ disabled }: { disabled: boolean }) {
  const id = useId();
  const tagNames = useStudio((s) => s.dataset.summary?.tagNames ?? null);
  const { setTagNames, tagNamesFocused } = useStudio(useShallow((s) => ({ setTagNames: s.setTagNames, tagNamesFocused: s.tagNamesFocused })));
  const needed = useStudio((s) => s.ui.error?.fix?.kind === 'tag-names');
  const wanted = useStudio((s) => s.dataset.tagNamesWanted);
  const [text, setText] = useState(tagNames?.join(',') ?? '');
  const [open, setOpen] = useState(needed || wanted);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (needed || wanted) setOpen(true);
  }, [needed, wanted]);
  useEffect(() => {
    if (!open || !wanted) return;
    input.current?.focus();
    tagNamesFocused();
  }, [open, wanted, tagNamesFocused]);
  return (
    <details className="tag-names" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Tagged sentences whose tags are numbers?</summary>
      <div className="field">
        <label htmlFor={id}>Tag names, in id order</label>
        <input
          ref={input}
          id={id}
          data-testid="tag-names"
          value={text}
          placeholder="O,B-PER,I-PER,B-ORG,I-ORG"
          disabled={disabled}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => setTagNames(text)}
          onKeyDown={(e) => e.key === 'Enter' && setTagNames(text)}
        />
        <span className="hint">the dataset’s ClassLabel names, separated by commas; tag 0 is the first</span>
      </div>
    </details>
  );
}

function labelCardTitle(summary: DatasetSummary): string {
  if (summary.scores) return 'Scores';
  if (summary.entities) return 'Entities and tags';
  return summary.task.id === 'multi-label' ? 'Rows per label (a row counts for each of its labels)' : 'Rows per label';
}

/** Rows per label; for regression the scores' histogram, for tagged sentences the entities per type and the sentences with each tag. */
function LabelStats({ summary }: { summary: DatasetSummary }) {
  if (summary.scores) return <ScoreChart scores={summary.scores} />;
  if (summary.entities) {
    return (
      <>
        <EntityChart entities={summary.entities} />
        <p className="muted">Sentences with each tag:</p>
        <LabelChart summary={summary} />
      </>
    );
  }
  return <LabelChart summary={summary} />;
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
