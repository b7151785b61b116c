import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { PageHeader } from '../components/PageHeader';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('panel:notFound.title')} />
      <section className="card empty-state">
        <p>{t('panel:notFound.text')}</p>
        <p>
          <Link href="/" className="button">
            {t('panel:notFound.back')}
          </Link>
        </p>
      </section>
    </>
  );
}
