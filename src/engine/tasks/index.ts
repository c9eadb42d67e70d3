/**
 * The registry of tasks: adding one is a file in this folder (see task.ts) and a line here.
 * The task of a model is read back from its config.json: the head from `architectures`, then
 * `problem_type`, as transformers decides which loss to compute.
 */
import type { RowOutput, Task } from './task.ts';
import { multiLabel } from './multi-label.ts';
import { regression } from './regression.ts';
import { singleLabel } from './single-label.ts';
import { tokenClassification } from './token-classification.ts';

export const TASKS = [singleLabel, multiLabel, regression, tokenClassification] as const;

export type AnyTask = (typeof TASKS)[number];
export type TaskId = AnyTask['id'];
/** The metrics of any task, told apart by their `task` field. */
export type TaskMetrics = ReturnType<AnyTask['metrics']>;

type PredictionOf<T> = T extends Task<infer Id, infer _M, infer P> ? { readonly task: Id } & P : never;
/** What any task's `predict` gives, told apart by the task's id in `task`. */
export type TaskPrediction = PredictionOf<AnyTask>;

export const DEFAULT_TASK: TaskId = 'single-label';

export function isTaskId(id: string): id is TaskId {
  return TASKS.some((t) => t.id === id);
}

export function taskById(id: TaskId): AnyTask;
export function taskById(id: string): AnyTask;
export function taskById(id: string): AnyTask {
  const task = TASKS.find((t) => t.id === id);
  if (!task) throw new Error(`unknown task "${id}": the tasks are ${TASKS.map((t) => t.id).join(', ')}`);
  return task;
}

/**
 * The task a config.json was saved for. A token-classification architecture decides alone;
 * otherwise problem_type does. Without one, transformers picks the loss from the labels: one
 * output is regression, more are single-label for class ids.
 */
export function taskOfModelConfig(configJson: Readonly<Record<string, unknown>>): AnyTask {
  const architectures = Array.isArray(configJson.architectures) ? configJson.architectures.map(String) : [];
  const head = architectures.some((a) => a.endsWith('ForTokenClassification')) ? 'token-classification' : 'sequence-classification';
  const problemType = typeof configJson.problem_type === 'string' ? configJson.problem_type : null;
  const candidates = TASKS.filter((t) => t.head === head);
  const named = candidates.find((t) => t.problemType === problemType);
  if (named) return named;
  const outputs = configJson.id2label !== null && typeof configJson.id2label === 'object' ? Object.keys(configJson.id2label).length : Number(configJson.num_labels ?? 2);
  return head === 'sequence-classification' ? (outputs === 1 ? regression : singleLabel) : (candidates[0] ?? singleLabel);
}

/** The task that computed `metrics`, typed to take them back (task ids are unique, so this is that task). */
export function taskOfMetrics<M extends TaskMetrics>(metrics: M): Task<M['task'], M> {
  return taskById(metrics.task) as unknown as Task<M['task'], M>;
}

/** `metrics` as task `id`'s own; throws when another task computed them. */
export function metricsOfTask<Id extends TaskId>(metrics: TaskMetrics, id: Id): Extract<TaskMetrics, { task: Id }> {
  if (metrics.task !== id) throw new Error(`expected ${id} metrics, got ${metrics.task} metrics`);
  return metrics as Extract<TaskMetrics, { task: Id }>;
}

/** `task`'s prediction for one row, named by the task (task ids are unique, so the pairing holds). */
export function predictionOf(task: AnyTask, row: RowOutput): TaskPrediction {
  return { task: task.id, ...task.predict(row) } as TaskPrediction;
}

/** The metrics of a stored evaluation, written before metrics named their task, as single-label ones. */
export function withTaskId(metrics: TaskMetrics | Omit<TaskMetrics, 'task'>): TaskMetrics {
  return 'task' in metrics ? metrics : ({ ...metrics, task: DEFAULT_TASK } as TaskMetrics);
}
