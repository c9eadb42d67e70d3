import { DEFAULT_ENDPOINT } from '../hub/hub-client.ts';
import { patch } from './patch.ts';
import type { SliceCreator, UiSlice } from './types.ts';
import type { BackendChoice } from '../../workers/protocol.ts';

/** What the page's address can preset: `?hub=http://127.0.0.1:8080&backend=wasm` (tests and classrooms use both). */
export function settingsFromUrl(search: string): { hubEndpoint: string; backendChoice: BackendChoice } {
  const query = new URLSearchParams(search);
  const backend = query.get('backend');
  return {
    hubEndpoint: query.get('hub')?.trim() || DEFAULT_ENDPOINT,
    backendChoice: backend === 'wasm' || backend === 'webgpu' ? backend : 'auto',
  };
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const createUiSlice =
  (initial: { hubEndpoint: string; backendChoice: BackendChoice }): SliceCreator<UiSlice> =>
  (set, get, deps) => ({
    ui: { screen: 'data', error: null, hubEndpoint: initial.hubEndpoint, backendChoice: initial.backendChoice, savedRun: null, restoring: null, presentation: false },
    start() {
      deps.data.post({ type: 'configure', hubEndpoint: get().ui.hubEndpoint });
      deps.train.post({ type: 'probe-saved-run' });
      get().loadRuns();
    },
    goTo(screen) {
      patch(set, get, 'ui', { screen });
    },
    showError(scope, message, fix) {
      patch(set, get, 'ui', { error: { scope, message, ...(fix ? { fix } : {}) } });
    },
    applyErrorFix() {
      const fix = get().ui.error?.fix;
      if (!fix) return;
      if (fix.kind === 'tag-names') {
        // The message stays up while the names are typed: it says what they are.
        patch(set, get, 'dataset', { tagNamesWanted: true });
        get().goTo('data');
        return;
      }
      get().dismissError();
      get().setSetting('batchSize', fix.batchSize);
    },
    dismissError() {
      patch(set, get, 'ui', { error: null });
    },
    clearError(scope) {
      if (get().ui.error?.scope === scope) get().dismissError();
    },
    togglePresentation() {
      patch(set, get, 'ui', { presentation: !get().ui.presentation });
    },
    setHubEndpoint(url) {
      const hubEndpoint = url.trim().replace(/\/+$/, '');
      if (!isHttpUrl(hubEndpoint)) {
        get().showError('model', `"${url}" is not a web address. The Hub address looks like ${DEFAULT_ENDPOINT} (or your mirror's address).`);
        return;
      }
      patch(set, get, 'ui', { hubEndpoint });
      deps.data.post({ type: 'configure', hubEndpoint });
    },
    setBackendChoice(backendChoice) {
      patch(set, get, 'ui', { backendChoice });
    },
    resumeSavedRun() {
      patch(set, get, 'ui', { restoring: 'resume', error: null });
      deps.train.post({ type: 'restore-saved-run' });
    },
    openSavedRun() {
      patch(set, get, 'ui', { restoring: 'open', error: null });
      deps.train.post({ type: 'restore-saved-run' });
    },
    discardSavedRun() {
      patch(set, get, 'ui', { savedRun: null });
      deps.train.post({ type: 'discard-saved-run' });
    },
  });
