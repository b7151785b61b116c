import { useTranslation } from 'react-i18next';

/** The flame logo and the product name. */
export function BrandMark() {
  const { t } = useTranslation();
  return (
    <span className="brand">
      <svg className="brand-logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="7" className="brand-logo-tile" />
        <path
          className="brand-logo-flame"
          d="M16 5c1.8 4.2 7 7.4 7 13.2A7 7 0 0 1 9 18.2c0-3.2 1.7-5.4 3.6-7.2.3 2.3 1.3 3.8 2.6 4.4C15 11.6 15.2 8.2 16 5z"
        />
      </svg>
      <span className="brand-name">{t('panel:app.name')}</span>
    </span>
  );
}
