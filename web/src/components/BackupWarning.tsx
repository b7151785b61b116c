import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { BackupStatus } from '../api/endpoints';
import { archiveProblemText } from '../backup-text';
import { formatDateTime } from '../jobs';

interface Props {
  status: BackupStatus;
  /** On the dashboard: the way to the Backups page. */
  withLink?: boolean;
}

/**
 * The box is not safely backed up: no verified backup for the days the owner chose
 * (or never), or the weekly restore test failed. Shown on the dashboard and the
 * Backups page until it is fixed; nothing when all is well.
 */
export function BackupWarning({ status, withLink = false }: Props) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  if (!status.stale && !status.drillFailing) return null;
  const language = i18n.resolvedLanguage;
  const lines: string[] = [];
  if (status.stale) {
    lines.push(
      status.lastGoodAt
        ? t('panel:backups.warning.stale', { count: status.staleAfterDays, date: formatDateTime(language, status.lastGoodAt) })
        : t('panel:backups.warning.never'),
    );
  }
  if (status.drillFailing && status.lastDrill) {
    lines.push(
      t('panel:backups.warning.drillFailed', {
        date: formatDateTime(language, status.lastDrill.at),
        reason: archiveProblemText(t, status.lastDrill.errorCode, status.lastDrill.message),
      }),
    );
  }
  lines.push(status.drillFailing ? t('panel:backups.warning.fixDrill') : t('panel:backups.warning.fixStale'));
  return (
    <section className="backup-warning" aria-labelledby={headingId} data-stale={status.stale} data-drill-failing={status.drillFailing}>
      <h2 id={headingId}>{t('panel:backups.warning.title')}</h2>
      {lines.map((line) => (
        <p key={line}>{line}</p>
      ))}
      {withLink && (
        <p>
          <Link href="/backups" className="button button-secondary">
            {t('panel:backups.warning.open')}
          </Link>
        </p>
      )}
    </section>
  );
}
