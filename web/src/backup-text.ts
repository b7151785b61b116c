import type { TFunction } from 'i18next';

/** Why an archive could not be read back, in a few words where a few words say it. */
const problemKinds: Record<string, string> = {
  HEARTH_ERR_ARCHIVE_CORRUPT: 'corrupt',
  HEARTH_ERR_ARCHIVE_TRUNCATED: 'truncated',
  HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE: 'wrongPassphrase',
  HEARTH_ERR_ARCHIVE_PASSPHRASE_REQUIRED: 'passphraseRequired',
  HEARTH_ERR_ARCHIVE_NOT_HEARTH: 'notHearth',
  HEARTH_ERR_ARCHIVE_TOO_NEW: 'tooNew',
  HEARTH_ERR_BACKUP_NOT_FOUND: 'missing',
};

export function archiveProblemText(t: TFunction, code: string | null, message: string | null): string {
  const kind = code ? problemKinds[code] : undefined;
  if (kind) return t(`panel:backups.problem.${kind}`);
  // Otherwise the server's message (in the owner's language, with the path or layer it names).
  if (message) return message;
  return t('panel:backups.problem.other', { code: code ?? '?' });
}
