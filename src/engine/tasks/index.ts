/**
 * The registry of tasks: adding one is a file in this folder (see task.ts) and a line here.
 * The task of a model is read back from its config.json: the head from `architectures`, then
 * `problem_type`, as transformers decides which loss to compute.
 */
import type { Task } from './task.ts';
import { singleLabel } from './single-label.ts';

export const TASKS = [singleLabel] as const;

export type AnyTask = (typeof TASKS)[number];
export type TaskId = AnyTask['id'];
/** The metrics of any task, told apart by their `task` field. */
export type TaskMetrics = ReturnType<AnyTask['metrics']>;

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
 * otherwise problem_type does, and a classifier without one is single-label, as transformers
 * assumes for integer labels.
 */
export function taskOfModelConfig(configJson: Readonly<Record<string, unknown>>): AnyTask {
  const architectures = Array.isArray(configJson.architectures) ? configJson.architectures.map(String) : [];
  const head = architectures.some((a) => a.endsWith('ForTokenClassification')) ? 'token-classification' : 'sequence-classification';
  const problemType = typeof configJson.problem_type === 'string' ? configJson.problem_type : null;
  const candidates = TASKS.filter((t) => t.head === head);
  return candidates.find((t) => t.problemType === problemType) ?? candidates[0] ?? singleLabel;
}

/** The task that computed `metrics`, typed to take them back (task ids are unique, so this is that task). */
export function taskOfMetrics<M extends TaskMetrics>(metrics: M): Task<M['task'], M> {
  return taskById(metrics.task) as unknown as Task<M['task'], M>;
}

/** The metrics of a stored evaluation, written before metrics named their task, as single-label ones. */
export function withTaskId(metrics: TaskMetrics | Omit<TaskMetrics, 'task'>): TaskMetrics {
  return 'task' in metrics ? metrics : ({ ...metrics, task: DEFAULT_TASK } as TaskMetrics);
}
