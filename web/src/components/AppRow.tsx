import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { AppSummary } from '../api/endpoints';

/** One app in the list: a ✓ when it is on, a badge when it is heavy, greyed with the reason when unavailable. */
export function AppRow({ app }: { app: AppSummary }) {
  const { t } = useTranslation();
  return (
    <li>
      <Link href={`/apps/${app.id}`} className="app-row" data-available={app.available}>
        <span className="app-tick" aria-hidden={app.active !== true}>
          {app.active === true && (
            <span role="img" aria-label={t('panel:apps.active')} title={t('panel:apps.active')}>
              ✓
            </span>
          )}
        </span>
        <span className="app-row-text">
          <span className="app-row-title">
            <span className="app-row-name">{app.name}</span>
            {app.heavy && (
              <span className="tag tag-heavy" title={t('panel:apps.heavyHint')}>
                {t('panel:apps.heavy')}
              </span>
            )}
          </span>
          <span className="app-row-description">{app.description}</span>
          {!app.available && <span className="app-row-reason">{t('panel:apps.unavailable', { reason: app.unavailableReason ?? '' })}</span>}
        </span>
        <ChevronIcon />
      </Link>
    </li>
  );
}

function ChevronIcon() {
  return (
    <svg className="icon app-row-chevron" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="m9 6 6 6-6 6" />
    </svg>
  );
}
