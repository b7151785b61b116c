import { useTranslation } from 'react-i18next';
import { ComingSoon } from '../components/ComingSoon';
import { PageHeader } from '../components/PageHeader';

export function UpdatesPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('panel:nav.updates')} />
      <ComingSoon description={t('panel:updates.comingSoon')} />
    </>
  );
}
