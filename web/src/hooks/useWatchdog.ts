import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, isAbort } from '../api/client';
import { api, type JobSummary, type PendingChange } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { useJobFeed } from './useJobFeed';
import { refreshPanelData } from './usePanelRefresh';

/** While nothing waits: a cheap GET every few seconds. While a change waits: more often. */
export const watchdogIdlePollMs = 5_000;
export const watchdogActivePollMs = 2_000;
/** How long "Kept" stays before the banner goes. */
export const keptShownMs = 6_000;
/** Failed checks in a row, while a change waits, before the page says it cannot reach the box. */
const failuresBeforeLockout = 2;

/** The box refuses this page outright: the change shut it out (network, name, HTTPS only). */
const accessRefusals = new Set(['HEARTH_ERR_NOT_LAN', 'HEARTH_ERR_HTTPS_REQUIRED', 'HEARTH_ERR_HOST_NOT_ALLOWED']);

export type WatchdogStatus =
  /** Nothing waits (or the page does not know of anything). */
  | 'idle'
  /** A change waits for Keep it or Undo now. */
  | 'pending'
  /** Keep it was pressed; the answer is not in yet. */
  | 'keeping'
  /** Undo now was pressed, or the time is up: the box is putting the previous settings back. */
  | 'undoing'
  | 'kept'
  | 'undone'
  /** Keep it came too late: nothing waits any more (undone already, or kept elsewhere). */
  | 'gone';

export interface WatchdogState {
  status: WatchdogStatus;
  /** The change as the box last described it (kept after it is settled, for the message). */
  change: PendingChange | null;
  /** When the countdown reaches 0, on the page's monotonic clock (performance.now()). */
  endsAt: number | null;
  /** Undone by the box itself (the time ran out), not by Undo now here. */
  byItself: boolean;
  /** The page cannot reach the box (checks keep failing): the change likely shut it out. */
  unreachable: { problem: Problem | null } | null;
  /** Keep it or Undo now failed for another reason. */
  problem: Problem | null;
  /** The job that should have undone the change failed: its log says why. */
  undoFailedJob: number | null;
}

const initial: WatchdogState = { status: 'idle', change: null, endsAt: null, byItself: false, unreachable: null, problem: null, undoFailedJob: null };

const waiting = (status: WatchdogStatus) => status === 'pending' || status === 'keeping' || status === 'undoing';

/**
 * The change waiting for confirmation (GET /api/watchdog), checked every few seconds
 * and at once after any job ends. The countdown runs from the seconds the box said
 * were left when it was asked, on the page's own monotonic clock: never the browser's
 * date against the box's deadline. Checks the box refuses (this network, this name,
 * plain HTTP), or that keep failing while a change waits, mean the change shut this
 * page out: `unreachable` says so.
 */
export function useWatchdog() {
  const [state, setState] = useState<WatchdogState>(initial);
  const [secondsLeft, setSecondsLeft] = useState(0);
  const inFlight = useRef<AbortController | null>(null);
  const checkAgain = useRef(false);
  const failures = useRef(0);
  /** Bumped by Keep it and Undo now: a check that started before them is out of date. */
  const actionRound = useRef(0);
  const undoAsked = useRef(false);
  const active = useRef(true);

  const settle = useCallback((pending: PendingChange | null) => {
    const now = performance.now();
    setState((s) => {
      if (pending) {
        const endsAt = now + pending.secondsLeft * 1000;
        const sameChange = s.change?.jobId === pending.jobId && waiting(s.status);
        if (!sameChange) {
          undoAsked.current = false;
          return { ...initial, status: 'pending', change: pending, endsAt };
        }
        // The box's figure wins only when lower (a device asleep stops the page's clock); never backwards.
        return { ...s, change: { ...s.change!, appName: pending.appName }, endsAt: Math.min(s.endsAt ?? endsAt, endsAt), unreachable: null };
      }
      if (s.status === 'undoing') return { ...s, status: 'undone', endsAt: null, unreachable: null };
      if (s.status === 'pending' || s.status === 'keeping') {
        // Gone while this page could not confirm it, or with the time (nearly) up: undone by the box.
        const timeUp = s.endsAt !== null && s.endsAt - now < 2_000;
        if (s.unreachable || timeUp) return { ...s, status: 'undone', byItself: true, endsAt: null, unreachable: null };
        // Kept elsewhere (over SSH): nothing to say.
        return initial;
      }
      if (s.unreachable) return { ...initial, status: 'undone', byItself: true, change: s.change };
      return s;
    });
  }, []);

  const noteFailure = useCallback((error: unknown) => {
    if (error instanceof ApiError && error.status === 401) return; // the session ended: the app asks to log in
    failures.current += 1;
    const refused = error instanceof ApiError && accessRefusals.has(error.code);
    setState((s) => {
      // No answer at all while nothing is known to wait may be anything (a restart): the pages say so themselves.
      const lockedOut = refused || ((waiting(s.status) || s.unreachable !== null) && failures.current >= failuresBeforeLockout);
      if (!lockedOut) return s;
      return { ...s, unreachable: { problem: refused ? problemFrom(error) : (s.unreachable?.problem ?? null) } };
    });
  }, []);

  const check = useCallback(async () => {
    if (inFlight.current) {
      checkAgain.current = true;
      return;
    }
    const controller = new AbortController();
    inFlight.current = controller;
    const round = actionRound.current;
    try {
      const { pending } = await api.watchdog({ signal: controller.signal, background: true });
      failures.current = 0;
      if (round === actionRound.current) settle(pending);
      else checkAgain.current = true;
    } catch (error) {
      if (!isAbort(error) && !controller.signal.aborted) noteFailure(error);
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
      if (checkAgain.current && active.current) {
        checkAgain.current = false;
        void check();
      }
    }
  }, [settle, noteFailure]);

  // Checked at once, then every few seconds: often while a change waits, rarely (and not in a hidden tab) otherwise.
  const busy = waiting(state.status) || state.unreachable !== null;
  useEffect(() => {
    active.current = true;
    void check();
    const timer = window.setInterval(
      () => {
        if (busy || document.visibilityState !== 'hidden') void check();
      },
      busy ? watchdogActivePollMs : watchdogIdlePollMs,
    );
    const onVisible = () => {
      if (document.visibilityState === 'visible') void check();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [check, busy]);

  useEffect(
    () => () => {
      active.current = false;
      inFlight.current?.abort();
      inFlight.current = null;
    },
    [],
  );

  // A job that ends may have made (or undone) a change. The box's own undo is a job started by "watchdog".
  const onJob = useCallback(
    (job: JobSummary) => {
      if (job.startedBy === 'watchdog') {
        setState((s) => {
          if (!s.change || s.change.appId !== job.appId) return s;
          if (job.status === 'running') return waiting(s.status) ? { ...s, status: 'undoing', byItself: !undoAsked.current, undoFailedJob: null } : s;
          if (job.status !== 'succeeded' && s.status === 'undoing') return { ...s, status: 'pending', undoFailedJob: job.id };
          return s;
        });
      }
      if (job.status !== 'running') void check();
    },
    [check],
  );
  useJobFeed(onJob, () => void check());

  // The countdown, from the box's figure; at 0 the box undoes the change by itself any moment now.
  const { endsAt, status } = state;
  useEffect(() => {
    if (endsAt === null) return;
    const tick = () => {
      const left = Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
      setSecondsLeft(left);
      if (left === 0) {
        setState((s) => (s.status === 'pending' && s.endsAt === endsAt ? { ...s, status: 'undoing', byItself: true } : s));
      }
    };
    tick();
    const timer = window.setInterval(tick, 250);
    return () => window.clearInterval(timer);
  }, [endsAt]);

  // Undone: the previous settings are back, and what the pages show loads again (it may have failed meanwhile).
  useEffect(() => {
    if (status === 'undone') refreshPanelData();
  }, [status]);

  // "Kept" is said for a moment, then the banner goes.
  useEffect(() => {
    if (status !== 'kept') return;
    const timer = window.setTimeout(() => setState((s) => (s.status === 'kept' ? initial : s)), keptShownMs);
    return () => window.clearTimeout(timer);
  }, [status]);

  const keep = useCallback(async () => {
    actionRound.current += 1;
    setState((s) => ({ ...s, status: 'keeping', problem: null }));
    try {
      await api.confirmChange();
      actionRound.current += 1;
      setState((s) => ({ ...s, status: 'kept', endsAt: null, unreachable: null, problem: null, undoFailedJob: null }));
    } catch (error) {
      actionRound.current += 1;
      if (error instanceof ApiError && error.code === 'HEARTH_ERR_NOTHING_TO_CONFIRM') {
        setState((s) => ({ ...s, status: 'gone', endsAt: null, problem: null }));
      } else if (error instanceof ApiError && (error.status === 0 || accessRefusals.has(error.code))) {
        // Keeping a change needs the page to reach the box under it: this one cannot.
        setState((s) => ({ ...s, status: 'pending', unreachable: { problem: error.status === 0 ? null : problemFrom(error) } }));
      } else {
        setState((s) => ({ ...s, status: 'pending', problem: problemFrom(error) }));
      }
      void check();
    }
  }, [check]);

  const undo = useCallback(async () => {
    actionRound.current += 1;
    undoAsked.current = true;
    setState((s) => ({ ...s, status: 'undoing', byItself: false, problem: null, undoFailedJob: null }));
    try {
      await api.revertChange();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'HEARTH_ERR_NOTHING_TO_CONFIRM') {
        // Undone by the box meanwhile, or kept elsewhere: the check says which it looks like.
      } else if (error instanceof ApiError && (error.status === 0 || accessRefusals.has(error.code))) {
        setState((s) => ({ ...s, status: 'pending', unreachable: { problem: error.status === 0 ? null : problemFrom(error) } }));
      } else {
        undoAsked.current = false;
        setState((s) => ({ ...s, status: 'pending', problem: problemFrom(error) }));
      }
    } finally {
      actionRound.current += 1;
      void check();
    }
  }, [check]);

  const dismiss = useCallback(() => setState(initial), []);

  return { state, secondsLeft, keep, undo, dismiss };
}
