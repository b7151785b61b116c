import { useTranslation } from 'react-i18next';
import { ComingSoon } from '../components/ComingSoon';
import { LanguageSelect } from '../components/LanguageSelect';
import { PageHeader } from '../components/PageHeader';

export function SettingsPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('panel:nav.settings')} />
      <section className="card">
        <h2>{t('panel:settings.languageTitle')}</h2>
        <p className="muted">{t('panel:settings.languageHelp')}</p>
        <LanguageSelect className="settings-language" />
      </section>
      <ComingSoon description={t('panel:settings.comingSoon')} />
    </>
  );
}
