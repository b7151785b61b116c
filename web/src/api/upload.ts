import { currentLanguage } from '../i18n';
import { ApiError, errorFromResponse, networkErrorCode } from './client';

/** An archive received by the box for a restore (POST /api/backups/upload). */
export interface UploadedArchive {
  /** The id POST /api/restore takes as `upload`. */
  upload: string;
  size: number;
}

export interface UploadOptions {
  /** Bytes sent so far, of the file's size: as the browser hands them to the network. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Sends a backup file from this computer to the box, as multipart/form-data with one
 * field, "archive". The File goes into the form as it is: the browser streams it from
 * disk, so an archive of many gigabytes is never read into memory. XMLHttpRequest,
 * not fetch, because only it reports how much of a request body has been sent.
 * The browser adds the Origin header the box checks on every POST.
 */
export function uploadArchive(file: File, options: UploadOptions = {}): Promise<UploadedArchive> {
  return new Promise((resolve, reject) => {
    const { signal, onProgress } = options;
    if (signal?.aborted) return reject(new DOMException('The upload was cancelled.', 'AbortError'));
    const request = new XMLHttpRequest();
    request.open('POST', '/api/backups/upload');
    request.setRequestHeader('accept', 'application/json');
    request.setRequestHeader('accept-language', currentLanguage());
    request.upload.addEventListener('progress', (event) => onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size));
    request.addEventListener('load', () => {
      let data: unknown;
      if ((request.getResponseHeader('content-type') ?? '').includes('application/json')) {
        try {
          data = JSON.parse(request.responseText);
        } catch {
          data = undefined;
        }
      }
      if (request.status === 201 && isUploaded(data)) resolve(data);
      else reject(errorFromResponse(request.status, request.statusText, data));
    });
    request.addEventListener('error', () => reject(new ApiError(0, { code: networkErrorCode, message: 'the upload did not reach the box' })));
    request.addEventListener('abort', () => reject(new DOMException('The upload was cancelled.', 'AbortError')));
    signal?.addEventListener('abort', () => request.abort(), { once: true });
    const form = new FormData();
    form.append('archive', file, file.name);
    request.send(form);
  });
}

function isUploaded(value: unknown): value is UploadedArchive {
  return typeof value === 'object' && value !== null && typeof (value as { upload?: unknown }).upload === 'string';
}
