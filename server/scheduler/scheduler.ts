import { isHearthError } from '../errors.js';
import type { Db } from '../store/database.js';
import type { SettingsStore } from '../store/settings.js';
import type { System } from '../system/index.js';
import { planTask, type Plan, type TaskRecord } from './plan.js';
import { createScheduleStore, type RunReason, type RunStatus } from './schedule-store.js';
import { isWindowOpen, maintenanceWindow, nextWindowOpening, type MaintenanceWindow } from './window.js';
import { formatInZone, isKnownZone } from './zoned-time.js';

/** What a scheduled task's run reports. A task whose job could not take its lock is "skipped". */
export interface RunOutcome {
  jobId?: number;
  status: 'succeeded' | 'failed' | 'skipped';
  errorCode?: string;
}

export interface RunContext {
  /** "catch-up": the run stands for a time that passed while the daemon was not running. */
  reason: RunReason;
  /** The scheduled time this run stands for (the latest one owed). */
  slot: Date;
  /** Records the job as soon as it exists, so the panel can follow a run in progress. */
  jobStarted(jobId: number): void;
}

export interface ScheduledTask {
  /** Stable id, the key of its row in `schedules` (e.g. "auto-backup"). */
  id: string;
  /**
   * The cron expression (node-cron syntax), read from the settings on every decision so a
   * change applies without a restart; null = disabled.
   */
  cron: () => string | null;
  /** Unattended work (update, backup, snapshot) starts only inside the maintenance window. */
  unattended: boolean;
  /** Does the work, usually as a job, and resolves when it has ended. Throwing HEARTH_ERR_BUSY = skipped. */
  run: (context: RunContext) => Promise<RunOutcome>;
}

/** pino-compatible: the daemon passes Fastify's `app.log`. */
export interface SchedulerLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The one timer the scheduler keeps; tests pass a hand-driven one. */
export interface SchedulerTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface TaskStatus {
  id: string;
  cron: string | null;
  enabled: boolean;
  /** The expression is set but not valid: the task does not run. */
  invalid: boolean;
  unattended: boolean;
  lastStatus: RunStatus | null;
  lastReason: RunReason | null;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastJobId: number | null;
  lastErrorCode: string | null;
  /** The scheduled time a run is owed for (missed, or due and waiting for the window). */
  pendingSlot: string | null;
  waitingForWindow: boolean;
  /** The owed run will be made by the task's next run, which comes in the same window. */
  folded: boolean;
  nextRunAt: string | null;
}

export interface SchedulerStatus {
  /** The box's zone; every time below is ISO 8601 with that zone's offset. */
  zone: string;
  now: string;
  window: { start: string; hours: number; open: boolean; nextOpening: string };
  tasks: TaskStatus[];
}

export interface SchedulerDeps {
  settings: SettingsStore;
  db: Db;
  /** The zone is read from /etc/timezone under the root through it. */
  system: System;
  now?: () => number;
  log?: SchedulerLog;
  timers?: SchedulerTimers;
  /**
   * The longest the scheduler sleeps without looking again (default one minute): timers
   * run on the monotonic clock, so this bounds how late a change of the wall clock (NTP
   * setting the time of a board without a battery-backed clock), of the zone or of a
   * schedule in the settings is noticed.
   */
  maxSleepMs?: number;
}

const silent: SchedulerLog = { info() {}, warn() {}, error() {} };

const realTimers: SchedulerTimers = {
  set(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The appliance's scheduler. Code defines tasks; start() (daemon only) catches up what was
 * missed while the box was off — once per task, not once per missed time — and then runs
 * each task at its times, unattended ones only inside the maintenance window. The
 * decisions are planTask()'s (pure, in plan.ts); this is the wiring: one timer, the
 * `schedules` table, and running one task at a time, so two scheduled tasks never fight
 * over the maintenance lock.
 */
export function createScheduler(deps: SchedulerDeps) {
  const { settings, db, system } = deps;
  const now = deps.now ?? Date.now;
  const timers = deps.timers ?? realTimers;
  const maxSleepMs = deps.maxSleepMs ?? 60_000;
  let log = deps.log ?? silent;
  const store = createScheduleStore(db);
  const tasks: ScheduledTask[] = [];

  let started = false;
  let startedAt = 0;
  let timer: unknown;
  let cycle: Promise<void> | undefined;
  let again = false;
  const warned = new Set<string>();

  const warnOnce = (key: string, fields: Record<string, unknown>, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    log.warn(fields, message);
  };

  /** The box's zone: /etc/timezone, which the timezone app writes; UTC when absent or unknown. */
  async function readZone(): Promise<string> {
    let text: string | undefined;
    try {
      text = await system.readFile(system.paths.systemFile('etc/timezone'));
    } catch (error) {
      warnOnce('zone-unreadable', { err: error }, 'scheduler: cannot read /etc/timezone, using UTC');
    }
    const zone = text?.split('\n')[0]?.trim();
    if (!zone) return 'UTC';
    if (!isKnownZone(zone)) {
      warnOnce(`zone:${zone}`, { zone }, 'scheduler: unknown time zone in /etc/timezone, using UTC');
      return 'UTC';
    }
    return zone;
  }

  async function moment(): Promise<{ zone: string; window: MaintenanceWindow; now: number }> {
    const zone = await readZone();
    const window = maintenanceWindow(settings.get('maintenance.windowStart'), settings.get('maintenance.windowHours'));
    return { zone, window, now: now() };
  }

  function cronOf(task: ScheduledTask): string | null {
    try {
      return task.cron();
    } catch (error) {
      warnOnce(`cron-threw:${task.id}`, { task: task.id, err: error }, 'scheduler: reading the schedule failed; the task is off');
      return null;
    }
  }

  function plan(task: ScheduledTask, at: { zone: string; window: MaintenanceWindow; now: number }, write: boolean): Plan & { cron: string | null } {
    const cron = cronOf(task);
    let record: TaskRecord | undefined;
    if (write) {
      const synced = store.sync(task.id, cron, at.zone, at.now);
      if (synced.retimed === 'changed') log.info({ task: task.id, cron, zone: at.zone }, 'scheduler: the schedule changed; it counts from now');
      if (synced.retimed === 'clock') log.warn({ task: task.id }, 'scheduler: the clock was set back past recorded runs; the schedule counts from now');
      record = synced;
    } else {
      record = store.get(task.id);
    }
    const decided = planTask({ cron, unattended: task.unattended, zone: at.zone, window: at.window, now: at.now, record });
    if (decided.invalid) warnOnce(`invalid:${task.id}:${cron}`, { task: task.id, cron }, 'scheduler: not a valid cron expression; the task is off');
    return { ...decided, cron };
  }

  async function execute(task: ScheduledTask, slot: number): Promise<void> {
    const reason: RunReason = slot < startedAt ? 'catch-up' : 'scheduled';
    store.started(task.id, now(), slot, reason);
    log.info({ task: task.id, reason, slot: new Date(slot).toISOString() }, 'scheduler: starting a scheduled task');
    let outcome: RunOutcome;
    try {
      outcome = await task.run({ reason, slot: new Date(slot), jobStarted: (jobId) => db.open && store.job(task.id, jobId) });
      if (outcome.status === 'failed' && outcome.errorCode === 'HEARTH_ERR_BUSY') outcome = { ...outcome, status: 'skipped' };
    } catch (error) {
      if (isHearthError(error) && error.code === 'HEARTH_ERR_BUSY') {
        outcome = { status: 'skipped', errorCode: error.code };
      } else {
        outcome = { status: 'failed', errorCode: isHearthError(error) ? error.code : 'HEARTH_ERR_INTERNAL' };
        log.error({ task: task.id, err: error }, 'scheduler: a scheduled task failed');
      }
    }
    if (!db.open) return;
    store.finished(task.id, now(), outcome.status, outcome.jobId ?? null, outcome.errorCode ?? null);
    const fields = { task: task.id, status: outcome.status, ...(outcome.jobId !== undefined ? { job: outcome.jobId } : {}), ...(outcome.errorCode ? { error: outcome.errorCode } : {}) };
    if (outcome.status === 'skipped') log.warn(fields, 'scheduler: skipped a scheduled task, something else was running');
    else log.info(fields, 'scheduler: a scheduled task ended');
  }

  function arm(nextRunAt: number | null, at: number) {
    if (!started) return;
    const delay = Math.min(Math.max(nextRunAt === null ? Infinity : nextRunAt - at, 1), maxSleepMs);
    timer = timers.set(() => {
      timer = undefined;
      void wake();
    }, delay);
  }

  function disarm() {
    if (timer !== undefined) timers.clear(timer);
    timer = undefined;
  }

  /** Runs, one at a time and earliest first, every task that is owed and allowed now; then sleeps. */
  async function runDue(): Promise<void> {
    disarm();
    while (started) {
      const at = await moment();
      if (!started) return;
      const plans = tasks.map((task) => ({ task, plan: plan(task, at, true) }));
      const ready = plans.filter((p) => p.plan.startNow).sort((a, b) => a.plan.owed! - b.plan.owed!)[0];
      if (!ready) {
        const next = plans.map((p) => p.plan.nextRunAt).filter((t): t is number => t !== null);
        arm(next.length ? Math.min(...next) : null, at.now);
        return;
      }
      await execute(ready.task, ready.plan.owed!);
    }
  }

  /** Looks again now (coalesced with a look already under way). */
  function wake(): Promise<void> {
    if (!started) return Promise.resolve();
    if (cycle) {
      again = true;
      return cycle;
    }
    cycle = (async () => {
      try {
        do {
          again = false;
          await runDue();
        } while (again && started);
      } catch (error) {
        log.error({ err: error }, 'scheduler: planning failed; trying again shortly');
        disarm();
        if (started && db.open) arm(null, 0);
      } finally {
        cycle = undefined;
      }
    })();
    return cycle;
  }

  return {
    /** Registers a task (before or after start). */
    define(task: ScheduledTask): void {
      if (tasks.some((t) => t.id === task.id)) throw new Error(`scheduled task ${task.id} is already defined`);
      tasks.push(task);
      if (started) void wake();
    },

    /**
     * Daemon start: a run left "running" by a process that is gone is marked interrupted
     * (not re-run: a task that brought the daemon down would do it again); then what was
     * missed while the box was off runs once, and the timer is set for what comes next.
     * Returns at once; the catch-up runs in the background.
     */
    start(options: { log?: SchedulerLog } = {}): void {
      if (started) return;
      if (options.log) log = options.log;
      started = true;
      startedAt = now();
      const interrupted = store.interruptRunning();
      if (interrupted) log.warn({ count: interrupted }, 'scheduler: scheduled runs were interrupted when the daemon last stopped');
      void wake();
    },

    /** No new runs; resolves when a run in progress has ended and been recorded. */
    async stop(): Promise<void> {
      started = false;
      disarm();
      while (cycle) await cycle;
    },

    /** Between start() and stop(): the daemon's scheduler runs (an updated release checks it before it marks itself good). */
    isRunning(): boolean {
      return started;
    },

    /** Look again now, e.g. after the maintenance window or a schedule was changed. */
    refresh(): Promise<void> {
      return wake();
    },

    /** Resolves when nothing is being decided or run (tests; shutdown). */
    async idle(): Promise<void> {
      while (cycle) await cycle;
    },

    /** Every task, for the panel and `hearth schedule`; reads only (works from the CLI too). */
    async status(): Promise<SchedulerStatus> {
      const at = await moment();
      const { zone, window, now: current } = at;
      const time = (instant: number | null) => (instant === null ? null : formatInZone(instant, zone));
      return {
        zone,
        now: formatInZone(current, zone),
        window: {
          start: settings.get('maintenance.windowStart'),
          hours: window.hours,
          open: isWindowOpen(window, current, zone),
          nextOpening: formatInZone(nextWindowOpening(window, current, zone), zone),
        },
        tasks: tasks.map((task) => {
          const decided = plan(task, at, false);
          const record = store.get(task.id);
          return {
            id: task.id,
            cron: decided.cron,
            enabled: decided.enabled,
            invalid: decided.invalid,
            unattended: task.unattended,
            lastStatus: record?.lastStatus ?? null,
            lastReason: record?.lastReason ?? null,
            lastStartedAt: time(record?.lastStartedAt ?? null),
            lastFinishedAt: time(record?.lastFinishedAt ?? null),
            lastJobId: record?.lastJobId ?? null,
            lastErrorCode: record?.lastErrorCode ?? null,
            pendingSlot: time(decided.owed),
            waitingForWindow: decided.waitingForWindow,
            folded: decided.folded,
            nextRunAt: time(decided.nextRunAt),
          };
        }),
      };
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
