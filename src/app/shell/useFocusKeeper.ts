import { type RefObject, useEffect, useRef } from 'react';

/**
 * Keeps keyboard focus inside `box` when the control that had it is disabled (Train while a
 * run gets ready, Pause once the run is paused, the demo button while the demo loads), instead
 * of letting it fall to <body>, from where the next Tab starts at the top of the page. Focus
 * goes back to the control that had it once that is enabled again, else to the box's enabled
 * `[data-primary]` control, else to its `[data-focus-fallback]` element (the box itself when it
 * has the attribute). It acts only while focus was last in the box, and checks again whenever
 * `state` changes.
 */
export function useFocusKeeper(box: RefObject<HTMLElement | null>, state: unknown): void {
  const owned = useRef(false);
  const last = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const focusIn = (event: FocusEvent) => {
      owned.current = true;
      if (event.target instanceof HTMLElement && !event.target.hasAttribute('data-focus-fallback')) last.current = event.target;
    };
    // Focus that leaves for somewhere else on the page (not to nowhere, as a disabled button's does) was given away.
    const focusOut = (event: FocusEvent) => {
      if (event.relatedTarget instanceof Node && !el.contains(event.relatedTarget)) owned.current = false;
    };
    const pointerDown = (event: PointerEvent) => {
      owned.current = event.target instanceof Node && el.contains(event.target);
    };
    el.addEventListener('focusin', focusIn);
    el.addEventListener('focusout', focusOut);
    document.addEventListener('pointerdown', pointerDown, true);
    return () => {
      el.removeEventListener('focusin', focusIn);
      el.removeEventListener('focusout', focusOut);
      document.removeEventListener('pointerdown', pointerDown, true);
    };
  }, [box]);
  useEffect(() => {
    const el = box.current;
    if (!el || !owned.current) return;
    const active = document.activeElement;
    const fallback = el.hasAttribute('data-focus-fallback') ? el : el.querySelector<HTMLElement>('[data-focus-fallback]');
    const stranded = active === null || active === document.body || active === fallback || (el.contains(active) && active.matches(':disabled'));
    if (!stranded) return;
    const previous = last.current && el.contains(last.current) && !last.current.matches(':disabled') ? last.current : null;
    const target = previous ?? el.querySelector<HTMLElement>('[data-primary]:not(:disabled)') ?? fallback;
    if (target && target !== active) target.focus();
  }, [box, state]);
}
