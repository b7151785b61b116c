import type { TFunction } from 'i18next';
import type { AppDetail, JobSummary } from './api/endpoints';

/** "admin (panel)", "pi (command line)", the safety net that undid a change, the schedule, Hearth at start; anything else as the server names it. */
export function startedByText(t: TFunction, startedBy: string): string {
  if (startedBy === 'watchdog') return t('panel:jobs.startedBy.watchdog');
  if (startedBy === 'scheduler') return t('panel:jobs.startedBy.scheduler');
  if (startedBy === 'daemon') return t('panel:jobs.startedBy.daemon');
  const match = /^(panel|cli):(.+)$/.exec(startedBy);
  if (!match) return startedBy;
  return match[1] === 'panel' ? t('panel:jobs.startedBy.panel', { user: match[2] }) : t('panel:jobs.startedBy.cli', { user: match[2] });
}

/** "Apply", "Run", or the label of one of the app's own actions ("Send a test message"). */
export function actionText(t: TFunction, action: string, actions: AppDetail['actions'] = []): string {
  if (action === 'apply') return t('panel:jobs.action.apply');
  if (action === 'run') return t('panel:jobs.action.run');
  return actions.find((a) => a.id === action)?.label ?? action;
}

export function formatDateTime(language: string | undefined, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

export function isRunning(job: Pick<JobSummary, 'status'> | null | undefined): boolean {
  return job?.status === 'running';
}
