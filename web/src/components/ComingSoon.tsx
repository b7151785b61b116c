import { useTranslation } from 'react-i18next';

/** An honest empty state for a section that a later version of Hearth brings. */
export function ComingSoon({ description }: { description: string }) {
  const { t } = useTranslation();
  return (
    <section className="card empty-state">
      <h2>{t('panel:comingSoon.title')}</h2>
      <p>{description}</p>
      <p className="muted">{t('panel:comingSoon.note')}</p>
    </section>
  );
}
