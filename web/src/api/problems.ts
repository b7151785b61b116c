import { i18n } from '../i18n';
import { ApiError, networkErrorCode, type ErrorParams } from './client';

/**
 * Something to tell the user, as a translation key and its parameters. API errors
 * become errors:<code> (translated here, in the language the panel shows); checks
 * the panel makes itself use panel: keys or the shared errors: ones.
 */
export interface Problem {
  key: string;
  params?: ErrorParams;
  code?: string;
  retryAfterSeconds?: number;
}

export function problemFrom(error: unknown): Problem {
  if (error instanceof ApiError) {
    if (error.code === networkErrorCode) return { key: 'panel:errors.network', code: error.code };
    const base = { code: error.code, params: error.params, ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}) };
    if (i18n.exists(`errors:${error.code}`)) return { key: `errors:${error.code}`, ...base };
    return { key: 'panel:errors.unexpected', ...base, params: { status: error.status } };
  }
  return { key: 'panel:errors.unexpected', params: { status: '—' } };
}

/** The seconds a throttled request must wait, from the error body (or its Retry-After). */
export function throttleSeconds(problem: Problem): number | undefined {
  if (problem.code !== 'HEARTH_ERR_THROTTLED' && problem.code !== 'HEARTH_ERR_RATE_LIMITED') return undefined;
  const fromParams = Number(problem.params?.seconds);
  const seconds = problem.retryAfterSeconds ?? (Number.isFinite(fromParams) ? fromParams : undefined);
  return seconds && seconds > 0 ? seconds : undefined;
}
