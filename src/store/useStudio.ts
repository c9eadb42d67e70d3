/** React's view of the vanilla store: components select what they draw and re-render only when it changes. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StudioState, StudioStore } from './types.ts';

export const StudioContext = createContext<StudioStore | null>(null);

export function useStudio<T>(selector: (state: StudioState) => T): T {
  const store = useContext(StudioContext);
  if (!store) throw new Error('useStudio must be used inside <StudioContext.Provider>');
  return useStore(store, selector);
}
