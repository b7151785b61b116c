import { useTranslation } from 'react-i18next';
import type { AppSummary } from '../api/endpoints';

/** "✓ Active", "Not active" or "Not available"; nothing for one-shot apps, which have no state. */
export function AppStateBadge({ app }: { app: Pick<AppSummary, 'active' | 'available'> }) {
  const { t } = useTranslation();
  if (!app.available) return <span className="state-badge" data-state="unavailable">{t('panel:apps.state.unavailable')}</span>;
  if (app.active === null) return null;
  return (
    <span className="state-badge" data-state={app.active ? 'active' : 'inactive'}>
      {app.active ? `✓ ${t('panel:apps.state.active')}` : t('panel:apps.state.inactive')}
    </span>
  );
}
