import { useTranslation } from 'react-i18next';
import { formatBytes } from '../format';
import { amountText, secondsLeft, timeLeftText } from '../progress';

interface Props {
  /** What the bar measures, for screen readers ("Progress of run #12"). */
  label: string;
  /** scan, write, verify, extract, download, unpack … (a job's, named in panel:progress.phase), or upload. */
  phase: string;
  done: number;
  total: number;
  unit: 'bytes' | 'entries';
  /** Units per second, measured in the browser; null while not known. */
  rate: number | null;
  /** Still going: throughput and time left are shown only then. */
  running: boolean;
}

/**
 * How far a long operation is: its phase and percentage, a bar, what is done of the
 * total, and — while it runs — the throughput and the time left.
 */
export function ProgressView({ label, phase, done, total, unit, rate, running }: Props) {
  const { t, i18n } = useTranslation();
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : running ? 0 : 1;
  const percent = new Intl.NumberFormat(i18n.resolvedLanguage, { style: 'percent', maximumFractionDigits: 0 }).format(Math.floor(fraction * 100) / 100);
  // Every phase named in panel:progress.phase (backups, restores, updates …); an unknown one as it came.
  const phaseText = i18n.exists(`panel:progress.phase.${phase}`) ? t(`panel:progress.phase.${phase}`) : phase;
  const amount = amountText(t, done, total, unit);
  const left = running ? secondsLeft(done, total, rate) : null;
  const figures = [
    amount,
    ...(running && rate !== null ? [t('panel:progress.rate', { rate: unit === 'bytes' ? formatBytes(rate) : Math.round(rate) })] : []),
    ...(left !== null ? [timeLeftText(t, left)] : []),
  ];
  return (
    <div className="progress" data-phase={phase} data-running={running}>
      <p className="progress-head">
        <span className="progress-phase">{phaseText}</span>
        <span className="progress-percent">{percent}</span>
      </p>
      <div
        className="progress-bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.floor(fraction * 100)}
        aria-valuetext={t('panel:progress.valueText', { phase: phaseText, percent, amount })}
      >
        {/* A style property set through the DOM, not an inline style attribute: allowed by the CSP. */}
        <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <p className="progress-figures">{figures.join(' · ')}</p>
    </div>
  );
}
