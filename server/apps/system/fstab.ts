/**
 * Small, careful edits of /etc/fstab: Hearth changes the lines it owns and leaves
 * every other line exactly as it was, byte for byte (comments, spacing, CRLF, a
 * missing final newline). Fields use fstab's octal escapes (\040 for a space).
 */

export interface FstabEntry {
  /** Index of the line in the file. */
  index: number;
  /** First field, unescaped: a device, UUID=…, LABEL=… or a file. */
  spec: string;
  mountPoint: string;
  type: string;
  options: string;
}

/** \040 → space, \011 → tab, \012 → newline, \134 → backslash (any \ooo, as getmntent reads it). */
export function decodeFstabField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function encodeFstabField(value: string): string {
  return value.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  // "a\nb\n" is two lines, not three.
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function joinLines(lines: readonly string[], original: string): string {
  if (lines.length === 0) return '';
  // A file that did not end with a newline keeps that, unless a line was added at its end.
  const trailing = original === '' || original.endsWith('\n') ? '\n' : '';
  return lines.join('\n') + trailing;
}

export function fstabEntries(text: string): FstabEntry[] {
  const entries: FstabEntry[] = [];
  splitLines(text).forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(line)) return;
    const [spec, mountPoint, type, options] = line.trim().split(/\s+/);
    if (!spec || !mountPoint || !type) return;
    entries.push({ index, spec: decodeFstabField(spec), mountPoint: decodeFstabField(mountPoint), type, options: options ?? 'defaults' });
  });
  return entries;
}

/** Swap entries whose first field is a file (not /dev/…, UUID=…, LABEL=…, PARTUUID=…). */
export function swapFileEntries(text: string): FstabEntry[] {
  return fstabEntries(text).filter((entry) => entry.type === 'swap' && entry.spec.startsWith('/') && !entry.spec.startsWith('/dev/'));
}

/** The one line Hearth writes for a swap file, as the Debian wiki shows it. */
export function swapFileLine(file: string): string {
  return `${encodeFstabField(file)} none swap sw 0 0`;
}

/**
 * fstab with exactly one swap line for `file`: swap lines for `file` and for the
 * `replaced` files go; the new line takes the place of the first of them, or is
 * appended. Every other line is kept as it is.
 */
export function withSwapFile(current: string | undefined, file: string, replaced: readonly string[] = []): string {
  const text = current ?? '';
  const drop = new Set([file, ...replaced]);
  const doomed = new Set(fstabEntries(text).filter((e) => e.type === 'swap' && drop.has(e.spec)).map((e) => e.index));
  const lines: string[] = [];
  let placed = false;
  splitLines(text).forEach((line, index) => {
    if (!doomed.has(index)) return void lines.push(line);
    if (!placed) lines.push(swapFileLine(file) + (line.endsWith('\r') ? '\r' : ''));
    placed = true;
  });
  if (!placed) {
    lines.push(swapFileLine(file));
    return lines.join('\n') + '\n';
  }
  return joinLines(lines, text);
}

/** fstab without the swap lines for these files; every other line kept as it is. */
export function withoutSwapFiles(current: string | undefined, files: readonly string[]): string {
  const text = current ?? '';
  const drop = new Set(files);
  const doomed = new Set(fstabEntries(text).filter((e) => e.type === 'swap' && drop.has(e.spec)).map((e) => e.index));
  return joinLines(splitLines(text).filter((_, index) => !doomed.has(index)), text);
}
