import { createStore } from 'zustand/vanilla';
import type { BackendChoice } from '../../workers/protocol.ts';
import { createDatasetSlice } from './dataset.ts';
import { createEvaluationSlice } from './evaluation.ts';
import { createModelSlice } from './model.ts';
import { createRunsSlice } from './runs.ts';
import { createTrainingSlice } from './training.ts';
import type { StoreDeps, StudioState, StudioStore } from './types.ts';
import { createUiSlice } from './ui.ts';

export function createStudioStore(deps: StoreDeps, initial: { hubEndpoint: string; backendChoice: BackendChoice }): StudioStore {
  return createStore<StudioState>()((set, get) => ({
    ...createUiSlice(initial)(set, get, deps),
    ...createDatasetSlice(set, get, deps),
    ...createModelSlice(set, get, deps),
    ...createTrainingSlice(set, get, deps),
    ...createEvaluationSlice(set, get, deps),
    ...createRunsSlice(set, get, deps),
  }));
}
