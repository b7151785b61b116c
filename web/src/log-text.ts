/** SGR escape sequences: colours and bold, nothing else. */
const colourCodes = /\u001b\[[0-9;:]*m/g;
/** C0 controls but tab, DEL, and the C1 controls (0x9b is an 8-bit CSI on some terminals). */
const controls = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
/** Bidi overrides and isolates (which reorder what follows) and the Unicode line breaks. */
const invisibleFormatting = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

const codePoint = (char: string) => `<U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`;

/**
 * A log line as the console shows it. Program output is data: React puts it in the
 * page as text (never markup), and here colour codes are dropped (they carry no
 * text); every other control character shows in caret notation, as `cat -v` does
 * (an escape sequence that would clear a terminal reads "^[[2J", NUL "^@", DEL "^?"),
 * C1 controls, bidi overrides and line separators as their code point (<U+202E>).
 */
export function logLineText(text: string): string {
  return text
    .replace(colourCodes, '')
    .replace(controls, (char) => {
      const code = char.charCodeAt(0);
      if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
      if (code === 0x7f) return '^?';
      return codePoint(char);
    })
    .replace(invisibleFormatting, codePoint);
}
