/**
 * The runs kept in the browser (src/runs): the run being trained is recorded as it goes (its
 * start, every evaluation, every end), and the Runs view lists, compares, renames, deletes,
 * pins and exports them.
 */
import { type RunRecord, runsCsv, runsJson } from '../runs/run-record.ts';
import { patch } from './patch.ts';
import type { GetState, RunsSlice, SetState, SliceCreator, StoreDeps } from './types.ts';

const encoder = new TextEncoder();

/** Saves a record; a failed write is shown, the run itself goes on. */
function save(get: GetState, deps: StoreDeps, run: RunRecord): void {
  deps.runs.put(run).catch((error: unknown) => get().showError('runs', `The run "${run.name}" could not be kept in this browser: ${error instanceof Error ? error.message : String(error)}`));
}

function replace(set: SetState, get: GetState, run: RunRecord): void {
  const records = get().runs.records;
  patch(set, get, 'runs', { records: records.some((r) => r.id === run.id) ? records.map((r) => (r.id === run.id ? run : r)) : [...records, run] });
}

export const createRunsSlice: SliceCreator<RunsSlice> = (set, get, deps) => ({
  runs: { records: [], selected: [], current: null, runningSince: null },
  loadRuns() {
    deps.runs
      .list()
      .then((records) => {
        // Runs recorded while the list was loading are kept.
        const known = new Set(records.map((r) => r.id));
        const all = [...records, ...get().runs.records.filter((r) => !known.has(r.id))];
        patch(set, get, 'runs', { records: all, selected: all.slice(-2).map((r) => r.id) });
      })
      .catch((error: unknown) => get().showError('runs', `The kept runs could not be read: ${error instanceof Error ? error.message : String(error)}`));
  },
  recordRun(status) {
    const s = get();
    const current = s.runs.current;
    if (!current || !s.model.summary || !s.dataset.summary) return;
    const now = new Date();
    const existing = s.runs.records.find((r) => r.id === current.id);
    const stretch = s.runs.runningSince === null ? 0 : now.getTime() - s.runs.runningSince;
    const run: RunRecord = {
      id: current.id,
      name: existing?.name ?? `${s.model.summary.name} on ${s.dataset.summary.fileName}`,
      createdAt: existing?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
      model: { name: s.model.summary.name, className: s.model.summary.className, parameters: s.model.summary.parametersWithoutLabels },
      dataset: existing?.dataset ?? { name: s.dataset.summary.fileName, fingerprint: current.fingerprint, trainRows: current.trainRows, validationRows: current.validationRows },
      labels: s.dataset.summary.labels,
      settings: s.training.settings,
      backend: s.training.backend ? { name: s.training.backend.name, description: s.training.backend.description } : (existing?.backend ?? null),
      status,
      steps: s.training.steps,
      evals: s.training.evals,
      trainingMs: (existing?.trainingMs ?? 0) + (status === 'running' ? 0 : stretch),
      pinned: existing?.pinned ?? false,
    };
    if (status !== 'running') patch(set, get, 'runs', { runningSince: null });
    replace(set, get, run);
    if (!get().runs.selected.includes(run.id)) patch(set, get, 'runs', { selected: [...get().runs.selected, run.id] });
    save(get, deps, run);
  },
  renameRun(id, name) {
    const run = get().runs.records.find((r) => r.id === id);
    const trimmed = name.trim();
    if (!run || trimmed === '' || trimmed === run.name) return;
    const renamed = { ...run, name: trimmed };
    replace(set, get, renamed);
    save(get, deps, renamed);
  },
  deleteRun(id) {
    patch(set, get, 'runs', { records: get().runs.records.filter((r) => r.id !== id), selected: get().runs.selected.filter((s) => s !== id) });
    deps.runs.remove(id).catch((error: unknown) => get().showError('runs', `The run could not be deleted from this browser: ${error instanceof Error ? error.message : String(error)}`));
  },
  toggleRunSelected(id) {
    const { selected } = get().runs;
    patch(set, get, 'runs', { selected: selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id] });
  },
  exportRuns(format) {
    const { records, selected } = get().runs;
    const chosen = selected.length > 0 ? records.filter((r) => selected.includes(r.id)) : records;
    if (chosen.length === 0) return get().showError('runs', 'There are no runs to export yet: train one first.');
    deps.download(`finetune-studio-runs.${format}`, encoder.encode(format === 'csv' ? runsCsv(chosen) : runsJson(chosen)));
  },
  pinRun(id) {
    deps.train.post({ type: 'pin-weights', runId: id });
  },
  unpinRun(id) {
    const run = get().runs.records.find((r) => r.id === id);
    if (!run) return;
    const unpinned = { ...run, pinned: false };
    replace(set, get, unpinned);
    save(get, deps, unpinned);
    deps.runs.removeWeights(id).catch(() => undefined);
  },
  keepRunWeights(id, checkpoint) {
    const run = get().runs.records.find((r) => r.id === id);
    if (!run) return;
    deps.runs
      .putWeights(id, checkpoint)
      .then(() => {
        const pinned = { ...get().runs.records.find((r) => r.id === id)!, pinned: true };
        replace(set, get, pinned);
        save(get, deps, pinned);
      })
      .catch((error: unknown) => get().showError('runs', `The run's weights could not be kept (the browser's storage may be full): ${error instanceof Error ? error.message : String(error)}`));
  },
  downloadRunCheckpoint(id) {
    const run = get().runs.records.find((r) => r.id === id);
    deps.runs
      .weights(id)
      .then((bytes) => {
        if (!bytes || !run) return get().showError('runs', 'This run has no kept weights: only pinned runs keep theirs.');
        deps.download(`${run.name.replace(/[^\w.-]+/g, '-')}-checkpoint.safetensors`, bytes);
      })
      .catch((error: unknown) => get().showError('runs', `The kept weights could not be read: ${error instanceof Error ? error.message : String(error)}`));
  },
});
