import { useTranslation } from 'react-i18next';
import type { AppDetail, JobSummary } from '../api/endpoints';
import { actionText, formatDateTime, startedByText } from '../jobs';
import { JobStatus } from './JobStatus';

interface Props {
  runs: readonly JobSummary[];
  actions: AppDetail['actions'];
  shownId: number | undefined;
  onShow: (job: JobSummary) => void;
}

/** The app's recent jobs: when, who, what, how it ended; choosing one shows its log in the console. */
export function LastRuns({ runs, actions, shownId, onShow }: Props) {
  const { t, i18n } = useTranslation();
  return (
    <section className="card" aria-labelledby="runs-heading">
      <h2 id="runs-heading">{t('panel:appPage.lastRuns')}</h2>
      {runs.length === 0 ? (
        <p className="muted">{t('panel:appPage.noRuns')}</p>
      ) : (
        <ol className="run-list">
          {runs.map((run) => (
            <li key={run.id}>
              <button
                type="button"
                className="run-row"
                aria-pressed={run.id === shownId}
                title={t('panel:appPage.showLog', { id: run.id })}
                onClick={() => onShow(run)}
              >
                <JobStatus status={run.status} />
                <time className="run-time" dateTime={run.startedAt}>
                  {formatDateTime(i18n.resolvedLanguage, run.startedAt)}
                </time>
                <span className="run-who">
                  {actionText(t, run.action, actions)} · {startedByText(t, run.startedBy)}
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
