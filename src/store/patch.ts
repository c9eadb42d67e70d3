import type { GetState, SetState, StudioState } from './types.ts';

type Part = 'ui' | 'dataset' | 'model' | 'training' | 'evaluation' | 'runs';

/** Replaces some fields of one slice's state object, keeping the others (and the other slices) as they are. */
export function patch<K extends Part>(set: SetState, get: GetState, key: K, fields: Partial<StudioState[K]>): void {
  set({ [key]: { ...get()[key], ...fields } } as Pick<StudioState, K>);
}
