import type { ActivationStatus, PassphraseSuggestion, SessionInfo, SystemInfo } from '../../../server/schemas/api';
import type { AppDetail, AppList, AppSummary, JobDetail, JobSummary, LogLine, ParamDescription, PathCheck, RunAppRequest } from '../../../server/schemas/apps';
import { apiRequest, type RequestOptions } from './client';

const appPath = (id: string) => `/api/apps/${encodeURIComponent(id)}`;

/** One function per API route the panel uses; the shapes are the server's own types. */
export const api = {
  activationStatus: (options?: RequestOptions) => apiRequest<ActivationStatus>('GET', '/api/activation', undefined, options),
  proposePassphrase: (options?: RequestOptions) => apiRequest<PassphraseSuggestion>('GET', '/api/activation/passphrase', undefined, options),
  activate: (setupCode: string, password: string) => apiRequest<SessionInfo>('POST', '/api/activation', { setupCode, password }),
  login: (username: string, password: string) => apiRequest<SessionInfo>('POST', '/api/auth/login', { username, password }),
  logout: () => apiRequest<void>('POST', '/api/auth/logout'),
  session: (options?: RequestOptions) => apiRequest<SessionInfo>('GET', '/api/auth/session', undefined, options),
  systemInfo: (options?: RequestOptions) => apiRequest<SystemInfo>('GET', '/api/system/info', undefined, options),
  apps: (options?: RequestOptions) => apiRequest<AppList>('GET', '/api/apps', undefined, options),
  app: (id: string, options?: RequestOptions) => apiRequest<AppDetail>('GET', appPath(id), undefined, options),
  runApp: (id: string, request: RunAppRequest) => apiRequest<{ job: JobSummary }>('POST', `${appPath(id)}/run`, request),
  checkPath: (path: string, options?: RequestOptions) =>
    apiRequest<PathCheck>('GET', `/api/apps/check-path?path=${encodeURIComponent(path)}`, undefined, options),
  job: (id: number, options?: RequestOptions) => apiRequest<JobDetail>('GET', `/api/jobs/${id}`, undefined, options),
};

/** Where a job's log streams from (Server-Sent Events), optionally after a line already shown. */
export const jobEventsUrl = (id: number, afterSeq = 0) => `/api/jobs/${id}/events${afterSeq > 0 ? `?after=${afterSeq}` : ''}`;
/** Every job that starts or ends, from any process (Server-Sent Events). */
export const jobFeedUrl = '/api/jobs/events';

export type { ActivationStatus, PassphraseSuggestion, SessionInfo, SystemInfo };
export type { AppDetail, AppList, AppSummary, JobDetail, JobSummary, LogLine, ParamDescription, PathCheck, RunAppRequest };
