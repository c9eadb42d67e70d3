/** Small building blocks every screen uses, sized for reading from the back of a classroom. */
import { type ReactNode, useEffect, useId, useState } from 'react';
import { formatDuration } from '../format.ts';

export function Card({ title, children, testId, wide }: { title?: ReactNode; children: ReactNode; testId?: string; wide?: boolean }) {
  return (
    <section className={wide ? 'card card-wide' : 'card'} data-testid={testId}>
      {title !== undefined && <h2>{title}</h2>}
      {children}
    </section>
  );
}

/**
 * A screen's title and what it is for. The heading takes the focus when its screen opens
 * (App moves it there), so keyboard and screen-reader users land at the top of the new screen.
 */
export function ScreenHeader({ title, lead, children }: { title: string; lead: string; children?: ReactNode }) {
  return (
    <header className="screen-header">
      <h1 tabIndex={-1}>{title}</h1>
      <p className="lead">{lead}</p>
      {children}
    </header>
  );
}

/** Re-renders once a second while `since` is set, for a wait's "12 s so far". */
function useSecondsSince(since: number | undefined): number | null {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (since === undefined) return;
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [since]);
  return since === undefined ? null : Math.max(0, now - since);
}

/**
 * A named wait: its label above a bar that fills, or sweeps (with `fraction` null) for work
 * whose size is not known, and for long waits the time so far and what to expect.
 */
export function ProgressBar({ fraction, label, expected, since }: { fraction: number | null; label: string; expected?: string; since?: number }) {
  const elapsed = useSecondsSince(since);
  const percent = fraction === null ? null : Math.round(fraction * 100);
  const detail = [elapsed !== null && elapsed >= 1000 ? `${formatDuration(elapsed)} so far` : null, expected ?? null].filter((d) => d !== null).join(' · ');
  return (
    <div className="progress-block">
      <p className="progress-text">
        <span className="progress-label">
          {label}
          {percent !== null && ` · ${percent}%`}
        </span>
        {detail !== '' && <span className="progress-detail">{detail}</span>}
      </p>
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent ?? undefined} aria-valuetext={percent === null ? 'in progress' : undefined}>
        <div className={percent === null ? 'progress-fill progress-indeterminate' : 'progress-fill'} style={percent === null ? undefined : { width: `${percent}%` }} />
      </div>
    </div>
  );
}

/**
 * A field that cannot be changed now says why when it is hovered or focused. It stays
 * focusable (read-only rather than disabled), so keyboard users can reach the reason too.
 */
export function LockReason({ id, reason }: { id: string; reason: string }) {
  return (
    <span id={id} role="tooltip" className="lock-reason">
      {reason}
    </span>
  );
}

/**
 * A number input that lets people type freely ("0.", "5e-"). Its owner either takes every
 * keystroke (`onText`) and says what is wrong through `error`, or takes only values that
 * parse (`onChange`), the field itself marking text that is not a number. What is on screen
 * follows the store when the store changes.
 */
export function NumberField({
  label,
  value,
  onChange,
  onText,
  error,
  lockedReason,
  note,
  hint,
  testId,
  placeholder,
}: {
  label: string;
  value: number | null;
  onChange?: (value: number | null) => void;
  onText?: (text: string) => void;
  error?: string | null;
  /** Why the field cannot change now; null or absent when it can. */
  lockedReason?: string | null;
  /** What the value means in this run, e.g. a cap the model imposes. */
  note?: string | null;
  hint?: string;
  testId?: string;
  placeholder?: string;
}) {
  const id = useId();
  const [text, setText] = useState(value === null ? '' : String(value));
  useEffect(() => {
    setText((current) => (current.trim() !== '' && Number(current) === value ? current : value === null ? '' : String(value)));
  }, [value]);
  const notNumber = onText === undefined && text.trim() !== '' && !Number.isFinite(Number(text)) ? `“${text}” is not a number` : null;
  const problem = error ?? notNumber;
  const ids = { hint: `${id}-hint`, note: `${id}-note`, problem: `${id}-problem`, lock: `${id}-lock` };
  const describedBy = [problem && ids.problem, note && ids.note, lockedReason && ids.lock, hint && ids.hint].filter(Boolean).join(' ');
  return (
    <div className={lockedReason ? 'field field-locked' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        value={text}
        placeholder={placeholder}
        readOnly={Boolean(lockedReason)}
        aria-disabled={lockedReason ? true : undefined}
        aria-invalid={problem !== null}
        aria-describedby={describedBy || undefined}
        data-testid={testId}
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          if (onText) onText(next);
          else if (next.trim() === '') onChange?.(null);
          else if (Number.isFinite(Number(next))) onChange?.(Number(next));
        }}
      />
      {hint && <small id={ids.hint}>{hint}</small>}
      {note && (
        <small id={ids.note} className="field-note" data-testid={testId && `${testId}-note`}>
          {note}
        </small>
      )}
      {problem && (
        <small id={ids.problem} className="field-problem" data-testid={testId && `${testId}-problem`}>
          {problem}
        </small>
      )}
      {lockedReason && <LockReason id={ids.lock} reason={lockedReason} />}
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
