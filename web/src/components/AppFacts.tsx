import { useTranslation } from 'react-i18next';
import type { AppDetail } from '../api/endpoints';

/** What the app reports about the box, e.g. "Network name (mDNS): box.local". */
export function AppFacts({ details }: { details: AppDetail['details'] }) {
  const { t } = useTranslation();
  if (details.length === 0) return null;
  return (
    <section className="card" aria-labelledby="details-heading">
      <h2 id="details-heading">{t('panel:appPage.details')}</h2>
      <dl className="facts app-facts">
        {details.map((detail) => (
          <div key={detail.label}>
            <dt>{detail.label}</dt>
            <dd>{detail.value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
