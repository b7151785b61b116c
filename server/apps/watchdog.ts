import { HearthError } from '../errors.js';
import type { SettingsStore } from '../store/settings.js';
import type { AppService } from './app-service.js';

/**
 * The dead man's switch for changes that could lock the owner out, as good NAS panels
 * do for network changes: after such an app applies, its previous parameters wait in
 * the `watchdog.pending` setting (durable, outside any process). Unless the owner
 * confirms from the new setting before the deadline, the previous parameters are
 * applied again — by the daemon's timer, or at the next start if the box was off.
 */
/** After a revert that failed, the timer tries again this much later, not every second. */
const retryAfterFailureMs = 60_000;

export function createWatchdog(deps: { settings: SettingsStore; apps: AppService; now: () => number }) {
  const { settings, apps, now } = deps;
  let reverting: Promise<unknown> | undefined;
  let lastAttempt: { jobId: number; at: number } | undefined;

  const watchdog = {
    pending() {
      const pending = settings.get('watchdog.pending');
      if (!pending) return null;
      return { appId: pending.appId, jobId: pending.jobId, deadline: pending.deadline, secondsLeft: Math.max(0, Math.ceil((pending.deadline - now()) / 1000)) };
    },

    /** The owner reached the panel under the new setting: keep it. */
    confirm(): void {
      if (!settings.get('watchdog.pending')) throw new HearthError('HEARTH_ERR_NOTHING_TO_CONFIRM');
      settings.set('watchdog.pending', null);
    },

    /**
     * Applies the previous parameters again, as a job of the app started by "watchdog".
     * The pending change is cleared only once the revert has succeeded, so a crash in
     * between reverts again at the next start.
     */
    async revert(): Promise<{ jobId: number; done: Promise<unknown> }> {
      const pending = settings.get('watchdog.pending');
      if (!pending) throw new HearthError('HEARTH_ERR_NOTHING_TO_CONFIRM');
      lastAttempt = { jobId: pending.jobId, at: now() };
      const { id, done } = await apps.start(pending.appId, pending.previous, { startedBy: 'watchdog', language: pending.language }, undefined, { revert: true });
      const settled = done.then((job) => {
        if (job.status === 'succeeded' && settings.get('watchdog.pending')?.jobId === pending.jobId) settings.set('watchdog.pending', null);
      });
      reverting = settled.finally(() => (reverting = undefined));
      return { jobId: id, done: reverting };
    },

    /**
     * Reverts when the deadline has passed; what the daemon calls every second and at
     * start. A revert that failed is tried again a minute later, not every second.
     */
    async revertIfExpired(): Promise<boolean> {
      const pending = settings.get('watchdog.pending');
      if (!pending || now() < pending.deadline || reverting) return false;
      if (lastAttempt?.jobId === pending.jobId && now() - lastAttempt.at < retryAfterFailureMs) return false;
      await (await watchdog.revert()).done;
      return true;
    },
  };
  return watchdog;
}

export type Watchdog = ReturnType<typeof createWatchdog>;
