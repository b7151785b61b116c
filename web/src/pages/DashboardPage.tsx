import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isAbort } from '../api/client';
import { api, type SystemInfo } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { BackupWarning } from '../components/BackupWarning';
import { BoardCard } from '../components/BoardCard';
import { MetricsCharts } from '../components/MetricsCharts';
import { ErrorMessage } from '../components/ErrorMessage';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { UsageBar } from '../components/UsageBar';
import { diskUsedPercent, formatBytes, formatUptime, memoryUsedPercent } from '../format';
import { useApiData } from '../hooks/useApiData';
import { useJobFeed } from '../hooks/useJobFeed';

export const refreshIntervalMs = 10_000;

/** What the box is and how it is doing, refreshed every 10 seconds. */
export function DashboardPage() {
  const { t } = useTranslation();
  const { info, problem, updatedAt, reload } = useSystemInfo();

  return (
    <>
      <PageHeader title={t('panel:nav.dashboard')}>
        {updatedAt && <UpdatedAt at={updatedAt} />}
      </PageHeader>
      {problem && (
        <div className="notice">
          <ErrorMessage problem={problem} />
          <button type="button" className="button button-quiet" onClick={reload}>
            {t('panel:common.retry')}
          </button>
        </div>
      )}
      <BackupHealth />
      {info ? <SystemOverview info={info} /> : !problem && <Loading />}
    </>
  );
}

/** A warning when the box is not safely backed up, until it is; checked again whenever a backup job ends. */
function BackupHealth() {
  const { data, reload } = useApiData('backups', (options) => api.backups({ ...options, background: true }));
  useJobFeed((job) => {
    if (job.appId === 'backups' && job.status !== 'running') reload();
  }, reload);
  return data ? <BackupWarning status={data.status} withLink /> : null;
}

function useSystemInfo() {
  const [info, setInfo] = useState<SystemInfo | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const reload = useCallback(async (background = false) => {
    if (inFlight.current) return;
    const controller = new AbortController();
    inFlight.current = controller;
    try {
      const next = await api.systemInfo({ signal: controller.signal, background });
      setInfo(next);
      setProblem(null);
      setUpdatedAt(new Date());
    } catch (error) {
      if (!isAbort(error)) setProblem(problemFrom(error));
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
    }
  }, []);

  useEffect(() => {
    void reload();
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') void reload(true);
    }, refreshIntervalMs);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      inFlight.current?.abort();
      inFlight.current = null;
    };
  }, [reload]);

  return { info, problem, updatedAt, reload: () => void reload() };
}

function UpdatedAt({ at }: { at: Date }) {
  const { t, i18n } = useTranslation();
  const time = new Intl.DateTimeFormat(i18n.resolvedLanguage, { timeStyle: 'medium' }).format(at);
  return <p className="muted updated-at">{t('panel:dashboard.updatedAt', { time })}</p>;
}

function SystemOverview({ info }: { info: SystemInfo }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage;
  const loadFormat = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const percentFormat = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 });
  const temperatureFormat = new Intl.NumberFormat(language, { style: 'unit', unit: 'celsius', maximumFractionDigits: 1 });

  const memoryPercent = memoryUsedPercent(info.memory);
  const diskPercent = diskUsedPercent(info.disk);
  const memoryText = t('panel:dashboard.memoryValue', {
    available: formatBytes(info.memory.availableBytes),
    total: formatBytes(info.memory.totalBytes),
  });
  const diskText = t('panel:dashboard.diskValue', {
    used: formatBytes(info.disk.usedBytes),
    available: formatBytes(info.disk.availableBytes),
    percent: percentFormat.format(diskPercent / 100),
  });
  const [load1 = 0, load5 = 0, load15 = 0] = info.load;
  const addresses = [...info.addresses].sort((a, b) => a.family.localeCompare(b.family));

  return (
    <div className="dashboard-grid">
      <section className="card card-wide" aria-labelledby="box-heading">
        <p className="card-kicker">{t('panel:dashboard.box')}</p>
        <h2 id="box-heading" className="hostname">
          {info.hostname}
        </h2>
        <dl className="facts">
          <div>
            <dt>{t('panel:dashboard.mdnsName')}</dt>
            <dd>{info.mdnsName}</dd>
          </div>
          <div>
            <dt>{t('panel:dashboard.version')}</dt>
            <dd>{info.version}</dd>
          </div>
          <div>
            <dt>{t('panel:dashboard.board')}</dt>
            <dd>{info.board ?? <span className="muted">{t('panel:dashboard.boardUnknown')}</span>}</dd>
          </div>
          <div>
            <dt>{t('panel:dashboard.uptime')}</dt>
            <dd>{formatUptime(t, info.uptimeSeconds)}</dd>
          </div>
        </dl>
      </section>

      <BoardCard />

      <MetricsCharts />

      <section className="card" aria-labelledby="load-heading">
        <h2 id="load-heading">{t('panel:dashboard.load')}</h2>
        <dl className="load-averages">
          <div>
            <dt>{t('panel:dashboard.load1')}</dt>
            <dd>{loadFormat.format(load1)}</dd>
          </div>
          <div>
            <dt>{t('panel:dashboard.load5')}</dt>
            <dd>{loadFormat.format(load5)}</dd>
          </div>
          <div>
            <dt>{t('panel:dashboard.load15')}</dt>
            <dd>{loadFormat.format(load15)}</dd>
          </div>
        </dl>
        <p className="muted">{t('panel:dashboard.cpuCount', { count: info.cpuCount })}</p>
      </section>

      <section className="card" aria-labelledby="temperature-heading">
        <h2 id="temperature-heading">{t('panel:dashboard.temperature')}</h2>
        {info.cpuTemperatureCelsius === null ? (
          <p className="big-value muted">{t('panel:dashboard.temperatureUnavailable')}</p>
        ) : (
          <Temperature celsius={info.cpuTemperatureCelsius} limit={info.cpuTemperatureWarnCelsius} format={temperatureFormat} />
        )}
      </section>

      <section className="card" aria-labelledby="memory-heading">
        <h2 id="memory-heading">{t('panel:dashboard.memory')}</h2>
        <UsageBar label={t('panel:dashboard.memoryBar')} percent={memoryPercent} valueText={memoryText} />
        <p>{memoryText}</p>
      </section>

      <section className="card" aria-labelledby="disk-heading">
        <h2 id="disk-heading">{t('panel:dashboard.disk')}</h2>
        <UsageBar label={t('panel:dashboard.diskBar')} percent={diskPercent} valueText={diskText} />
        <p>{diskText}</p>
        <p className="muted">{t('panel:dashboard.diskSize', { total: formatBytes(info.disk.totalBytes) })}</p>
        <p className="muted path">{info.disk.path}</p>
      </section>

      <section className="card card-wide" aria-labelledby="network-heading">
        <h2 id="network-heading">{t('panel:dashboard.addresses')}</h2>
        {addresses.length === 0 ? (
          <p className="muted">{t('panel:dashboard.noAddresses')}</p>
        ) : (
          <ul className="addresses">
            {addresses.map((entry) => (
              <li key={`${entry.interface}-${entry.address}`}>
                <span className="address">{entry.address}</span>
                <span className="tag">{entry.family}</span>
                <span className="muted">{entry.interface}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The CPU temperature against the board's safe limit, highlighted above it (the colour is not the only sign: the text says so). */
function Temperature({ celsius, limit, format }: { celsius: number; limit: number | null; format: Intl.NumberFormat }) {
  const { t } = useTranslation();
  const hot = limit !== null && celsius > limit;
  return (
    <>
      <p className={hot ? 'big-value temperature-hot' : 'big-value'}>{format.format(celsius)}</p>
      {limit !== null && (
        <p className={hot ? 'temperature-note temperature-hot' : 'temperature-note muted'}>
          {hot ? t('boards:panel.temperatureHot', { limit }) : t('boards:panel.temperatureLimit', { limit })}
        </p>
      )}
    </>
  );
}
