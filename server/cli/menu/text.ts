/**
 * Plain-text helpers for the menu: how many terminal columns a string takes, cutting
 * and wrapping to a width, and making program output harmless to show. They work on
 * text without colour codes; colour is added after a line has its final width.
 */

/** East Asian wide and fullwidth characters take two columns (Unicode UAX #11). */
const wideRanges: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

function isWide(code: number): boolean {
  let low = 0;
  let high = wideRanges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [from, to] = wideRanges[middle]!;
    if (code < from) high = middle - 1;
    else if (code > to) low = middle + 1;
    else return true;
  }
  return false;
}

const zeroWidth = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u;

/** Columns one character takes: 0 (combining marks, zero-width), 1 or 2 (wide). */
export function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (code < 0x300) return 1;
  if (zeroWidth.test(char)) return 0;
  return isWide(code) ? 2 : 1;
}

/** Colour codes (SGR) take no columns. */
const sgr = /\u001b\[[0-9;]*m/g;

/** Columns a string takes on a terminal; colour codes are not counted. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(sgr, '')) width += charWidth(char);
  return width;
}

/** Cuts plain text to `width` columns, ending with "…" when something was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let result = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    result += char;
    used += w;
  }
  return result + '…';
}

/** Pads plain text with spaces to `width` columns. */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Tabs to spaces, to the next multiple of 8 columns, as a terminal shows them. */
export function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let result = '';
  let column = 0;
  for (const char of line) {
    if (char === '\t') {
      const spaces = 8 - (column % 8);
      result += ' '.repeat(spaces);
      column += spaces;
    } else {
      result += char;
      column += charWidth(char);
    }
  }
  return result;
}

/** A wide character stands alone: Chinese text breaks between any two of them. */
const token = /\s+|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+/gu;

/**
 * Wraps plain text into lines of at most `width` columns: between words, between
 * Chinese characters, and inside a word only when it is longer than a line.
 * Each line after the first starts with `indent`.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  const indentWidth = displayWidth(indent);
  for (const paragraph of expandTabs(text).split('\n')) {
    let line = lines.length ? indent : '';
    let used = displayWidth(line);
    /** Whether the line holds a word yet (a line break before it would leave it empty). */
    let filled = false;
    let space = false;
    const push = () => {
      lines.push(line.trimEnd());
      line = indent;
      used = indentWidth;
      filled = false;
    };
    const add = (part: string, partWidth: number) => {
      line += part;
      used += partWidth;
      filled = true;
    };
    const parts = paragraph.match(token) ?? [];
    parts.forEach((part, index) => {
      if (/^\s+$/.test(part)) {
        // Leading blanks are the line's own indentation (program output keeps it).
        if (index === 0) {
          const kept = Math.min(displayWidth(part), Math.max(0, Math.floor((width - used) / 2)));
          line += ' '.repeat(kept);
          used += kept;
        } else space = true;
        return;
      }
      const partWidth = displayWidth(part);
      const gap = space && filled ? 1 : 0;
      space = false;
      if (used + gap + partWidth <= width) return add(' '.repeat(gap) + part, gap + partWidth);
      if (filled) push();
      if (used + partWidth <= width) return add(part, partWidth);
      // A word longer than a line (a path, a key): break it where the line ends.
      for (const char of part) {
        const w = charWidth(char);
        if (used + w > width && filled) push();
        add(char, w);
      }
    });
    lines.push(line.trimEnd());
  }
  return lines;
}

/** Unicode's pictures of the C0 controls: ESC shows as ␛, NUL as ␀. */
const controlPicture = (code: number) => String.fromCodePoint(0x2400 + code);

/**
 * Program output and values read from the system are data: shown, never obeyed. ESC
 * and the other C0 controls (but newline and tab), DEL, the C1 controls (0x9b is an
 * 8-bit CSI on some terminals) and the bidirectional overrides, which would reorder
 * what is shown, become visible placeholders.
 */
export function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20) return controlPicture(code);
    if (code === 0x7f) return '\u2421';
    return '\ufffd';
  });
}

/** One line of program output or a value, made safe and flat: newlines show as ␤. */
export function sanitizeLine(text: string): string {
  return expandTabs(sanitize(text).replace(/\n/g, '\u2424'));
}
