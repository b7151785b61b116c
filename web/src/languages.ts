/**
 * The languages the panel speaks. English is bundled; the others are loaded when
 * chosen. Each is named in its own language in the selector.
 */
export const fallbackLanguage = 'en';

export const languages = [
  { code: 'en', nativeName: 'English' },
  { code: 'zh-CN', nativeName: '中文' },
] as const;

export type LanguageCode = (typeof languages)[number]['code'];

export const supportedLanguageCodes: readonly string[] = languages.map((l) => l.code);

/**
 * The supported language for a browser tag, or undefined: "zh", "zh-Hans",
 * "zh-Hans-CN", "zh_CN" → "zh-CN"; "en-GB" → "en"; "fr" → undefined.
 * (The same rule as the server's pickLanguage, so panel and API agree.)
 */
export function supportedLanguageFor(tag: string): LanguageCode | undefined {
  const wanted = tag.trim().replace('_', '-').toLowerCase();
  if (!wanted) return undefined;
  const exact = languages.find((l) => l.code.toLowerCase() === wanted);
  if (exact) return exact.code;
  const base = wanted.split('-')[0];
  return languages.find((l) => l.code.toLowerCase().split('-')[0] === base)?.code;
}
