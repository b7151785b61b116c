import { useCallback, useId, useRef, useState, type FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { StorageDisk, StorageOverview, StorageVolume } from '../../../server/storage/schema';
import { ApiError, apiRequest } from '../api/client';
import { api, type JobSummary } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobConsole } from '../components/JobConsole';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { UsageBar } from '../components/UsageBar';
import { diskUsedPercent, formatBytes } from '../format';
import { useApiData } from '../hooks/useApiData';
import { useJobFeed } from '../hooks/useJobFeed';
import { useJobLog } from '../hooks/useJobLog';
import { formatDateTime } from '../jobs';
import { useStorageTexts } from './storage-texts';
import '../apps.css';
import '../storage.css';

const storageApps = ['storage-format', 'storage-automount', 'datadir'] as const;
/** File systems storage-automount mounts (server/storage/automount.ts). */
const mountable = new Set(['ext2', 'ext3', 'ext4', 'btrfs', 'xfs', 'f2fs', 'vfat', 'exfat']);

type FieldErrors = Record<string, string>;

/**
 * Storage: every drive the box sees with its partitions (model, size, transport, file
 * system, name, mount point, space used), the system disk marked and left alone, where
 * the data folder is; and the storage apps — format a drive (here, with the typed
 * confirmation and what will be lost), mount at every start, move the data folder —
 * with the live log of what was started here.
 */
export function StoragePage() {
  const { t } = useTranslation();
  const textsReady = useStorageTexts();
  const overview = useApiData('storage', (options) => apiRequest<StorageOverview>('GET', '/api/storage', undefined, options));
  const reload = overview.reload;
  const [shownJob, setShownJob] = useState<JobSummary | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [formatting, setFormatting] = useState<string | null>(null);
  const startedHere = useRef(new Set<number>());
  const consoleRef = useRef<HTMLElement>(null);

  const onJobEnded = useCallback(
    (job: JobSummary) => {
      reload();
      if (!startedHere.current.has(job.id)) return;
      setOutcome(job.status === 'succeeded' ? { ok: true, text: t('storage:outcome.done') } : { ok: false, text: t('storage:outcome.failed', { reason: job.errorMessage ?? '' }) });
      if (job.status === 'succeeded' && job.appId === 'storage-format') setFormatting(null);
    },
    [reload, t],
  );
  const log = useJobLog(shownJob, onJobEnded);
  // A storage app run anywhere else (its app page, the CLI) changes what this page shows.
  const onFeedJob = useCallback(
    (job: JobSummary) => {
      if ((storageApps as readonly string[]).includes(job.appId) && job.status !== 'running') reload();
    },
    [reload],
  );
  useJobFeed(onFeedJob, reload);
  const busy = submitting(log?.job);

  /** Starts a storage app; refused fields come back to the caller, anything else is said at the top. */
  const run = useCallback(async (appId: string, params: Record<string, string | boolean>): Promise<FieldErrors | null> => {
    setOutcome(null);
    setProblem(null);
    try {
      const { job } = await api.runApp(appId, { params });
      startedHere.current.add(job.id);
      setShownJob(job);
      consoleRef.current?.scrollIntoView?.({ block: 'nearest' });
      return null;
    } catch (error) {
      if (error instanceof ApiError && error.fields.length > 0) return Object.fromEntries(error.fields.map((field) => [field.param, field.message]));
      setProblem(problemFrom(error));
      return null;
    }
  }, []);

  const data = overview.data;
  if (!textsReady) return <Loading />;

  const automounted = data ? data.automount.map((entry) => entry.uuid) : [];
  const setMounted = (uuid: string, on: boolean) =>
    run('storage-automount', { drives: (on ? [...automounted, uuid] : automounted.filter((u) => u.toLowerCase() !== uuid.toLowerCase())).join('\n') }).then((fields) => {
      if (fields) setProblem({ key: 'storage:outcome.failed', params: { reason: Object.values(fields).join(' ') } });
    });

  return (
    <>
      <PageHeader title={t('panel:nav.storage')} className="storage-header" />
      <p className="lead">{t('storage:intro')}</p>
      <nav className="storage-apps" aria-label={t('storage:apps.label')}>
        <Link href="/apps/storage-format">{t('storage:apps.format')}</Link>
        <Link href="/apps/storage-automount">{t('storage:apps.automount')}</Link>
        <Link href="/apps/datadir">{t('storage:apps.datadir')}</Link>
      </nav>

      <div className="storage-outcome" role="status">
        {outcome && <p className={`message ${outcome.ok ? 'message-ok' : 'message-error'}`}>{outcome.text}</p>}
      </div>
      <ErrorMessage problem={problem} />
      {overview.problem && (
        <div className="notice">
          <ErrorMessage problem={overview.problem} />
          <button type="button" className="button button-quiet" onClick={reload}>
            {t('panel:common.retry')}
          </button>
        </div>
      )}

      {!data ? (
        !overview.problem && <Loading />
      ) : (
        <div className="storage-layout">
          <div className="storage-main">
            <DataFolderCard data={data} />
            {!data.systemDiskKnown && <p className="message message-warning">{t('storage:disk.systemUnknown')}</p>}
            {data.disks.length === 0 && <p className="card muted">{t('storage:noDisks')}</p>}
            {data.disks.map((disk) => (
              <DiskCard
                key={disk.path}
                disk={disk}
                busy={busy}
                onFormat={() => setFormatting(disk.path)}
                onUnmount={() => void run('storage-format', { operation: 'unmount', device: disk.path }).then((fields) => fields && setProblem({ key: 'storage:outcome.failed', params: { reason: Object.values(fields).join(' ') } }))}
                onMount={(volume, on) => void setMounted(volume.uuid!, on)}
              >
                {formatting === disk.path && (
                  <FormatForm
                    disk={disk}
                    busy={busy}
                    onCancel={() => setFormatting(null)}
                    onSubmit={(params) => run('storage-format', { operation: 'format', device: disk.path, ...params })}
                  />
                )}
              </DiskCard>
            ))}
          </div>
          <div className="storage-side">
            <JobConsole ref={consoleRef} log={log} job={log?.job ?? null} actions={[]} emptyText={t('storage:consoleEmpty')} />
          </div>
        </div>
      )}
    </>
  );
}

function submitting(job: JobSummary | undefined): boolean {
  return job?.status === 'running';
}

function DataFolderCard({ data }: { data: StorageOverview }) {
  const { t, i18n } = useTranslation();
  const { dataDir } = data;
  return (
    <section className="card" aria-labelledby="data-folder-heading">
      <h2 id="data-folder-heading">{t('storage:dataDir.title')}</h2>
      {dataDir.missing ? (
        <p className="message message-error">{t('storage:dataDir.missing', { path: dataDir.path })}</p>
      ) : (
        <p>{dataDir.moved ? t('storage:dataDir.onDrive', { path: dataDir.path }) : t('storage:dataDir.onSystemDisk', { path: dataDir.path })}</p>
      )}
      {dataDir.oldCopies.length > 0 && (
        <>
          <h3 className="storage-subheading">{t('storage:dataDir.oldCopies')}</h3>
          <ul className="storage-plain-list">
            {dataDir.oldCopies.map((copy) => (
              <li key={copy.path} className="path-value">
                {t('storage:dataDir.oldCopy', { path: copy.path, date: formatDateTime(i18n.resolvedLanguage, copy.movedAt) })}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <Link href="/apps/datadir">{t('storage:dataDir.move')}</Link>
      </p>
    </section>
  );
}

interface DiskProps {
  disk: StorageDisk;
  busy: boolean;
  onFormat: () => void;
  onUnmount: () => void;
  onMount: (volume: StorageVolume, on: boolean) => void;
  children?: React.ReactNode;
}

function transportText(t: TFunction, transport: string): string {
  const key = `storage:disk.transport.${transport}`;
  return t(key, { defaultValue: transport });
}

function DiskCard({ disk, busy, onFormat, onUnmount, onMount, children }: DiskProps) {
  const { t } = useTranslation();
  const headingId = useId();
  const mounted = disk.volumes.some((v) => v.mountPoints.length > 0 || v.swap);
  return (
    <section className="card storage-disk" aria-labelledby={headingId} data-system={disk.system || undefined}>
      <div className="storage-disk-head">
        <h2 id={headingId}>{disk.title}</h2>
        <div className="storage-badges">
          {disk.system && <span className="tag storage-badge-system">{t('storage:disk.system')}</span>}
          {disk.holdsData && <span className="tag storage-badge-data">{t('storage:disk.data')}</span>}
          {disk.removable && <span className="tag">{t('storage:disk.removable')}</span>}
          {disk.readOnly && <span className="tag">{t('storage:disk.readOnly')}</span>}
        </div>
      </div>
      <p className="muted">
        {t('storage:disk.facts', { size: formatBytes(disk.sizeBytes), transport: transportText(t, disk.transport), path: disk.path })}
        {disk.serial && <> · {t('storage:disk.serial', { serial: disk.serial })}</>}
        {disk.partitionTable && <> · {t('storage:disk.table', { table: disk.partitionTable })}</>}
      </p>
      {disk.system && <p className="message message-info">{t('storage:disk.systemNote', { places: disk.systemPlaces })}</p>}
      {disk.volumes.length === 0 ? (
        <p className="muted">{t('storage:disk.noVolumes')}</p>
      ) : (
        <ul className="storage-volumes" aria-label={t('storage:volume.caption', { drive: disk.title })}>
          {disk.volumes.map((volume) => (
            <VolumeItem key={volume.path} volume={volume} canMount={!disk.system} busy={busy} onMount={(on) => onMount(volume, on)} />
          ))}
        </ul>
      )}
      {!disk.system && (
        <div className="form-actions storage-disk-actions">
          <button type="button" className="button button-secondary" disabled={busy} onClick={onFormat}>
            {t('storage:disk.format')}
          </button>
          {mounted && !disk.holdsData && (
            <button type="button" className="button button-quiet" disabled={busy} onClick={onUnmount}>
              {t('storage:disk.unmount')}
            </button>
          )}
        </div>
      )}
      {children}
    </section>
  );
}

function VolumeItem({ volume, canMount, busy, onMount }: { volume: StorageVolume; canMount: boolean; busy: boolean; onMount: (on: boolean) => void }) {
  const { t } = useTranslation();
  const none = t('storage:volume.none');
  const usage = volume.usage;
  const usageText = usage
    ? t('storage:volume.usageText', { used: formatBytes(usage.usedBytes), size: formatBytes(usage.sizeBytes), free: formatBytes(usage.availableBytes) })
    : null;
  const where = volume.swap ? t('storage:volume.swap') : volume.mountPoints.length ? volume.mountPoints.join(', ') : t('storage:volume.notMounted');
  const canAutomount = canMount && volume.uuid !== null && volume.fstype !== null && mountable.has(volume.fstype);
  return (
    <li className="storage-volume" data-mounted={volume.mountPoints.length > 0 || undefined}>
      <dl className="facts storage-volume-facts">
        <div>
          <dt>{t('storage:volume.name')}</dt>
          <dd className="path-value">{volume.name}</dd>
        </div>
        <div>
          <dt>{t('storage:volume.filesystem')}</dt>
          <dd>{volume.fstype ?? none}</dd>
        </div>
        <div>
          <dt>{t('storage:volume.label')}</dt>
          <dd>{volume.label ?? none}</dd>
        </div>
        <div>
          <dt>{t('storage:volume.size')}</dt>
          <dd>{formatBytes(volume.sizeBytes)}</dd>
        </div>
        <div className="storage-volume-where">
          <dt>{t('storage:volume.mounted')}</dt>
          <dd className="path-value">
            {where}
            {volume.automount && <span className="tag storage-every-start">{t('storage:volume.everyStart')}</span>}
          </dd>
        </div>
      </dl>
      {usage && usageText && (
        <div className="storage-usage">
          <UsageBar label={t('storage:volume.usageBar', { name: volume.name })} percent={diskUsedPercent(usage)} valueText={usageText} />
          <p className="muted">{usageText}</p>
        </div>
      )}
      {canAutomount && !volume.holdsData && (
        <button type="button" className="link-button" disabled={busy} onClick={() => onMount(volume.automount === null)}>
          {volume.automount === null ? t('storage:volume.mount') : t('storage:volume.stopMount')}
        </button>
      )}
    </li>
  );
}

function FormatForm({
  disk,
  busy,
  onCancel,
  onSubmit,
}: {
  disk: StorageDisk;
  busy: boolean;
  onCancel: () => void;
  onSubmit: (params: { filesystem: string; label: string; confirm: string }) => Promise<FieldErrors | null>;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [filesystem, setFilesystem] = useState('btrfs');
  const [label, setLabel] = useState('hearth-data');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [sending, setSending] = useState(false);
  // What the owner types: the drive's model, or its kernel name (server/storage/block-devices.ts, confirmationName).
  const name = disk.model ?? disk.name;
  const lost = disk.volumes.filter((v) => v.fstype !== null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSending(true);
    setErrors((await onSubmit({ filesystem, label, confirm })) ?? {});
    setSending(false);
  }

  const fieldError = (param: string) =>
    errors[param] ? (
      <p id={`${id}-${param}-error`} className="field-error">
        {errors[param]}
      </p>
    ) : null;

  return (
    <form className="form storage-format" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('storage:format.title', { drive: disk.title })}</h3>
      <div className="message message-warning">
        {lost.length ? (
          <>
            <p>{t('storage:format.lost')}</p>
            <ul>
              {lost.map((v) => (
                <li key={v.path}>
                  {t('storage:format.lostVolume', { name: v.name, filesystem: v.fstype ?? '', label: v.label ? `“${v.label}”` : '', size: formatBytes(v.sizeBytes) })}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p>{t('storage:format.lostNothing')}</p>
        )}
      </div>
      {fieldError('device')}
      <fieldset className="step" disabled={busy || sending}>
        <div className="field">
          <label htmlFor={`${id}-fs`}>{t('storage:format.filesystem')}</label>
          <select id={`${id}-fs`} value={filesystem} onChange={(event) => setFilesystem(event.target.value)}>
            <option value="btrfs">Btrfs</option>
            <option value="ext4">ext4</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-label`}>{t('storage:format.label')}</label>
          <input
            id={`${id}-label`}
            type="text"
            value={label}
            maxLength={16}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.label ? true : undefined}
            aria-describedby={`${id}-label-help${errors.label ? ` ${id}-label-error` : ''}`}
            onChange={(event) => setLabel(event.target.value)}
          />
          {fieldError('label')}
          <p id={`${id}-label-help`} className="hint">
            {t('storage:format.labelHelp')}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-confirm`}>{t('storage:format.confirm', { name })}</label>
          <input
            id={`${id}-confirm`}
            type="text"
            value={confirm}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.confirm ? true : undefined}
            {...(errors.confirm ? { 'aria-describedby': `${id}-confirm-error` } : {})}
            onChange={(event) => setConfirm(event.target.value)}
          />
          {fieldError('confirm')}
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-danger">
            {t('storage:format.submit')}
          </button>
          <button type="button" className="button button-quiet" onClick={onCancel}>
            {t('storage:format.cancel')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
