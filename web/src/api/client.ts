import type { ApiError as ApiErrorBody } from '../../../server/schemas/api';
import { currentLanguage } from '../i18n';

/** Codes the panel itself gives to failures that never reached the API's error shape. */
export const networkErrorCode = 'HEARTH_PANEL_NETWORK';
export const unexpectedResponseCode = 'HEARTH_PANEL_UNEXPECTED_RESPONSE';

export type ErrorParams = Record<string, string | number>;

/** One refused form field: its parameter, and the server's message in the language asked for. */
export type FieldProblem = NonNullable<ApiErrorBody['fields']>[number];

/**
 * An API failure: the stable code (HEARTH_ERR_*) the panel translates with
 * errors:<code>, its parameters, and the wait the server asked for, if any.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly params: ErrorParams;
  readonly retryAfterSeconds: number | undefined;
  /** HEARTH_ERR_APP_PARAMS_INVALID: every refused field, its message already translated. */
  readonly fields: readonly FieldProblem[];

  constructor(status: number, body: Pick<ApiErrorBody, 'code' | 'message' | 'params' | 'retryAfterSeconds' | 'fields'>) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.params = body.params ?? {};
    this.retryAfterSeconds = body.retryAfterSeconds;
    this.fields = body.fields ?? [];
  }
}

type Listener = () => void;
let onSessionEnded: Listener | undefined;

/**
 * Called whenever an API call answers 401 HEARTH_ERR_UNAUTHENTICATED: the session
 * ended (expired, logged out elsewhere, password reset over SSH). The app then shows
 * the login page. Other 401s (a wrong password at login) are the caller's to show.
 */
export function onUnauthenticated(listener: Listener | undefined) {
  onSessionEnded = listener;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string';
}

async function readJson(response: Response, signal: AbortSignal | undefined): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) return undefined;
  try {
    return await response.json();
  } catch (error) {
    // Aborted while the body was still coming: an abort, not an empty answer.
    if (signal?.aborted) throw error;
    return undefined;
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  /**
   * A check the panel makes by itself (polling), not something the owner did: it must
   * not keep an idle session alive.
   */
  background?: boolean;
}

export async function apiRequest<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'accept-language': currentLanguage(),
  };
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (options.signal) init.signal = options.signal;
  if (options.background) headers['x-hearth-background'] = '1';
  // A POST without a body sends no content type: the server refuses an empty JSON body.
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, { code: networkErrorCode, message: String(error) });
  }

  const data = await readJson(response, options.signal);
  if (response.ok) return data as T;
  throw errorFromResponse(response.status, response.statusText, data);
}

/**
 * The error for a refused request, from its status and JSON body (if any). A 401
 * HEARTH_ERR_UNAUTHENTICATED ends the session here, whichever way the request was made
 * (fetch, or XMLHttpRequest for an upload).
 */
export function errorFromResponse(status: number, statusText: string, data: unknown): ApiError {
  const apiError = isErrorBody(data)
    ? new ApiError(status, data)
    : new ApiError(status, { code: unexpectedResponseCode, message: statusText, params: { status } });
  if (status === 401 && apiError.code === 'HEARTH_ERR_UNAUTHENTICATED') onSessionEnded?.();
  return apiError;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
