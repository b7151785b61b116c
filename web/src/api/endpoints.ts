import type { ActivationStatus, PassphraseSuggestion, SessionInfo, SystemInfo } from '../../../server/schemas/api';
import { apiRequest, type RequestOptions } from './client';

/** One function per API route the panel uses; the shapes are the server's own types. */
export const api = {
  activationStatus: (options?: RequestOptions) => apiRequest<ActivationStatus>('GET', '/api/activation', undefined, options),
  proposePassphrase: (options?: RequestOptions) => apiRequest<PassphraseSuggestion>('GET', '/api/activation/passphrase', undefined, options),
  activate: (setupCode: string, password: string) => apiRequest<SessionInfo>('POST', '/api/activation', { setupCode, password }),
  login: (username: string, password: string) => apiRequest<SessionInfo>('POST', '/api/auth/login', { username, password }),
  logout: () => apiRequest<void>('POST', '/api/auth/logout'),
  session: (options?: RequestOptions) => apiRequest<SessionInfo>('GET', '/api/auth/session', undefined, options),
  systemInfo: (options?: RequestOptions) => apiRequest<SystemInfo>('GET', '/api/system/info', undefined, options),
};

export type { ActivationStatus, PassphraseSuggestion, SessionInfo, SystemInfo };
