import { useTranslation } from 'react-i18next';
import type { MetricsData } from '../../../server/schemas/metrics';
import { apiRequest } from '../api/client';
import { formatBytes } from '../format';
import { useApiData } from '../hooks/useApiData';
import '../metrics.css';

type Sample = { at: number; value: number };

/** Samples further apart than this are not joined by a line: the box was off, or the sensor silent. */
const gapMs = 15 * 60_000;
const width = 600;
const height = 120;

/** The dashboard's last 24 hours: CPU temperature against the board's limits, and how full the data disk is. */
export function MetricsCharts() {
  const { t, i18n } = useTranslation();
  const { data } = useApiData('metrics', (options) => apiRequest<MetricsData>('GET', '/api/metrics?hours=24', undefined, { ...options, background: true }));
  if (!data) return null;
  const to = Date.now();
  const from = to - data.hours * 3_600_000;
  const time = (at: number) => new Intl.DateTimeFormat(i18n.resolvedLanguage, { hour: '2-digit', minute: '2-digit' }).format(at);
  const temperatures = data.temperature.samples;
  const diskPercent = data.disk.used.flatMap((used) => {
    const total = data.disk.total.find((sample) => sample.at === used.at);
    return total && total.value > 0 ? [{ at: used.at, value: (used.value / total.value) * 100 }] : [];
  });
  const latestDisk = data.disk.used.at(-1);
  const latestTotal = data.disk.total.at(-1);
  const celsius = (value: number) => t('panel:metrics.celsius', { value: value.toFixed(1) });
  const percent = (value: number) => t('panel:metrics.percent', { value: value.toFixed(1) });

  return (
    <section className="card card-wide metrics" aria-labelledby="metrics-heading">
      <h2 id="metrics-heading">{t('panel:metrics.title')}</h2>
      <LineChart
        title={t('panel:metrics.temperature')}
        samples={temperatures}
        from={from}
        to={to}
        minimum={20}
        maximum={Math.max(data.temperature.criticalCelsius ?? data.temperature.warnCelsius + 10, ...temperatures.map((s) => s.value + 5))}
        limit={{ value: data.temperature.warnCelsius, label: t('panel:metrics.warnAt', { value: data.temperature.warnCelsius }) }}
        format={celsius}
        empty={t('panel:metrics.noTemperature')}
        time={time}
      />
      <LineChart
        title={t('panel:metrics.disk')}
        samples={diskPercent}
        from={from}
        to={to}
        minimum={0}
        maximum={100}
        limit={{ value: 90, label: t('panel:metrics.nearlyFull') }}
        format={percent}
        empty={t('panel:metrics.noSamples')}
        time={time}
        note={latestDisk && latestTotal ? t('panel:metrics.diskNow', { used: formatBytes(latestDisk.value), total: formatBytes(latestTotal.value) }) : undefined}
      />
    </section>
  );
}

interface LineChartProps {
  title: string;
  samples: Sample[];
  from: number;
  to: number;
  minimum: number;
  maximum: number;
  limit: { value: number; label: string };
  format: (value: number) => string;
  empty: string;
  time: (at: number) => string;
  /** A line under the title; the limit's meaning when there is nothing else to say. */
  note?: string | undefined;
}

/** One series as an SVG line (no chart library: a polyline per unbroken run of samples), summarized in words for screen readers. */
function LineChart({ title, samples, from, to, minimum, maximum, limit, format, empty, time, note }: LineChartProps) {
  const { t } = useTranslation();
  // A few units in from each side, so a point at either end is drawn whole.
  const x = (at: number) => 4 + ((at - from) / (to - from)) * (width - 8);
  const y = (value: number) => height - ((Math.min(maximum, Math.max(minimum, value)) - minimum) / (maximum - minimum)) * height;
  const runs: Sample[][] = [];
  for (const sample of samples) {
    const run = runs.at(-1);
    const previous = run?.at(-1);
    if (run && previous && sample.at - previous.at <= gapMs) run.push(sample);
    else runs.push([sample]);
  }
  const values = samples.map((s) => s.value);
  const latest = samples.at(-1);
  const summary = latest
    ? t('panel:metrics.summary', { title, latest: format(latest.value), at: time(latest.at), low: format(Math.min(...values)), high: format(Math.max(...values)) })
    : `${title}: ${empty}`;
  const above = latest !== undefined && latest.value >= limit.value;

  return (
    <figure className="metric-chart" data-above-limit={above}>
      <figcaption>
        <span className="metric-title">{title}</span> <span className="metric-latest">{latest ? format(latest.value) : empty}</span>
        <span className="metric-note">{note ?? limit.label}</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        <line className="metric-limit" x1={0} x2={width} y1={y(limit.value)} y2={y(limit.value)}>
          <title>{limit.label}</title>
        </line>
        {runs.map((run) =>
          run.length === 1 ? (
            <circle key={run[0]!.at} className="metric-point" cx={x(run[0]!.at)} cy={y(run[0]!.value)} r={2} />
          ) : (
            <polyline key={run[0]!.at} className="metric-line" points={run.map((s) => `${x(s.at).toFixed(1)},${y(s.value).toFixed(1)}`).join(' ')} />
          ),
        )}
      </svg>
      <div className="metric-axis" aria-hidden="true">
        <span>{t('panel:metrics.hoursAgo', { hours: Math.round((to - from) / 3_600_000) })}</span>
        <span>{t('panel:metrics.now')}</span>
      </div>
    </figure>
  );
}
