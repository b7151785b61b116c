/**
 * A single-board computer, drawn inline (no image to fetch): the board, its SoC,
 * RAM, two USB ports, an Ethernet jack and the GPIO header. Colours come from the
 * panel's own variables, so it follows the theme.
 */
export function BoardIcon({ label }: { label: string }) {
  return (
    <svg className="board-icon" viewBox="0 0 64 48" role="img" aria-label={label} focusable="false">
      <rect x="2" y="6" width="56" height="38" rx="4" className="board-pcb" />
      <g className="board-holes">
        <circle cx="7" cy="11" r="1.6" />
        <circle cx="7" cy="39" r="1.6" />
        <circle cx="45" cy="11" r="1.6" />
        <circle cx="45" cy="39" r="1.6" />
      </g>
      <g className="board-header">
        {Array.from({ length: 10 }, (_, i) => (
          <rect key={i} x={11 + i * 3.2} y="8.5" width="2" height="2" />
        ))}
      </g>
      <rect x="14" y="18" width="14" height="14" rx="1.5" className="board-soc" />
      <rect x="31" y="19" width="9" height="12" rx="1" className="board-ram" />
      <rect x="50" y="12" width="12" height="8" rx="1" className="board-port" />
      <rect x="50" y="22" width="12" height="8" rx="1" className="board-port" />
      <rect x="50" y="32" width="12" height="9" rx="1" className="board-port board-ethernet" />
      <path d="M17 21h8M17 25h8M17 29h8" className="board-soc-lines" />
    </svg>
  );
}
