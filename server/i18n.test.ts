import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from './errors.js';
import { languageFromAcceptLanguage, languageFromEnvironment, pickLanguage, supportedLanguages, translator } from './i18n.js';
import { localesDir, packageRoot } from './paths.js';

type Tree = { [key: string]: string | Tree };

const pluralSuffix = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [prefix + key.replace(pluralSuffix, '')] : flatten(value, `${prefix}${key}.`),
  );
}

function keysOf(language: string): Set<string> {
  const dir = path.join(localesDir, language);
  const keys = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const ns = path.basename(file, '.json');
    for (const key of flatten(JSON.parse(readFileSync(path.join(dir, file), 'utf8')))) keys.add(`${ns}:${key}`);
  }
  return keys;
}

describe('locales', () => {
  const english = keysOf('en');

  it('include English and Simplified Chinese', () => {
    expect(supportedLanguages).toEqual(expect.arrayContaining(['en', 'zh-CN']));
  });

  for (const language of supportedLanguages.filter((l) => l !== 'en')) {
    it(`${language} has exactly the keys of en`, () => {
      const other = keysOf(language);
      expect([...english].filter((k) => !other.has(k)), `keys of en missing in ${language}`).toEqual([]);
      expect([...other].filter((k) => !english.has(k)), `keys in ${language} that en lacks`).toEqual([]);
    });
  }

  it('translate every error code of the catalog', () => {
    const missing = Object.keys(errorCatalog).filter((code) => !english.has(`errors:${code}`));
    expect(missing).toEqual([]);
  });

  it('have every key the code uses', () => {
    const used = new Map<string, string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (entry === 'node_modules' || entry === 'dist') continue;
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith('.test.ts')) {
          const source = readFileSync(full, 'utf8');
          for (const match of source.matchAll(/\bt\(\s*['"`]([a-zA-Z][\w-]*):([\w.-]+)['"`]/g)) used.set(`${match[1]}:${match[2]}`, full);
        }
      }
    };
    walk(path.join(packageRoot, 'server'));
    walk(path.join(packageRoot, 'web', 'src'));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter(([key]) => !english.has(key)).map(([key, file]) => `${key} (${path.relative(packageRoot, file)})`);
    expect(missing).toEqual([]);
  });
});

describe('language choice', () => {
  it('follows Accept-Language by quality', () => {
    expect(languageFromAcceptLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(languageFromAcceptLanguage('fr-FR,zh;q=0.5,en;q=0.9')).toBe('en');
    expect(languageFromAcceptLanguage('fr-FR,zh;q=0.5')).toBe('zh-CN');
    expect(languageFromAcceptLanguage('de')).toBe('en');
    expect(languageFromAcceptLanguage(undefined)).toBe('en');
    expect(languageFromAcceptLanguage(';;;,q=,*')).toBe('en');
  });

  it('maps shell locales', () => {
    expect(languageFromEnvironment({ LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(languageFromEnvironment({ LANG: 'en_US.UTF-8', LC_ALL: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(languageFromEnvironment({ LANG: 'C.UTF-8' })).toBe('en');
    expect(languageFromEnvironment({})).toBe('en');
    expect(pickLanguage(['zh-Hans-CN'])).toBe('zh-CN');
  });

  it('translates with parameters', () => {
    expect(translator('zh-CN')('errors:HEARTH_ERR_THROTTLED', { seconds: 30 })).toBe('失败次数过多。请在 30 秒后重试。');
    expect(translator('en')('errors:HEARTH_ERR_THROTTLED', { seconds: 30 })).toContain('30 seconds');
  });
});
