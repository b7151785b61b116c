import { readFileSync } from 'node:fs';

/**
 * The translations the panel shows, read from locales/ itself: the tests assert
 * against the catalogs, never against copies of their strings.
 */
type Catalog = { [key: string]: string | Catalog };

const cache = new Map<string, Catalog>();

function catalog(language: string, namespace: string): Catalog {
  const id = `${language}/${namespace}`;
  let found = cache.get(id);
  if (!found) {
    found = JSON.parse(readFileSync(new URL(`../locales/${id}.json`, import.meta.url), 'utf8')) as Catalog;
    cache.set(id, found);
  }
  return found;
}

export type Params = Record<string, string | number>;

/** The raw template of "ns:dotted.key" in a language, e.g. "Try again in {{seconds}} seconds." */
export function template(language: string, qualifiedKey: string): string {
  const [namespace, key] = qualifiedKey.split(':') as [string, string];
  let node: string | Catalog | undefined = catalog(language, namespace);
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  if (typeof node !== 'string') throw new Error(`no string ${qualifiedKey} in locales/${language}`);
  return node;
}

/** The text the panel shows for a key, with its {{parameters}} filled in. */
export function text(language: string, qualifiedKey: string, params: Params = {}): string {
  return template(language, qualifiedKey).replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A pattern for a message whose parameters vary (a countdown): each {{parameter}} matches what `patterns` says, digits by default. */
export function pattern(language: string, qualifiedKey: string, patterns: Record<string, string> = {}): RegExp {
  const parts = template(language, qualifiedKey).split(/(\{\{\s*\w+\s*\}\})/);
  const source = parts
    .map((part) => {
      const name = /^\{\{\s*(\w+)\s*\}\}$/.exec(part)?.[1];
      return name ? (patterns[name] ?? '\\d+') : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

export const en = (key: string, params?: Params) => text('en', key, params);
export const zh = (key: string, params?: Params) => text('zh-CN', key, params);

/** Like pattern(), but found anywhere in a longer text (a log, a card), optionally after a prefix such as "✓ ". */
export function within(language: string, qualifiedKey: string, patterns: Record<string, string> = {}, prefix = ''): RegExp {
  return new RegExp(prefix + pattern(language, qualifiedKey, patterns).source.slice(1, -1));
}
