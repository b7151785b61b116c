import type { UpdatesOverview } from '../../../server/schemas/updates';
import type { JobSummary } from './endpoints';
import { apiRequest, type RequestOptions } from './client';

export type { UpdatesOverview, CheckInfo, HistoryInfo, HeldBackInfo } from '../../../server/schemas/updates';

/** The Updates page's routes (server/routes/updates.ts). */
export const updatesApi = {
  overview: (options?: RequestOptions) => apiRequest<UpdatesOverview>('GET', '/api/updates', undefined, options),
  check: () => apiRequest<UpdatesOverview>('POST', '/api/updates/check', {}),
  start: (request: { version?: string; allowBreaking?: boolean }) => apiRequest<{ job: JobSummary }>('POST', '/api/updates/start', request),
  acknowledge: () => apiRequest<{ acknowledged: { version: string; at: string } | null }>('POST', '/api/updates/acknowledge', {}),
};
