import type { ActivationStatus, PassphraseSuggestion, SessionInfo, SystemInfo } from '../../../server/schemas/api';
import type { BoardInfo } from '../../../server/schemas/board';
import type { BackupListing, BackupStatus } from '../../../server/schemas/backups';
import type { AppDetail, AppList, AppSummary, JobDetail, JobSummary, LogLine, ParamDescription, PathCheck, RunAppRequest } from '../../../server/schemas/apps';
import { currentLanguage } from '../i18n';
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
  board: (options?: RequestOptions) => apiRequest<BoardInfo>('GET', '/api/board', undefined, options),
  apps: (options?: RequestOptions) => apiRequest<AppList>('GET', '/api/apps', undefined, options),
  app: (id: string, options?: RequestOptions) => apiRequest<AppDetail>('GET', appPath(id), undefined, options),
  runApp: (id: string, request: RunAppRequest) => apiRequest<{ job: JobSummary }>('POST', `${appPath(id)}/run`, request),
  checkPath: (path: string, options?: RequestOptions) =>
    apiRequest<PathCheck>('GET', `/api/apps/check-path?path=${encodeURIComponent(path)}`, undefined, options),
  job: (id: number, options?: RequestOptions) => apiRequest<JobDetail>('GET', `/api/jobs/${id}`, undefined, options),
  watchdog: (options?: RequestOptions) => apiRequest<WatchdogStatus>('GET', '/api/watchdog', undefined, options),
  confirmChange: () => apiRequest<void>('POST', '/api/watchdog/confirm'),
  revertChange: () => apiRequest<{ jobId: number }>('POST', '/api/watchdog/revert'),
  notifications: (query: NotificationQuery = {}, options?: RequestOptions) =>
    apiRequest<NotificationList>('GET', `/api/notifications?${notificationSearch(query)}`, undefined, options),
  markNotificationsRead: (which: { ids: number[] } | { upTo: number }) => apiRequest<{ changed: number; unread: number }>('POST', '/api/notifications/read', which),
  jobs: (limit: number, options?: RequestOptions) => apiRequest<{ jobs: JobSummary[] }>('GET', `/api/jobs?limit=${limit}`, undefined, options),
  backups: (options?: RequestOptions) => apiRequest<BackupsOverview>('GET', '/api/backups', undefined, options),
  createBackup: (request: { data: boolean }) => apiRequest<{ job: JobSummary }>('POST', '/api/backups', request),
  runDrill: () => apiRequest<{ job: JobSummary }>('POST', '/api/backups/drill', {}),
  verifyBackup: (name: string, passphrase?: string) =>
    apiRequest<{ job: JobSummary }>('POST', `${backupPath(name)}/verify`, passphrase ? { passphrase } : {}),
  restore: (request: RestoreRequest) => apiRequest<{ job: JobSummary }>('POST', '/api/restore', request),
};

const backupPath = (name: string) => `/api/backups/${encodeURIComponent(name)}`;

/** Where a backup downloads from: a plain GET with the session cookie, streamed by the box. */
export const backupDownloadUrl = (name: string) => `${backupPath(name)}/download`;

/**
 * Where a job's log streams from (Server-Sent Events), optionally after a line already
 * shown. EventSource cannot send Accept-Language: the language goes in ?lang=.
 */
export function jobEventsUrl(id: number, afterSeq = 0, language = currentLanguage()): string {
  const query = new URLSearchParams({ lang: language });
  if (afterSeq > 0) query.set('after', String(afterSeq));
  return `/api/jobs/${id}/events?${query}`;
}
/** Every job that starts or ends, from any process (Server-Sent Events), summarized in `language`. */
export const jobFeedUrl = (language = currentLanguage()) => `/api/jobs/events?${new URLSearchParams({ lang: language })}`;

/** A change that undoes itself unless the owner keeps it (GET /api/watchdog, server/routes/watchdog.ts). */
export interface PendingChange {
  appId: string;
  /** In the language of the request. */
  appName: string;
  /** The job that made the change. */
  jobId: number;
  /** Milliseconds since the epoch, by the box's clock: the panel counts down from secondsLeft instead. */
  deadline: number;
  secondsLeft: number;
}
export interface WatchdogStatus {
  pending: PendingChange | null;
}

/** What the box told the owner (GET /api/notifications, server/routes/notifications.ts). Title and body are plain text. */
export interface PanelNotification {
  id: number;
  at: string;
  level: 'info' | 'warning' | 'error';
  title: string;
  body: string;
  readAt: string | null;
  /** What the e-mail and webhook channels made of it; empty when none was enabled. */
  deliveries: Array<{ channel: string; at: string; ok: boolean; error: string | null }>;
}
export interface NotificationList {
  unread: number;
  /** Newest first. */
  notifications: PanelNotification[];
}
export interface NotificationQuery {
  limit?: number;
  /** Older than this id: the next page. */
  before?: number;
  unreadOnly?: boolean;
}

function notificationSearch({ limit, before, unreadOnly }: NotificationQuery): string {
  const query = new URLSearchParams();
  if (limit !== undefined) query.set('limit', String(limit));
  if (before !== undefined) query.set('before', String(before));
  if (unreadOnly) query.set('unread', '1');
  return query.toString();
}

/** How far a long job (a backup, a restore) is: the phase, and what is done of it. */
export type JobProgress = NonNullable<JobSummary['progress']>;

/** GET /api/backups (server/schemas/backups.ts). */
export type { BackupListing, BackupStatus } from '../../../server/schemas/backups';

export interface BackupsOverview {
  status: BackupStatus;
  /** Newest first. */
  backups: BackupListing[];
}

/** A restore of a backup in the destination (`name`) or of an uploaded archive (`upload`). */
export interface RestoreRequest {
  name?: string;
  upload?: string;
  passphrase?: string;
  dryRun?: boolean;
  includeData?: boolean;
}

export type { ActivationStatus, PassphraseSuggestion, SessionInfo, SystemInfo };
export type { AppDetail, AppList, AppSummary, JobDetail, JobSummary, LogLine, ParamDescription, PathCheck, RunAppRequest };
