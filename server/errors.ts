/**
 * Every error the appliance reports, declared once with a stable code and an HTTP
 * status. The code is also the i18n key (locales/<lng>/errors.json), so the API never
 * sends prose the panel cannot translate, and scripts can match on the code.
 */
export const errorCatalog = {
  HEARTH_ERR_VALIDATION: 400,
  HEARTH_ERR_UNAUTHENTICATED: 401,
  HEARTH_ERR_LOGIN_FAILED: 401,
  HEARTH_ERR_NOT_LAN: 403,
  HEARTH_ERR_CSRF: 403,
  HEARTH_ERR_SETUP_CODE_INVALID: 403,
  HEARTH_ERR_ACTIVATION_NOT_LAN: 403,
  HEARTH_ERR_NOT_FOUND: 404,
  HEARTH_ERR_ALREADY_ACTIVATED: 409,
  HEARTH_ERR_NOT_ACTIVATED: 409,
  HEARTH_ERR_PASSWORD_TOO_SHORT: 400,
  HEARTH_ERR_PASSWORD_TOO_LONG: 400,
  HEARTH_ERR_PASSWORD_COMMON: 400,
  HEARTH_ERR_PASSWORD_MISMATCH: 400,
  HEARTH_ERR_HOST_NOT_ALLOWED: 421,
  HEARTH_ERR_HTTPS_REQUIRED: 403,
  HEARTH_ERR_NOTHING_TO_CONFIRM: 409,
  HEARTH_ERR_BODY_TOO_LARGE: 413,
  HEARTH_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  HEARTH_ERR_THROTTLED: 429,
  HEARTH_ERR_RATE_LIMITED: 429,
  HEARTH_ERR_INTERNAL: 500,
  HEARTH_ERR_AUTH_BUSY: 503,
  HEARTH_ERR_DATABASE_TOO_NEW: 500,
  HEARTH_ERR_DATABASE_UNREADABLE: 500,
  HEARTH_ERR_UNKNOWN_USER: 400,
  HEARTH_ERR_BUSY: 409,
  HEARTH_ERR_APP_NOT_FOUND: 404,
  HEARTH_ERR_APP_UNAVAILABLE: 409,
  HEARTH_ERR_APP_PARAMS_INVALID: 400,
  HEARTH_ERR_APP_CANNOT_RUN: 400,
  HEARTH_ERR_JOB_NOT_FOUND: 404,
  HEARTH_ERR_JOB_INTERRUPTED: 500,
  HEARTH_ERR_PROGRAM_FAILED: 500,
  HEARTH_ERR_PROGRAM_NOT_FOUND: 500,
  HEARTH_ERR_NOTIFICATION_FAILED: 502,
  HEARTH_ERR_BACKUP_DEST_MISSING: 400,
  HEARTH_ERR_BACKUP_DEST_NOT_MOUNTED: 400,
  HEARTH_ERR_BACKUP_DEST_READ_ONLY: 400,
  HEARTH_ERR_BACKUP_DEST_TOO_SMALL: 400,
  HEARTH_ERR_BACKUP_NOT_FOUND: 404,
  HEARTH_ERR_BACKUP_PASSPHRASE_FILE: 400,
  HEARTH_ERR_RESTORE_FAILED: 500,
  HEARTH_ERR_RESTORE_HEALTH_CHECK: 500,
  HEARTH_ERR_RESTORE_DB_TOO_NEW: 400,
  HEARTH_ERR_UPLOAD_TOO_LARGE: 413,
  HEARTH_ERR_ARCHIVE_NOT_HEARTH: 400,
  HEARTH_ERR_ARCHIVE_TOO_NEW: 400,
  HEARTH_ERR_ARCHIVE_MANIFEST_INVALID: 400,
  HEARTH_ERR_ARCHIVE_PASSPHRASE_REQUIRED: 400,
  HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE: 400,
  HEARTH_ERR_ARCHIVE_TRUNCATED: 400,
  HEARTH_ERR_ARCHIVE_CORRUPT: 400,
  HEARTH_ERR_ARCHIVE_UNLISTED_ENTRY: 400,
  HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY: 400,
  HEARTH_ERR_ARCHIVE_MISSING_ENTRY: 400,
  HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH: 400,
  HEARTH_ERR_ARCHIVE_ABSOLUTE_PATH: 400,
  HEARTH_ERR_ARCHIVE_PATH_TRAVERSAL: 400,
  HEARTH_ERR_ARCHIVE_UNSAFE_NAME: 400,
  HEARTH_ERR_ARCHIVE_PATH_CONFLICT: 400,
  HEARTH_ERR_ARCHIVE_BAD_HARDLINK: 400,
  HEARTH_ERR_ARCHIVE_SPECIAL_ENTRY: 400,
  HEARTH_ERR_ARCHIVE_LIMIT: 400,
  HEARTH_ERR_ARCHIVE_SOURCE_CHANGED: 409,
  HEARTH_ERR_ARCHIVE_SOURCE_MISSING: 500,
  HEARTH_ERR_ARCHIVE_TARGET_NOT_EMPTY: 500,
  HEARTH_ERR_ARCHIVE_ENTRY_NOT_FOUND: 404,
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export type ErrorParams = Record<string, string | number>;

/** One invalid parameter of an app form, with a translation key for the reason. */
export interface FieldError {
  param: string;
  /** i18n key, e.g. "errors:fields.tooLarge" or "app-ssh:errors.rootRefused" */
  key: string;
  params?: ErrorParams;
}

export class HearthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly params: ErrorParams;
  /** For throttling errors: when the caller may try again. */
  readonly retryAfterSeconds?: number;
  /** For HEARTH_ERR_APP_PARAMS_INVALID: what is wrong with which parameter. */
  readonly fields?: FieldError[];

  constructor(
    code: ErrorCode,
    params: ErrorParams = {},
    options: { retryAfterSeconds?: number; fields?: FieldError[]; cause?: unknown } = {},
  ) {
    super(`${code} ${JSON.stringify(params)}`, { cause: options.cause });
    this.name = 'HearthError';
    this.code = code;
    this.status = errorCatalog[code];
    this.params = params;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.fields) this.fields = options.fields;
  }
}

export function isHearthError(error: unknown): error is HearthError {
  return error instanceof HearthError;
}
