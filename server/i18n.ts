import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import i18next, { type Resource, type TFunction } from 'i18next';
import { localesDir } from './paths.js';

/**
 * One set of translations (locales/<lng>/<ns>.json) serves the panel, the API's
 * error messages and the CLI. The server loads every language once at start;
 * they are small.
 */
export const fallbackLanguage = 'en';

export const supportedLanguages: readonly string[] = readdirSync(localesDir)
  .filter((entry) => statSync(path.join(localesDir, entry)).isDirectory())
  .sort((a, b) => (a === fallbackLanguage ? -1 : b === fallbackLanguage ? 1 : a.localeCompare(b)));

function loadResources(): Resource {
  const resources: Resource = {};
  for (const language of supportedLanguages) {
    const dir = path.join(localesDir, language);
    const namespaces: Resource[string] = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      namespaces[path.basename(file, '.json')] = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    }
    resources[language] = namespaces;
  }
  return resources;
}

const instance = i18next.createInstance();
void instance.init({
  resources: loadResources(),
  lng: fallbackLanguage,
  fallbackLng: fallbackLanguage,
  supportedLngs: [...supportedLanguages],
  defaultNS: 'common',
  initAsync: false,
  interpolation: { escapeValue: false },
});

export type Translate = TFunction;

export function translator(language: string | undefined): Translate {
  return instance.getFixedT(pickLanguage(language ? [language] : []));
}

/** The best supported language for a list of preferences ("zh-Hans-CN", "zh", "en-GB" …). */
export function pickLanguage(preferences: readonly string[]): string {
  for (const preference of preferences) {
    const wanted = preference.trim().replace('_', '-').toLowerCase();
    if (!wanted || wanted === '*') continue;
    const exact = supportedLanguages.find((l) => l.toLowerCase() === wanted);
    if (exact) return exact;
    const base = wanted.split('-')[0];
    const sameBase = supportedLanguages.find((l) => l.toLowerCase().split('-')[0] === base);
    if (sameBase) return sameBase;
  }
  return fallbackLanguage;
}

/** Accept-Language: "zh-CN,zh;q=0.9,en;q=0.8" → preferences in order of quality. */
export function languageFromAcceptLanguage(header: string | undefined): string {
  if (!header) return fallbackLanguage;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, quality: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return pickLanguage(ranked.map((entry) => entry.tag));
}

/** LANG / LC_ALL / LC_MESSAGES as a shell sets them: "zh_CN.UTF-8" → "zh-CN". */
export function languageFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  const tag = raw.split('.')[0]?.replace('_', '-') ?? '';
  if (!tag || tag === 'C' || tag === 'POSIX') return fallbackLanguage;
  return pickLanguage([tag]);
}

/** Whether a key exists in English (every language has the same keys; a test sees to it). */
export function hasTranslation(key: string): boolean {
  return instance.exists(key, { lng: fallbackLanguage });
}
