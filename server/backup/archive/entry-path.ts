import { HearthError } from '../../errors.js';
import { manifestName } from './format.js';

const maxPathBytes = 4095;
const maxNameBytes = 255;

/**
 * The one rule for names inside an archive, applied to the manifest's paths, to
 * every tar header's name and to hard-link targets, so that no spelling of a path
 * can mean something else on disk: relative, '/'-separated, no empty, '.' or '..'
 * component, no backslash (CVE-2021-37701 used them as separators), no NUL, valid
 * Unicode. Names are compared byte for byte, never normalized: NFC and NFD spellings
 * are two different files on ext4, and both are restored as they were.
 */
export function checkEntryPath(path: string): void {
  const refuse = (reason: string) => new HearthError('HEARTH_ERR_ARCHIVE_UNSAFE_NAME', { path: printable(path), reason });
  if (path === '') throw refuse('empty');
  if (path.includes('\0')) throw refuse('NUL');
  if (path.startsWith('/')) throw new HearthError('HEARTH_ERR_ARCHIVE_ABSOLUTE_PATH', { path: printable(path) });
  if (path.includes('\\')) throw refuse('backslash');
  const parts = path.split('/');
  if (parts.includes('..')) throw new HearthError('HEARTH_ERR_ARCHIVE_PATH_TRAVERSAL', { path: printable(path) });
  if (parts.includes('')) throw refuse('empty component');
  if (parts.includes('.')) throw refuse('"." component');
  if (/\p{Cs}/u.test(path)) throw refuse('not Unicode');
  if (Buffer.byteLength(path) > maxPathBytes || parts.some((part) => Buffer.byteLength(part) > maxNameBytes)) throw refuse('too long');
  if (parts[0] === manifestName) throw refuse('reserved');
}

/** A path made safe to show in a log line or an error (NUL and control characters escaped). */
export function printable(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 600);
}

/** "data/a/b" → 3 */
export function depthOf(path: string): number {
  return path.split('/').length;
}

/** "data/a/b" → "data/a"; a top-level prefix has no parent. */
export function parentOf(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
}

/** "data/a/b" → "data" */
export function prefixOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(0, slash);
}
