import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { api } from '../api/endpoints';
import { useJobFeed } from './useJobFeed';

export const unreadRefreshMs = 30_000;

/**
 * How many notifications the owner has not read: one figure for the whole page, shown
 * on the bell and set by the notifications page whenever it hears it from the box.
 */
let unread: number | null = null;
/** Bumped by every new figure: an answer asked for before the latest one is out of date. */
let version = 0;
const listeners = new Set<() => void>();

export function setUnreadCount(value: number | null) {
  version += 1;
  if (value === unread) return;
  unread = value;
  for (const listener of [...listeners]) listener();
}

/** Sets the figure from an answer asked for at `askedAt` (unreadVersion()), unless a newer one came since. */
export function setUnreadCountFrom(askedAt: number, value: number) {
  if (askedAt === version) setUnreadCount(value);
}

export const unreadVersion = () => version;

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useUnreadCount(): number | null {
  return useSyncExternalStore(subscribe, () => unread);
}

/**
 * Keeps the figure fresh while the owner is logged in: at once, every 30 seconds (not
 * in a hidden tab), when the tab comes back, and after every job that ends (the
 * Notifications app's "Send test" adds one, other jobs may too).
 */
export function useUnreadCountRefresh() {
  const inFlight = useRef<AbortController | null>(null);
  const again = useRef(false);

  const refresh = useCallback(async () => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    const controller = new AbortController();
    inFlight.current = controller;
    const askedAt = unreadVersion();
    try {
      const list = await api.notifications({ limit: 1, unreadOnly: true }, { signal: controller.signal, background: true });
      setUnreadCountFrom(askedAt, list.unread);
    } catch {
      // Nothing to show on a bell: the figure stays as it was (a 401 ends the session anyway).
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
      if (again.current && !controller.signal.aborted) {
        again.current = false;
        void refresh();
      }
    }
  }, []);

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') void refresh();
    }, unreadRefreshMs);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      inFlight.current?.abort();
      inFlight.current = null;
      setUnreadCount(null);
    };
  }, [refresh]);

  useJobFeed(
    (job) => {
      if (job.status !== 'running') void refresh();
    },
    () => void refresh(),
  );
}
