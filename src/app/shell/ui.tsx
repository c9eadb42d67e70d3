/** Small building blocks every screen uses, sized for reading from the back of a classroom. */
import { type ReactNode, useEffect, useId, useState } from 'react';

export function Card({ title, children, testId, wide }: { title?: ReactNode; children: ReactNode; testId?: string; wide?: boolean }) {
  return (
    <section className={wide ? 'card card-wide' : 'card'} data-testid={testId}>
      {title !== undefined && <h2>{title}</h2>}
      {children}
    </section>
  );
}

/** A bar that fills; with `fraction` null it sweeps, for work whose size is not known. */
export function ProgressBar({ fraction, label }: { fraction: number | null; label: string }) {
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}>
      <div className={fraction === null ? 'progress-fill progress-indeterminate' : 'progress-fill'} style={fraction === null ? undefined : { width: `${Math.round(fraction * 100)}%` }} />
      <span className="progress-label">
        {label}
        {fraction !== null && ` · ${Math.round(fraction * 100)}%`}
      </span>
    </div>
  );
}

/**
 * A number input that lets people type freely ("0.", "5e-") and hands on only values that
 * parse; what is on screen follows the store when the store changes.
 */
export function NumberField({
  label,
  value,
  onChange,
  hint,
  testId,
  placeholder,
}: {
  label: string;
  value: number | null;
  onChange: (value: number | null) => void;
  hint?: string;
  testId?: string;
  placeholder?: string;
}) {
  const id = useId();
  const [text, setText] = useState(value === null ? '' : String(value));
  useEffect(() => {
    setText((current) => (current.trim() !== '' && Number(current) === value ? current : value === null ? '' : String(value)));
  }, [value]);
  const invalid = text.trim() !== '' && !Number.isFinite(Number(text));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        value={text}
        placeholder={placeholder}
        aria-invalid={invalid}
        data-testid={testId}
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          if (next.trim() === '') onChange(null);
          else if (Number.isFinite(Number(next))) onChange(Number(next));
        }}
      />
      {hint && <small>{hint}</small>}
    </div>
  );
}

export function NextButton({ onClick, children, disabled }: { onClick: () => void; children: ReactNode; disabled?: boolean }) {
  return (
    <div className="next-row">
      <button type="button" className="button button-primary button-next" onClick={onClick} disabled={disabled}>
        {children} →
      </button>
    </div>
  );
}
