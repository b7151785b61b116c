import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** "Dashboard · Hearth", in the current language. */
export function useDocumentTitle(page: string) {
  const { t } = useTranslation();
  const title = t('panel:app.documentTitle', { page, app: t('panel:app.name') });
  useEffect(() => {
    document.title = title;
  }, [title]);
}
