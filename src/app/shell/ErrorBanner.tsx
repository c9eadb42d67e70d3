import { useStudio } from '../../store/useStudio.ts';

/** The one place errors appear: specific, in plain words, until dismissed or fixed. */
export function ErrorBanner() {
  const error = useStudio((s) => s.ui.error);
  const dismiss = useStudio((s) => s.dismissError);
  const applyFix = useStudio((s) => s.applyErrorFix);
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span className="banner-icon" aria-hidden>
        ⚠
      </span>
      <p data-testid="error-message">{error.message}</p>
      {error.fix && (
        <button type="button" className="button button-primary" onClick={applyFix} data-testid="error-fix">
          {error.fix.kind === 'tag-names' ? 'Type the tag names' : `Use batch size ${error.fix.batchSize}`}
        </button>
      )}
      <button type="button" className="button" onClick={dismiss} aria-label="Dismiss the error">
        Dismiss
      </button>
    </div>
  );
}
