import { hasTranslation, type Translate } from '../i18n.js';
import type { JobRecord } from './job-store.js';

/** A job as the panel and the CLI show it: the app's name and the outcome in the reader's language. */
export function summarizeJob(job: JobRecord, t: Translate) {
  return {
    id: job.id,
    appId: job.appId,
    appName: hasTranslation(`app-${job.appId}:name`) ? t(`app-${job.appId}:name`) : job.appId,
    action: job.action,
    startedBy: job.startedBy,
    params: job.params,
    status: job.status,
    errorCode: job.errorCode,
    errorMessage: job.errorCode ? t(`errors:${job.errorCode}`, job.errorParams ?? {}) : null,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    progress: job.progress,
  };
}

export type JobSummary = ReturnType<typeof summarizeJob>;
