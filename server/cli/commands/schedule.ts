import { createAppliance } from '../../appliance.js';
import type { Translate } from '../../i18n.js';
import type { SchedulerStatus, TaskStatus } from '../../scheduler/scheduler.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { sanitizeLine } from '../menu/text.js';
import { resolveRoot, resolveSystemKind } from '../options.js';

/** "2026-11-29T03:00:00+01:00" → "2026-11-29 03:00 +01:00": the box's local time, its offset shown. */
function when(iso: string): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\d([+-]\d\d:\d\d)$/.exec(iso);
  return match ? `${match[1]} ${match[2]} ${match[3]}` : iso;
}

function lastRun(t: Translate, task: TaskStatus): string[] {
  const started = task.lastStartedAt ? when(task.lastStartedAt) : '';
  const finished = task.lastFinishedAt ? when(task.lastFinishedAt) : '';
  const lines: string[] = [];
  switch (task.lastStatus) {
    case null:
      lines.push(t('cli:schedule.last.never'));
      break;
    case 'failed':
      lines.push(t('cli:schedule.last.failed', { started, finished, code: task.lastErrorCode ?? 'HEARTH_ERR_INTERNAL' }));
      break;
    default:
      lines.push(t(`cli:schedule.last.${task.lastStatus}`, { started, finished }));
  }
  if (task.lastReason === 'catch-up') lines.push(t('cli:schedule.caughtUp'));
  if (task.lastJobId !== null) lines.push(t('cli:schedule.job', { id: task.lastJobId }));
  return lines;
}

/** The schedule as text: the zone, the maintenance window, then one block per task. */
export function renderSchedule(t: Translate, status: SchedulerStatus): string {
  const out: string[] = [t('cli:schedule.zone', { zone: status.zone, now: when(status.now) })];
  const { window } = status;
  if (window.hours >= 24) out.push(t('cli:schedule.windowAlways'));
  else if (window.open) out.push(t('cli:schedule.windowOpen', { start: window.start, count: window.hours }));
  else out.push(t('cli:schedule.windowClosed', { start: window.start, count: window.hours, at: when(window.nextOpening) }));

  if (status.tasks.length === 0) out.push('', t('cli:schedule.none'));
  for (const task of status.tasks) {
    out.push('');
    const cron = task.cron === null ? '' : sanitizeLine(task.cron);
    if (task.invalid) {
      out.push(t('cli:schedule.invalid', { id: task.id, cron }));
    } else if (!task.enabled) {
      out.push(t('cli:schedule.disabled', { id: task.id }));
    } else {
      out.push(t(task.unattended ? 'cli:schedule.taskUnattended' : 'cli:schedule.task', { id: task.id, cron }));
    }
    out.push(...lastRun(t, task).map((line) => `  ${line}`));
    if (task.pendingSlot) {
      const slot = when(task.pendingSlot);
      if (task.folded) out.push(`  ${t('cli:schedule.pendingFolded', { slot })}`);
      else if (task.waitingForWindow) out.push(`  ${t('cli:schedule.pendingWindow', { slot })}`);
      else out.push(`  ${t('cli:schedule.pending', { slot })}`);
    }
    if (task.enabled) out.push(`  ${task.nextRunAt ? t('cli:schedule.next', { at: when(task.nextRunAt) }) : t('cli:schedule.nextNever')}`);
  }
  return out.join('\n') + '\n';
}

/** `hearth schedule [--json]`: scheduled tasks, their last and next runs, and the maintenance window. */
export async function scheduleCommand(ctx: CliContext, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    const status = await appliance.scheduler.status();
    ctx.stdout(options.json ? JSON.stringify(status, null, 2) + '\n' : renderSchedule(ctx.t, status));
    return exitCodes.ok;
  } finally {
    appliance.close();
  }
}
