import { useEffect, useState } from 'react';

/**
 * `value`, arriving `delayMs` after it changes. Two charts fed the same update through
 * different delays redraw in two tasks instead of one long one.
 */
export function useDelayed<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setShown(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return shown;
}
