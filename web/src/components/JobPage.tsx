import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { AppDetail } from '../api/endpoints';
import type { Outcome, PageJobs } from '../hooks/usePageJobs';
import { ErrorMessage } from './ErrorMessage';
import { JobConsole } from './JobConsole';
import { LastRuns } from './LastRuns';
import { Loading } from './Loading';
import { PageHeader } from './PageHeader';
import '../job-page.css';

interface JobPageProps<Overview, Started> {
  title: string;
  /** The app whose settings the header links to. */
  appId: string;
  settingsLabel: string;
  intro: string;
  jobs: PageJobs<Overview, Started>;
  /** The page's own class for the outcome (backups-outcome, …), besides the shared one. */
  outcomeClassName?: string;
  /** ✓ before a success, ✗ before a failure. */
  markedOutcome?: boolean;
  /** Whether a failure to load the page's data is shown (Snapshots: not while Hearth restarts on purpose). */
  showProblem?: boolean;
  /** Said above the columns once the data is in (Backups: the backup warning). */
  banner?: (data: Overview) => ReactNode;
  /** The page's own class for the main column, besides the shared one. */
  mainClassName?: string;
  /** The app's jobs, by action, as the console and the last runs name them. */
  actions: AppDetail['actions'];
  consoleEmpty: string;
  /** The main column's cards, once the data is in. */
  children: (data: Overview) => ReactNode;
}

/**
 * The frame of a page that runs an app's jobs (Backups, Snapshots, Updates): the header
 * with the app's settings link, the lead, the outcome of a job started here, a failure
 * to load with Retry, and two columns — the page's cards, and the console with the last runs.
 */
export function JobPage<Overview, Started>(props: JobPageProps<Overview, Started>) {
  const { t } = useTranslation();
  const { jobs, showProblem = true } = props;
  const { overview, detail, log } = jobs;
  const data = overview.data;
  return (
    <>
      <PageHeader title={props.title} className="job-page-header">
        <Link href={`/apps/${props.appId}`} className="job-page-settings-link">
          {props.settingsLabel}
        </Link>
      </PageHeader>
      <p className="lead job-page-lead">{props.intro}</p>

      <JobOutcome outcome={jobs.outcome} className={props.outcomeClassName} marked={props.markedOutcome ?? false} />

      {overview.problem && showProblem && (
        <div className="notice">
          <ErrorMessage problem={overview.problem} />
          <button type="button" className="button button-quiet" onClick={jobs.reloadAll}>
            {t('panel:common.retry')}
          </button>
        </div>
      )}
      {data !== null && props.banner?.(data)}

      {data === null ? (
        !overview.problem && <Loading />
      ) : (
        <div className="job-page-layout">
          <div className={props.mainClassName ? `job-page-main ${props.mainClassName}` : 'job-page-main'}>{props.children(data)}</div>
          <div className="job-page-side">
            <JobConsole ref={jobs.consoleRef} log={log} job={jobs.shownSummary} actions={props.actions} emptyText={props.consoleEmpty} />
            {detail && <LastRuns runs={detail.lastRuns} actions={props.actions} shownId={log?.job.id} onShow={jobs.setShownJob} />}
          </div>
        </div>
      )}
    </>
  );
}

/** How a job started on this page ended, said at its top: a live region, empty until then. */
function JobOutcome({ outcome, className, marked }: { outcome: Outcome | null; className: string | undefined; marked: boolean }) {
  return (
    <div className={['job-page-outcome', marked && 'job-page-outcome-marked', className].filter(Boolean).join(' ')} role="status">
      {outcome && (
        <p className={`message ${outcome.tone === 'error' ? 'message-error' : outcome.tone === 'ok' ? 'message-ok' : 'message-info'}`} data-tone={outcome.tone}>
          {outcome.text}
        </p>
      )}
    </div>
  );
}
