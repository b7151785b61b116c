interface Props {
  label: string;
  /** 0–100 */
  percent: number;
  /** What a screen reader says instead of the bare percentage. */
  valueText: string;
}

/** A bar for how full something is; amber from 80 %, red from 90 %. */
export function UsageBar({ label, percent, valueText }: Props) {
  const clamped = Math.min(100, Math.max(0, Math.round(percent)));
  const level = clamped >= 90 ? 'critical' : clamped >= 80 ? 'high' : 'normal';
  return (
    <div
      className="usage-bar"
      data-level={level}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={clamped}
      aria-valuetext={valueText}
    >
      {/* A style property set through the DOM, not an inline style attribute: allowed by the CSP. */}
      <div className="usage-bar-fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}
