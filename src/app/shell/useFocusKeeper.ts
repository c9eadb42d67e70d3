import { type RefObject, useEffect, useRef } from 'react';

/**
 * Keeps keyboard focus inside `box` when the control that had it is disabled (Train while a
 * run gets ready, Pause once the run is paused): focus moves to the box's enabled
 * `[data-primary]` control, else to its `[data-focus-fallback]` element, instead of falling to
 * <body>, from where the next Tab starts at the top of the page. It acts only while focus was
 * last in the box, and checks again whenever `state` changes.
 */
export function useFocusKeeper(box: RefObject<HTMLElement | null>, state: unknown): void {
  const owned = useRef(false);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const focusIn = () => {
      owned.current = true;
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
    const fallback = el.querySelector<HTMLElement>('[data-focus-fallback]');
    const stranded = active === null || active === document.body || active === fallback || (el.contains(active) && active.matches(':disabled'));
    if (!stranded) return;
    const target = el.querySelector<HTMLElement>('[data-primary]:not(:disabled)') ?? fallback;
    if (target && target !== active) target.focus();
  }, [box, state]);
}
