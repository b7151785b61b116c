import type { TFunction } from 'i18next';
import { i18n } from './i18n';

/**
 * Why an archive could not be read back, in a few words. The box keeps only the error
 * code of a verification or a drill (not its parameters): the full errors: message,
 * which names the layer and path, cannot be filled in here.
 */
const problemKinds: Record<string, string> = {
  HEARTH_ERR_ARCHIVE_CORRUPT: 'corrupt',
  HEARTH_ERR_ARCHIVE_TRUNCATED: 'truncated',
  HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE: 'wrongPassphrase',
  HEARTH_ERR_ARCHIVE_PASSPHRASE_REQUIRED: 'passphraseRequired',
  HEARTH_ERR_ARCHIVE_NOT_HEARTH: 'notHearth',
  HEARTH_ERR_ARCHIVE_TOO_NEW: 'tooNew',
  HEARTH_ERR_BACKUP_NOT_FOUND: 'missing',
};

export function archiveProblemText(t: TFunction, code: string | null): string {
  const kind = code ? problemKinds[code] : undefined;
  if (kind) return t(`panel:backups.problem.${kind}`);
  // A message without parameters reads as it is; otherwise the code, for whoever helps the owner.
  const template: unknown = code ? i18n.getResource('en', 'errors', code) : undefined;
  if (code && typeof template === 'string' && !template.includes('{{')) return t(`errors:${code}`);
  return t('panel:backups.problem.other', { code: code ?? '?' });
}
