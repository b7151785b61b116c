import type { Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppDetail, JobSummary } from '../api/endpoints';
import type { JobLog } from '../hooks/useJobLog';
import { actionText, formatDateTime, startedByText } from '../jobs';
import { ErrorMessage } from './ErrorMessage';
import { JobStatus } from './JobStatus';
import { LogView } from './LogView';
import { ProgressView } from './ProgressView';

interface Props {
  log: JobLog | null;
  /** The job as last described in the language shown now (the stream's summary is in the one of when it ended). */
  job: JobSummary | null;
  actions: AppDetail['actions'];
  /** What the console says before anything ran. */
  emptyText?: string;
  ref?: Ref<HTMLElement>;
}

/** The live log of the job being shown, its title, its progress (long jobs), and how it ended. */
export function JobConsole({ log, job, actions, emptyText, ref }: Props) {
  const { t, i18n } = useTranslation();
  return (
    <section ref={ref} className="card console-card" aria-labelledby="console-heading">
      <h2 id="console-heading">{t('panel:appPage.console')}</h2>
      {!log || !job ? (
        <p className="muted">{emptyText ?? t('panel:appPage.consoleEmpty')}</p>
      ) : (
        <>
          <p className="console-title">
            {t('panel:appPage.runTitle', {
              id: job.id,
              action: actionText(t, job.action, actions),
              who: startedByText(t, job.startedBy),
              time: formatDateTime(i18n.resolvedLanguage, job.startedAt),
            })}
          </p>
          {log.progress && (
            <ProgressView
              label={t('panel:progress.label', { id: job.id })}
              phase={log.progress.phase}
              done={log.progress.done}
              total={log.progress.total}
              unit={log.progress.unit}
              rate={log.progress.rate}
              running={log.job.status === 'running'}
            />
          )}
          <LogView key={job.id} label={t('panel:appPage.consoleLabel', { id: job.id })} lines={log.lines} hiddenLines={log.hiddenLines} />
          <ErrorMessage problem={log.problem} />
          <p className="job-outcome" role="status" data-status={job.status}>
            <JobStatus status={job.status} />
            {job.errorMessage && <span className="job-outcome-message">{job.errorMessage}</span>}
          </p>
        </>
      )}
    </section>
  );
}
