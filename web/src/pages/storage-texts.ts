import { useEffect, useState } from 'react';
import type { ResourceKey } from 'i18next';
import { useTranslation } from 'react-i18next';
import enStorage from '../../../locales/en/storage.json';
import { i18n } from '../i18n';

/**
 * The Storage page's own texts (locales/<lng>/storage.json), loaded with the page rather
 * than with the panel: English comes in this chunk, other languages when shown.
 */
const otherLanguages = import.meta.glob<ResourceKey>(['../../../locales/*/storage.json', '!../../../locales/en/storage.json'], { import: 'default' });

i18n.addResourceBundle('en', 'storage', enStorage);

/** True once the storage texts of the language shown are there (English at once). */
export function useStorageTexts(): boolean {
  const { i18n: instance } = useTranslation();
  const language = instance.resolvedLanguage ?? 'en';
  const [loaded, setLoaded] = useState<string | null>(null);
  const ready = language === 'en' || loaded === language || instance.hasResourceBundle(language, 'storage');

  useEffect(() => {
    if (ready) return;
    const load = otherLanguages[`../../../locales/${language}/storage.json`];
    // A language without its own storage texts shows the English ones.
    if (!load) return void setLoaded(language);
    let current = true;
    load().then(
      (texts) => {
        instance.addResourceBundle(language, 'storage', texts);
        if (current) setLoaded(language);
      },
      () => {
        if (current) setLoaded(language);
      },
    );
    return () => {
      current = false;
    };
  }, [instance, language, ready]);

  return ready;
}
