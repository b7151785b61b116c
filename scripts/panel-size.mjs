#!/usr/bin/env node
/**
 * The panel's initial JavaScript, gzipped: the entry script of web/dist/index.html
 * and the chunks it modulepreloads (what a first visit must download before the
 * panel runs). Lazily loaded chunks (other languages …) do not count.
 * Exits 1 over the budget.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const budgetBytes = 150 * 1024;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distDir = path.join(repoRoot, 'web', 'dist');
const indexFile = path.join(distDir, 'index.html');

if (!existsSync(indexFile)) {
  console.error(`panel-size: ${path.relative(repoRoot, indexFile)} does not exist; run vite build first.`);
  process.exit(2);
}

const html = readFileSync(indexFile, 'utf8');

/** Attributes of every <tag …> in the page. */
function tags(name) {
  const found = [];
  for (const match of html.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'gi'))) {
    const attributes = {};
    for (const attr of match[1].matchAll(/([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      attributes[attr[1].toLowerCase()] = attr[2] ?? attr[3] ?? attr[4] ?? '';
    }
    found.push(attributes);
  }
  return found;
}

const entries = tags('script').filter((a) => a.type === 'module' && a.src).map((a) => a.src);
const preloads = tags('link').filter((a) => a.rel === 'modulepreload' && a.href).map((a) => a.href);

if (entries.length === 0) {
  console.error('panel-size: no <script type="module" src> in web/dist/index.html');
  process.exit(2);
}

function fileFor(url) {
  const pathname = new URL(url, 'http://panel.invalid/').pathname;
  return path.join(distDir, decodeURIComponent(pathname));
}

const initial = [...new Set([...entries, ...preloads])];
const rows = initial.map((url) => {
  const file = fileFor(url);
  const bytes = readFileSync(file);
  return { url, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const total = rows.reduce((sum, row) => sum + row.gzip, 0);
const totalRaw = rows.reduce((sum, row) => sum + row.raw, 0);

const initialFiles = new Set(initial.map((url) => path.resolve(fileFor(url))));
const assetsDir = path.join(distDir, 'assets');
const lazy = existsSync(assetsDir)
  ? readdirSync(assetsDir).filter((f) => f.endsWith('.js') && !initialFiles.has(path.resolve(assetsDir, f)))
  : [];

console.log('Panel initial JavaScript (gzip -9):');
for (const row of rows) console.log(`  ${row.url.padEnd(44)} ${kib(row.raw).padStart(10)} → ${kib(row.gzip).padStart(9)}`);
console.log(`  ${'total'.padEnd(44)} ${kib(totalRaw).padStart(10)} → ${kib(total).padStart(9)}  (budget ${kib(budgetBytes)})`);
if (lazy.length) console.log(`  + ${lazy.length} lazily loaded chunk(s), not counted: ${lazy.join(', ')}`);

if (total > budgetBytes) {
  console.error(`panel-size: the initial JavaScript is ${kib(total)} gzipped, over the ${kib(budgetBytes)} budget.`);
  process.exit(1);
}
