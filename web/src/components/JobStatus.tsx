import { useTranslation } from 'react-i18next';
import type { JobSummary } from '../api/endpoints';

const marks: Record<JobSummary['status'], string> = { running: '', succeeded: '✓', failed: '✗', interrupted: '!' };

/** A job's outcome in a word, with a mark that does not rely on colour: ✓ succeeded, ✗ failed. */
export function JobStatus({ status }: { status: JobSummary['status'] }) {
  const { t } = useTranslation();
  return (
    <span className="job-status" data-status={status}>
      {status === 'running' ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">{marks[status]}</span>}
      <span>{t(`panel:jobs.status.${status}`)}</span>
    </span>
  );
}
