import { useEffect, useState } from 'react';
import { isAbort } from '../api/client';
import { api, type PathCheck } from '../api/endpoints';

export const pathCheckDelayMs = 300;

export type PathState = { state: 'empty' | 'relative' | 'checking' | 'failed' } | { state: 'checked'; result: PathCheck };

/**
 * Whether a path typed into a path field exists on the box, asked a moment after the
 * typing stops. A newer value aborts the older question; a path that does not start
 * with "/" is never sent.
 */
export function usePathCheck(value: string): PathState {
  const [answer, setAnswer] = useState<{ path: string; result: PathCheck | null } | null>(null);
  const absolute = value.startsWith('/');

  useEffect(() => {
    if (!absolute) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api.checkPath(value, { signal: controller.signal }).then(
        (result) => setAnswer({ path: value, result }),
        (error: unknown) => {
          if (!isAbort(error)) setAnswer({ path: value, result: null });
        },
      );
    }, pathCheckDelayMs);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [value, absolute]);

  if (!value) return { state: 'empty' };
  if (!absolute) return { state: 'relative' };
  if (answer?.path !== value) return { state: 'checking' };
  return answer.result ? { state: 'checked', result: answer.result } : { state: 'failed' };
}
