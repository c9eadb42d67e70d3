import { useShallow } from 'zustand/react/shallow';
import type { ColumnMapping, HubDatasetInfo } from '../../../workers/protocol.ts';
import type { HubDatasetForm } from '../../store/types.ts';
import { useStudio } from '../../store/useStudio.ts';
import { formatCount } from '../format.ts';
import { Card, NumberField } from '../shell/ui.tsx';

/** A dataset from the Hugging Face Hub by id: its splits and row counts, then a sample of the chosen split. */
export function HubDatasetCard() {
  const hub = useStudio((s) => s.dataset.hub);
  const busy = useStudio((s) => s.dataset.loading !== null);
  const hubEndpoint = useStudio((s) => s.ui.hubEndpoint);
  const { setHubForm, lookUpHubDataset, loadHubDataset } = useStudio(
    useShallow((s) => ({ setHubForm: s.setHubForm, lookUpHubDataset: s.lookUpHubDataset, loadHubDataset: s.loadHubDataset })),
  );
  return (
    <Card title="From the Hugging Face Hub" testId="hub-dataset">
      <form
        className="load-row"
        onSubmit={(e) => {
          e.preventDefault();
          lookUpHubDataset();
        }}
      >
        <div className="field grow">
          <label htmlFor="hub-dataset-id">Dataset id</label>
          <input
            id="hub-dataset-id"
            data-testid="hub-dataset-id"
            value={hub.idInput}
            spellCheck={false}
            autoComplete="off"
            placeholder="e.g. stanfordnlp/imdb, dair-ai/emotion"
            onChange={(e) => setHubForm({ idInput: e.target.value })}
          />
        </div>
        <button type="submit" className="button button-big" data-testid="hub-dataset-lookup" disabled={hub.looking || busy}>
          {hub.looking ? 'Looking…' : 'Look up'}
        </button>
      </form>
      <details className="advanced">
        <summary>Gated or private dataset</summary>
        <div className="field">
          <label htmlFor="hub-token">Access token (kept only in this tab’s memory, sent only to {hubEndpoint})</label>
          <input id="hub-token" data-testid="hub-dataset-token" type="password" autoComplete="off" value={hub.token} onChange={(e) => setHubForm({ token: e.target.value })} />
        </div>
      </details>
      {hub.info && <HubChoices info={hub.info} form={hub} disabled={busy} onLoad={loadHubDataset} />}
    </Card>
  );
}

function HubChoices({ info, form, disabled, onLoad }: { info: HubDatasetInfo; form: HubDatasetForm; disabled: boolean; onLoad: () => void }) {
  const { setHubForm, lookUpHubDataset } = useStudio(useShallow((s) => ({ setHubForm: s.setHubForm, lookUpHubDataset: s.lookUpHubDataset })));
  const { config } = info;
  const mapping = form.mapping;
  const textColumns = config.columns.filter((c) => c.kind === 'text').map((c) => c.name);
  const labelColumns = config.columns.filter((c) => c.kind === 'class-label' || c.kind === 'number' || c.kind === 'text').map((c) => c.name);
  const setMapping = (next: Partial<ColumnMapping>) => mapping && setHubForm({ mapping: { ...mapping, ...next } });
  const classNames = config.columns.find((c) => c.name === mapping?.label)?.classNames ?? null;
  return (
    <div className="stack stack-tight" data-testid="hub-dataset-info">
      {info.configs.length > 1 && (
        <ColumnSelect id="hub-config" label="Config" value={config.name} columns={info.configs} disabled={disabled} onChange={(name) => lookUpHubDataset(name)} />
      )}
      <table className="metrics-table" data-testid="hub-splits">
        <thead>
          <tr>
            <th>Split</th>
            <th>Rows</th>
          </tr>
        </thead>
        <tbody>
          {config.splits.map((s) => (
            <tr key={s.name} data-testid="hub-split-row">
              <td>{s.name}</td>
              <td>{formatCount(s.rows)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="field-row">
        <ColumnSelect id="hub-split" label="Train on" value={form.split} columns={config.splits.map((s) => s.name)} disabled={disabled} onChange={(split) => setHubForm({ split })} />
        <div className="field">
          <label htmlFor="hub-validation-split">Validation rows</label>
          <select
            id="hub-validation-split"
            data-testid="hub-validation-split"
            value={form.validationSplit ?? ''}
            disabled={disabled}
            onChange={(e) => setHubForm({ validationSplit: e.target.value === '' ? null : e.target.value })}
          >
            <option value="">a share of the training split</option>
            {config.splits
              .filter((s) => s.name !== form.split)
              .map((s) => (
                <option key={s.name} value={s.name}>
                  the {s.name} split
                </option>
              ))}
          </select>
        </div>
      </div>
      {mapping ? (
        <div className="field-row">
          <ColumnSelect id="hub-text-column" label="Text column" value={mapping.text} columns={textColumns} disabled={disabled} onChange={(text) => setMapping({ text })} />
          <ColumnSelect id="hub-label-column" label="Label column" value={mapping.label} columns={labelColumns} disabled={disabled} onChange={(label) => setMapping({ label })} />
        </div>
      ) : (
        <p className="callout">This dataset has no text column and label column the studio can train on ({config.columns.map((c) => c.name).join(', ')}).</p>
      )}
      {classNames && (
        <p className="muted" data-testid="hub-class-names">
          Classes: {classNames.join(', ')}
        </p>
      )}
      <div className="field-row">
        <div className="field">
          <label htmlFor="hub-sample">Rows to read</label>
          <select id="hub-sample" data-testid="hub-sample" value={form.sample} disabled={disabled} onChange={(e) => setHubForm({ sample: e.target.value as HubDatasetForm['sample'] })}>
            <option value="random">a random sample</option>
            <option value="first">the first rows</option>
            <option value="all">all of them</option>
          </select>
        </div>
        {form.sample !== 'all' && (
          <NumberField label="How many" value={form.sampleRows} testId="hub-sample-rows" onChange={(v) => v !== null && setHubForm({ sampleRows: v })} />
        )}
        {form.sample === 'random' && <NumberField label="Sample seed" value={form.sampleSeed} testId="hub-sample-seed" onChange={(v) => v !== null && setHubForm({ sampleSeed: v })} />}
      </div>
      <p className="muted">Only the text and label columns are downloaded, in parts, and kept in this browser for the next time.</p>
      <button type="button" className="button button-primary button-big" data-testid="hub-dataset-load" disabled={disabled || !mapping} onClick={onLoad}>
        Load {form.sample === 'all' ? 'all' : formatCount(form.sampleRows)} rows of {info.id} · {form.split}
      </button>
    </div>
  );
}

/** A labelled select of names (columns, splits, configs); its id is also its test id. */
function ColumnSelect({ id, label, value, columns, disabled, onChange }: { id: string; label: string; value: string; columns: readonly string[]; disabled: boolean; onChange: (value: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} data-testid={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}
