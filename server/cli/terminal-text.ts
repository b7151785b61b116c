/**
 * Program output is data, never terminal control: escape sequences and other control
 * characters (except tab) are shown as ^X instead of being obeyed, so a job's log
 * cannot move the cursor, change colours or retitle the terminal.
 */
export function forTerminal(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f\u0080-\u009f]/g, (char) => {
    const code = char.charCodeAt(0);
    if (code === 0x7f) return '^?';
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    return `\\x${code.toString(16)}`;
  });
}
