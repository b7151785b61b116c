import i18next, { type BackendModule, type ResourceKey } from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import enBoards from '../../locales/en/boards.json';
import enErrors from '../../locales/en/errors.json';
import enPanel from '../../locales/en/panel.json';
import enSnapshots from '../../locales/en/snapshots.json';
import { fallbackLanguage, supportedLanguageCodes, supportedLanguageFor } from './languages';

/** The panel's own strings, the API's error codes (translated here, not taken from the server's message), and the board card's. */
export const namespaces = ['panel', 'errors', 'boards', 'snapshots'] as const;

export const languageStorageKey = 'hearth.language';

/**
 * Every language but English is a separate chunk, fetched when it is chosen: the
 * initial download stays small. Only the namespaces the panel uses are matched.
 */
const lazyCatalogs = import.meta.glob<ResourceKey>(['../../locales/*/panel.json', '../../locales/*/errors.json', '../../locales/*/boards.json', '../../locales/*/snapshots.json', '!../../locales/en/*.json'], {
  import: 'default',
});

const lazyBackend: BackendModule = {
  type: 'backend',
  init() {},
  read(language, namespace, callback) {
    const load = lazyCatalogs[`../../locales/${language}/${namespace}.json`];
    if (!load) {
      callback(new Error(`no ${namespace} catalog for ${language}`), false);
      return;
    }
    load().then(
      (resources) => callback(null, resources),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), true),
    );
  },
};

function reflectLanguage(language: string) {
  document.documentElement.lang = language;
}

export const i18n = i18next.createInstance();

i18n.on('languageChanged', reflectLanguage);

/** Resolves once the detected language's catalogs are there, so the first paint is in the right language. */
export function initI18n(): Promise<unknown> {
  return i18n
    .use(lazyBackend)
    .use(LanguageDetector)
    .use(initReactI18next)
    .init({
      resources: { en: { panel: enPanel, errors: enErrors, boards: enBoards, snapshots: enSnapshots } },
      partialBundledLanguages: true,
      ns: [...namespaces],
      defaultNS: 'panel',
      fallbackLng: fallbackLanguage,
      supportedLngs: [...supportedLanguageCodes],
      load: 'currentOnly',
      interpolation: { escapeValue: false },
      detection: {
        order: ['localStorage', 'navigator'],
        lookupLocalStorage: languageStorageKey,
        // Only an explicit choice is remembered (chooseLanguage); a detected one is not.
        caches: [],
        // "zh-Hans", "zh" … → "zh-CN", "en-US" → "en"; others stay as they are and are skipped.
        convertDetectedLanguage: (tag: string) => supportedLanguageFor(tag) ?? tag,
      },
      react: { useSuspense: false },
    });
}

/** The language API requests ask for, so error messages and the panel agree. */
export function currentLanguage(): string {
  return i18n.resolvedLanguage ?? i18n.language ?? fallbackLanguage;
}

/** The owner picked a language: switch, and remember it for the next visit. */
export async function chooseLanguage(language: string): Promise<void> {
  await i18n.changeLanguage(language);
  try {
    localStorage.setItem(languageStorageKey, language);
  } catch {
    // Storage may be disabled (private mode); the choice then lasts for this page only.
  }
}
