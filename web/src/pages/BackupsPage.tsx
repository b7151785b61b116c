import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { isAbort } from '../api/client';
import { api, backupDownloadUrl, type AppDetail, type BackupListing, type BackupsOverview, type BackupStatus, type JobSummary, type RestoreRequest } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { uploadArchive } from '../api/upload';
import { archiveProblemText } from '../backup-text';
import { BackupWarning } from '../components/BackupWarning';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobPage } from '../components/JobPage';
import { ProgressView } from '../components/ProgressView';
import { SecretInput } from '../components/SecretInput';
import { formatBytes } from '../format';
import { usePageJobs, type Outcome } from '../hooks/usePageJobs';
import { refreshPanelData } from '../hooks/usePanelRefresh';
import { formatDateTime } from '../jobs';
import { createRateMeter } from '../progress';
import { noteRestoreStarted, restoreNotice, restoreSettled, takeRestoreOutcome } from '../restore-notice';
import '../apps.css';
import '../backups.css';

const backupsAppId = 'backups';

/** An archive chosen for a restore: one in the destination, or one uploaded from this computer. */
export type RestoreTarget =
  | { kind: 'archive'; listing: BackupListing }
  | { kind: 'upload'; upload: string; fileName: string; size: number };

/** What a job started from this page was for: how its end is told. */
type Started = { kind: 'backup' } | { kind: 'drill' } | { kind: 'verify'; name: string } | { kind: 'restore'; dryRun: boolean; target: RestoreTarget | null };

/**
 * Backups: whether the box is safely backed up, Back up now (settings, or settings and
 * files), the archives in the destination (date, size, contents, encrypted, verified
 * ✓/✗; Download, Verify, Restore…), a restore from a file uploaded from this computer,
 * and the live console with progress, throughput and time left. The settings
 * (destination, schedule, encryption) are the Backups app's.
 */
export function BackupsPage() {
  const { t, i18n } = useTranslation();
  const jobs = usePageJobs<BackupsOverview, Started>({
    appId: backupsAppId,
    overviewKey: 'backups',
    loadOverview: (options) => api.backups(options),
    onEnded: (job, started) => tellEnd(job, started),
    onFirstLoad: (runs) => showRestoreEnd(runs),
  });
  const { detail, setOutcome, start, running } = jobs;
  const [restoreTarget, setRestoreTarget] = useState<RestoreTarget | null>(null);

  // The page opened again after a restore that logged the owner out: show how it ended.
  function showRestoreEnd(runs: readonly JobSummary[]): JobSummary | null {
    const restored = takeRestoreOutcome();
    const run = restored !== null ? runs.find((r) => r.id === restored) : undefined;
    if (run) {
      setOutcome(restoreOutcome(t, i18n.resolvedLanguage, run, null));
      return run;
    }
    // A restore started here before a reload of the page has ended, and this page is logged in: the session survived it.
    const marked = restoreNotice();
    if (marked !== null && runs.some((r) => r.id === marked && r.status !== 'running')) restoreSettled();
    return null;
  }

  function tellEnd(job: JobSummary, startedHere: Started | undefined) {
    // A restore started here before a reload of the page is still one to tell the end of.
    const started = startedHere ?? (job.id === restoreNotice() ? ({ kind: 'restore', dryRun: false, target: null } as const) : undefined);
    if (!started) return;
    if (started.kind === 'backup') {
      setOutcome(
        job.status === 'succeeded'
          ? { tone: 'ok', text: t('panel:backups.outcome.backupDone') }
          : { tone: 'error', text: t('panel:backups.outcome.backupFailed', { reason: job.errorMessage ?? '' }) },
      );
    } else if (started.kind === 'drill') {
      setOutcome(
        job.status === 'succeeded'
          ? { tone: 'ok', text: t('panel:backups.outcome.drillPassed') }
          : { tone: 'error', text: t('panel:backups.outcome.drillFailed', { reason: job.errorMessage ?? '' }) },
      );
    } else if (started.kind === 'verify') {
      setOutcome(
        job.status === 'succeeded'
          ? { tone: 'ok', text: t('panel:backups.outcome.verified') }
          : { tone: 'error', text: t('panel:backups.outcome.verifyFailed', { reason: job.errorMessage ?? '' }) },
      );
    } else if (started.dryRun) {
      setOutcome(
        job.status === 'succeeded'
          ? { tone: 'info', text: t('panel:backups.outcome.dryRunDone') }
          : { tone: 'error', text: t('panel:backups.outcome.restoreFailed', { reason: job.errorMessage ?? '' }) },
      );
    } else {
      // The accounts are the backup's now: if the owner's session did not carry over,
      // this call answers 401 and the panel shows Log in, saying why (restore-notice.ts).
      api.session().then(
        () => {
          restoreSettled();
          if (job.status === 'succeeded') setRestoreTarget(null);
          setOutcome(restoreOutcome(t, i18n.resolvedLanguage, job, started.target));
          // Settings, apps and notifications changed: every page shown loads again.
          refreshPanelData();
        },
        () => undefined,
      );
    }
  }

  /** A restore (not a dry run) is noted as soon as it is started: if it ends the session, the page opened again tells its end. */
  async function startRestore(request: RestoreRequest, dryRun: boolean, target: RestoreTarget) {
    await start({ kind: 'restore', dryRun, target }, async () => {
      const answer = await api.restore(request);
      if (!dryRun) noteRestoreStarted(answer.job.id);
      return answer;
    });
  }

  const includeDataSetting = detail?.params.find((param) => param.id === 'includeData')?.value;
  const uploadLimitMiB = detail?.params.find((param) => param.id === 'uploadLimitMiB')?.value;

  return (
    <JobPage
      title={t('panel:nav.backups')}
      appId={backupsAppId}
      settingsLabel={t('panel:backups.settingsLink')}
      intro={t('panel:backups.intro')}
      jobs={jobs}
      outcomeClassName="backups-outcome"
      markedOutcome
      banner={(overviewData) => <BackupWarning status={overviewData.status} />}
      actions={backupActions(t)}
      consoleEmpty={t('panel:backups.consoleEmpty')}
    >
      {(overviewData) => (
        <>
          <StatusCard status={overviewData.status} busy={running} onDrill={() => start({ kind: 'drill' }, () => api.runDrill())} />
          <BackUpNow
            busy={running}
            defaultData={typeof includeDataSetting === 'boolean' ? includeDataSetting : true}
            destination={overviewData.status.destination}
            onStart={(data) => start({ kind: 'backup' }, () => api.createBackup({ data }))}
          />
          <BackupList
            destination={overviewData.status.destination}
            backups={overviewData.backups}
            busy={running}
            chosen={restoreTarget?.kind === 'archive' ? restoreTarget.listing.name : null}
            onVerify={(listing, passphrase) => start({ kind: 'verify', name: listing.name }, () => api.verifyBackup(listing.name, passphrase))}
            onRestore={(listing) => {
              setOutcome(null);
              setRestoreTarget({ kind: 'archive', listing });
            }}
          />
          <UploadCard
            busy={running}
            limitBytes={typeof uploadLimitMiB === 'number' ? uploadLimitMiB * 1024 * 1024 : null}
            onUploaded={(target) => {
              setOutcome(null);
              setRestoreTarget(target);
            }}
          />
          {restoreTarget && (
            <RestoreCard
              key={restoreTarget.kind === 'archive' ? restoreTarget.listing.name : restoreTarget.upload}
              target={restoreTarget}
              busy={running}
              onStart={(request, dryRun) => startRestore(request, dryRun, restoreTarget)}
              onCancel={() => setRestoreTarget(null)}
            />
          )}
        </>
      )}
    </JobPage>
  );
}

/** The jobs of the Backups app, by action, as the console and Last runs name them. */
function backupActions(t: TFunction): AppDetail['actions'] {
  return [
    { id: 'create', label: t('panel:backups.action.create') },
    { id: 'verify', label: t('panel:backups.action.verify') },
    { id: 'drill', label: t('panel:backups.action.drill') },
    { id: 'restore', label: t('panel:backups.action.restore') },
    { id: 'restore-dry-run', label: t('panel:backups.action.restoreDryRun') },
    { id: 'restore-recovery', label: t('panel:backups.action.restoreRecovery') },
    { id: 'apply', label: t('panel:backups.action.apply') },
  ];
}

function restoreOutcome(t: TFunction, language: string | undefined, job: JobSummary, target: RestoreTarget | null): Outcome {
  if (job.status !== 'succeeded') return { tone: 'error', text: t('panel:backups.outcome.restoreFailed', { reason: job.errorMessage ?? '' }) };
  if (target?.kind === 'archive') {
    return { tone: 'ok', text: t('panel:backups.outcome.restoredFrom', { date: formatDateTime(language, target.listing.createdAt) }) };
  }
  return { tone: 'ok', text: t('panel:backups.outcome.restored') };
}

/** The box names the job holding the lock and its start as an ISO time: the owner reads a local time. */
function readable(problem: Problem, language: string | undefined): Problem {
  if (typeof problem.params?.since !== 'string') return problem;
  return { ...problem, params: { ...problem.params, since: formatDateTime(language, problem.params.since) } };
}

// ---------- Status ----------

function StatusCard({ status, busy, onDrill }: { status: BackupStatus; busy: boolean; onDrill: () => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage;
  const drill = status.lastDrill;
  return (
    <section className="card" aria-labelledby="backup-status-heading">
      <h2 id="backup-status-heading">{t('panel:backups.status.title')}</h2>
      <dl className="facts backup-facts">
        <div>
          <dt>{t('panel:backups.status.lastGood')}</dt>
          <dd data-stale={status.stale}>{status.lastGoodAt ? formatDateTime(language, status.lastGoodAt) : t('panel:backups.status.never')}</dd>
        </div>
        <div>
          <dt>{t('panel:backups.status.autoBackup')}</dt>
          <dd>{status.autoBackup ? t('panel:backups.status.on') : t('panel:backups.status.off')}</dd>
        </div>
        <div>
          <dt>{t('panel:backups.status.drill')}</dt>
          <dd data-ok={drill ? drill.ok : undefined}>
            {!drill
              ? t('panel:backups.status.drillNotYet')
              : drill.ok
                ? `✓ ${t('panel:backups.status.drillPassed', { date: formatDateTime(language, drill.at) })}`
                : `✗ ${t('panel:backups.status.drillFailed', { date: formatDateTime(language, drill.at), reason: archiveProblemText(t, drill.errorCode, drill.message) })}`}{' '}
            <button type="button" className="link-button" disabled={busy} onClick={() => void onDrill()}>
              {t('panel:backups.status.drillNow')}
            </button>
          </dd>
        </div>
        <div className="backup-destination">
          <dt>{t('panel:backups.status.destination')}</dt>
          <dd className="path-value">{status.destination}</dd>
        </div>
      </dl>
    </section>
  );
}

// ---------- Back up now ----------

interface BackUpNowProps {
  busy: boolean;
  /** The Backups app's "Include my files". */
  defaultData: boolean;
  destination: string;
  onStart: (data: boolean) => Promise<void>;
}

function BackUpNow({ busy, defaultData, destination, onStart }: BackUpNowProps) {
  const { t, i18n } = useTranslation();
  const [choice, setChoice] = useState<boolean | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const name = useId();
  const data = choice ?? defaultData;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    setProblem(null);
    try {
      await onStart(data);
    } catch (error) {
      setProblem(readable(problemFrom(error), i18n.resolvedLanguage));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <section className="card" aria-labelledby="backup-now-heading">
      <h2 id="backup-now-heading">{t('panel:backups.now.title')}</h2>
      <form className="form backup-now" onSubmit={(event) => void submit(event)}>
        <fieldset className="step" disabled={busy || submitting}>
          <legend className="visually-hidden">{t('panel:backups.now.contents')}</legend>
          <div className="choice" role="radiogroup" aria-label={t('panel:backups.now.contents')}>
            <label className="choice-option">
              <input type="radio" name={name} checked={data} onChange={() => setChoice(true)} />
              <span>
                <strong>{t('panel:backups.contents.withData')}</strong>
                <span className="hint">{t('panel:backups.now.withDataHint')}</span>
              </span>
            </label>
            <label className="choice-option">
              <input type="radio" name={name} checked={!data} onChange={() => setChoice(false)} />
              <span>
                <strong>{t('panel:backups.contents.withoutData')}</strong>
                <span className="hint">{t('panel:backups.now.withoutDataHint')}</span>
              </span>
            </label>
          </div>
          <p className="hint">{t('panel:backups.now.where', { destination })}</p>
          <ErrorMessage problem={problem} />
          <div className="form-actions">
            <button type="submit" className="button button-primary">
              {busy || submitting ? t('panel:backups.busy') : t('panel:backups.now.submit')}
            </button>
          </div>
        </fieldset>
      </form>
    </section>
  );
}

// ---------- The archives ----------

interface BackupListProps {
  destination: string;
  backups: readonly BackupListing[];
  busy: boolean;
  /** The archive whose restore is open. */
  chosen: string | null;
  onVerify: (listing: BackupListing, passphrase?: string) => Promise<void>;
  onRestore: (listing: BackupListing) => void;
}

function BackupList({ destination, backups, busy, chosen, onVerify, onRestore }: BackupListProps) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="backup-list-heading">
      <h2 id="backup-list-heading">{t('panel:backups.list.title')}</h2>
      <p className="hint backup-list-where">{t('panel:backups.list.where', { destination })}</p>
      {backups.length === 0 ? (
        <p className="muted">{t('panel:backups.list.empty')}</p>
      ) : (
        <ul className="job-page-list">
          {backups.map((listing) => (
            <li key={listing.name}>
              <BackupItem listing={listing} busy={busy} chosen={chosen === listing.name} onVerify={onVerify} onRestore={onRestore} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface BackupItemProps {
  listing: BackupListing;
  busy: boolean;
  chosen: boolean;
  onVerify: (listing: BackupListing, passphrase?: string) => Promise<void>;
  onRestore: (listing: BackupListing) => void;
}

function BackupItem({ listing, busy, chosen, onVerify, onRestore }: BackupItemProps) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const passphraseId = useId();
  const [askPassphrase, setAskPassphrase] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const language = i18n.resolvedLanguage;

  async function verify(withPassphrase?: string) {
    setSubmitting(true);
    setProblem(null);
    try {
      await onVerify(listing, withPassphrase || undefined);
      setAskPassphrase(false);
      setPassphrase('');
    } catch (error) {
      setProblem(readable(problemFrom(error), language));
    } finally {
      setSubmitting(false);
    }
  }

  const contents =
    listing.data === null ? t('panel:backups.contents.unknown') : listing.data ? t('panel:backups.contents.withData') : t('panel:backups.contents.withoutData');
  return (
    <article className="job-page-item" aria-labelledby={headingId} data-chosen={chosen}>
      <div className="job-page-item-summary">
        <h3 id={headingId} className="job-page-item-date">
          <time dateTime={listing.createdAt}>{formatDateTime(language, listing.createdAt)}</time>
        </h3>
        <p className="job-page-item-facts">
          <span className="job-page-item-size">{formatBytes(listing.size)}</span>
          <span className="backup-contents">{contents}</span>
          {listing.encrypted && (
            <span className="tag backup-encrypted" title={t('panel:backups.list.encryptedHint')}>
              <LockIcon />
              {t('panel:backups.list.encrypted')}
            </span>
          )}
        </p>
        <VerifiedBadge verified={listing.verified} />
        <p className="backup-name">{listing.name}</p>
      </div>
      <div className="job-page-item-actions">
        <a className="button button-quiet" href={backupDownloadUrl(listing.name)} download={listing.name}>
          <DownloadIcon />
          <span>{t('panel:backups.list.download')}</span>
        </a>
        <button
          type="button"
          className="button button-quiet"
          disabled={busy || submitting}
          aria-expanded={listing.encrypted ? askPassphrase : undefined}
          onClick={() => (listing.encrypted ? setAskPassphrase((open) => !open) : void verify())}
        >
          {t('panel:backups.list.verify')}
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => onRestore(listing)}>
          {t('panel:backups.list.restore')}
        </button>
      </div>
      {askPassphrase && (
        <form
          className="backup-verify-form"
          onSubmit={(event) => {
            event.preventDefault();
            void verify(passphrase);
          }}
        >
          <div className="field">
            <label htmlFor={passphraseId}>{t('panel:backups.passphrase.label')}</label>
            <SecretInput id={passphraseId} value={passphrase} onChange={setPassphrase} aria-describedby={`${passphraseId}-hint`} />
            <p id={`${passphraseId}-hint`} className="hint">
              {t('panel:backups.passphrase.verifyHint')}
            </p>
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy || submitting}>
              {t('panel:backups.list.verifyNow')}
            </button>
          </div>
        </form>
      )}
      <ErrorMessage problem={problem} />
    </article>
  );
}

/** ✓ Verified (when), ✗ Failed verification (when, why), or not verified yet. */
function VerifiedBadge({ verified }: { verified: BackupListing['verified'] }) {
  const { t, i18n } = useTranslation();
  if (!verified) {
    return (
      <p className="verified-badge" data-verified="unknown">
        {t('panel:backups.verified.never')}
      </p>
    );
  }
  const date = formatDateTime(i18n.resolvedLanguage, verified.at);
  return (
    <p className="verified-badge" data-verified={verified.ok ? 'ok' : 'failed'}>
      <span aria-hidden="true">{verified.ok ? '✓' : '✗'}</span>{' '}
      {verified.ok ? t('panel:backups.verified.ok', { date }) : t('panel:backups.verified.failed', { date, reason: archiveProblemText(t, verified.error, verified.message) })}
    </p>
  );
}

// ---------- Upload ----------

interface UploadState {
  sent: number;
  total: number;
  rate: number | null;
}

interface UploadCardProps {
  busy: boolean;
  /** The Backups app's limit, when known: a bigger file is refused before it is sent. */
  limitBytes: number | null;
  onUploaded: (target: RestoreTarget) => void;
}

function UploadCard({ busy, limitBytes, onUploaded }: UploadCardProps) {
  const { t } = useTranslation();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadState | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const controller = useRef<AbortController | null>(null);
  const input = useRef<HTMLInputElement>(null);

  // Leaving the page stops an upload still going.
  useEffect(() => () => controller.current?.abort(), []);

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) return setProblem({ key: 'panel:backups.upload.noFile' });
    if (limitBytes !== null && file.size > limitBytes) {
      return setProblem({ key: 'errors:HEARTH_ERR_UPLOAD_TOO_LARGE', code: 'HEARTH_ERR_UPLOAD_TOO_LARGE', params: { limit: formatBytes(limitBytes) } });
    }
    setProblem(null);
    const current = new AbortController();
    controller.current = current;
    const meter = createRateMeter();
    setProgress({ sent: 0, total: file.size, rate: null });
    try {
      const uploaded = await uploadArchive(file, {
        signal: current.signal,
        onProgress: (sent, total) => setProgress({ sent, total, rate: meter('upload', sent, performance.now()) }),
      });
      onUploaded({ kind: 'upload', upload: uploaded.upload, fileName: file.name, size: uploaded.size });
      setFile(null);
      if (input.current) input.current.value = '';
    } catch (error) {
      if (!isAbort(error)) setProblem(problemFrom(error));
    } finally {
      if (controller.current === current) controller.current = null;
      setProgress(null);
    }
  }

  const uploading = progress !== null;
  return (
    <section className="card" aria-labelledby="upload-heading">
      <h2 id="upload-heading">{t('panel:backups.upload.title')}</h2>
      <p className="hint upload-intro">
        {limitBytes !== null ? t('panel:backups.upload.introLimit', { limit: formatBytes(limitBytes) }) : t('panel:backups.upload.intro')}
      </p>
      <form className="form upload-form" onSubmit={(event) => void upload(event)} noValidate>
        <div className="field">
          <label htmlFor={fileId}>{t('panel:backups.upload.file')}</label>
          <input
            ref={input}
            id={fileId}
            type="file"
            accept=".zst,.gz,.tar,.age"
            disabled={uploading}
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setProblem(null);
            }}
          />
        </div>
        {progress && (
          <ProgressView
            label={t('panel:backups.upload.progressLabel')}
            phase="upload"
            done={progress.sent}
            total={progress.total}
            unit="bytes"
            rate={progress.rate}
            running
          />
        )}
        <ErrorMessage problem={problem} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={uploading || busy}>
            {uploading ? t('panel:backups.upload.sending') : t('panel:backups.upload.submit')}
          </button>
          {uploading && (
            <button type="button" className="button button-quiet" onClick={() => controller.current?.abort()}>
              {t('panel:backups.upload.cancel')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

// ---------- Restore ----------

interface RestoreCardProps {
  target: RestoreTarget;
  busy: boolean;
  onStart: (request: RestoreRequest, dryRun: boolean) => Promise<void>;
  onCancel: () => void;
}

/**
 * A restore: what it replaces (said plainly), the choices (files too, the passphrase
 * of an encrypted archive), a dry run that changes nothing, and the restore itself
 * behind one more confirmation.
 */
function RestoreCard({ target, busy, onStart, onCancel }: RestoreCardProps) {
  const { t, i18n } = useTranslation();
  const passphraseId = useId();
  const filesId = useId();
  const card = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const listing = target.kind === 'archive' ? target.listing : null;
  const hasData = listing ? listing.data !== false : true;
  const encrypted = listing ? listing.encrypted : target.kind === 'upload' && target.fileName.endsWith('.age');
  const [includeData, setIncludeData] = useState(hasData);
  const [passphrase, setPassphrase] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const language = i18n.resolvedLanguage;

  // Opened: brought into view from its top (below the sticky bar), its heading focused, so a screen reader starts here.
  useEffect(() => {
    card.current?.scrollIntoView?.({ block: 'start' });
    heading.current?.focus({ preventScroll: true });
  }, []);

  async function run(dryRun: boolean) {
    if (encrypted && !passphrase) return setProblem({ key: 'panel:backups.restore.passphraseMissing' });
    setSubmitting(true);
    setProblem(null);
    try {
      await onStart(
        {
          ...(target.kind === 'archive' ? { name: target.listing.name } : { upload: target.upload }),
          ...(passphrase ? { passphrase } : {}),
          dryRun,
          includeData: hasData && includeData,
        },
        dryRun,
      );
      setConfirming(false);
    } catch (error) {
      setProblem(readable(problemFrom(error), language));
    } finally {
      setSubmitting(false);
    }
  }

  const title = listing
    ? t('panel:backups.restore.titleArchive', { date: formatDateTime(language, listing.createdAt) })
    : t('panel:backups.restore.titleUpload', { file: target.kind === 'upload' ? target.fileName : '' });
  const about = listing
    ? `${listing.name} · ${formatBytes(listing.size)}`
    : target.kind === 'upload'
      ? t('panel:backups.restore.uploaded', { size: formatBytes(target.size) })
      : '';
  const replacesFiles = hasData && includeData;
  const disabled = busy || submitting;

  return (
    <section ref={card} className="card restore-card" aria-labelledby="restore-heading">
      <h2 id="restore-heading" ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p className="hint backup-name">{about}</p>
      <div className="message message-warning restore-warning" role="note">
        <p>{t('panel:backups.restore.warningSettings')}</p>
        <p>{replacesFiles ? t('panel:backups.restore.warningFiles') : t('panel:backups.restore.keepsFiles')}</p>
        <p>{t('panel:backups.restore.warningPassword')}</p>
        <p>{t('panel:backups.restore.dryRunAdvice')}</p>
      </div>
      <form
        className="form restore-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void run(false);
        }}
      >
        <fieldset className="step" disabled={disabled}>
          <legend className="visually-hidden">{t('panel:backups.restore.options')}</legend>
          <div className="field">
            <label className="checkbox" htmlFor={filesId}>
              <input
                id={filesId}
                type="checkbox"
                checked={hasData && includeData}
                disabled={!hasData}
                onChange={(event) => {
                  setIncludeData(event.target.checked);
                  setConfirming(false);
                }}
              />
              <span>{t('panel:backups.restore.includeData')}</span>
            </label>
            <p className="hint">{hasData ? t('panel:backups.restore.includeDataHint') : t('panel:backups.restore.noDataInBackup')}</p>
          </div>
          {(encrypted || target.kind === 'upload') && (
            <div className="field">
              <label htmlFor={passphraseId}>{encrypted ? t('panel:backups.passphrase.label') : t('panel:backups.passphrase.labelOptional')}</label>
              <SecretInput id={passphraseId} value={passphrase} onChange={setPassphrase} aria-describedby={`${passphraseId}-hint`} />
              <p id={`${passphraseId}-hint`} className="hint">
                {t('panel:backups.passphrase.restoreHint')}
              </p>
            </div>
          )}
          <ErrorMessage problem={problem} />
          {!confirming ? (
            <div className="form-actions">
              <button type="button" className="button button-secondary" onClick={() => void run(true)}>
                {t('panel:backups.restore.dryRun')}
              </button>
              <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
                {t('panel:backups.restore.restore')}
              </button>
              <button type="button" className="button button-quiet" onClick={onCancel}>
                {t('panel:backups.restore.cancel')}
              </button>
            </div>
          ) : (
            <div className="restore-confirm" role="group" aria-labelledby="restore-confirm-text">
              <p id="restore-confirm-text" className="restore-confirm-text">
                {replacesFiles ? t('panel:backups.restore.confirmWithFiles') : t('panel:backups.restore.confirmSettings')}
              </p>
              <div className="form-actions">
                <button type="submit" className="button button-danger">
                  {t('panel:backups.restore.confirm')}
                </button>
                <button type="button" className="button button-quiet" onClick={() => setConfirming(false)}>
                  {t('panel:backups.restore.back')}
                </button>
              </div>
            </div>
          )}
          {busy && <p className="hint">{t('panel:backups.restore.waitForJob')}</p>}
        </fieldset>
      </form>
    </section>
  );
}

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const LockIcon = () => (
  <Icon>
    <rect x="5" y="11" width="14" height="10" rx="2" />
    <path d="M8 11V7a4 4 0 0 1 8 0v4" />
  </Icon>
);

const DownloadIcon = () => (
  <Icon>
    <path d="M12 4v11M7 10l5 5 5-5M5 20h14" />
  </Icon>
);
