import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { AppDetail, JobSummary } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { snapshotsApi, type SnapshotListing, type SnapshotStatus, type SnapshotsOverview } from '../api/snapshots';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobPage } from '../components/JobPage';
import { formatBytes } from '../format';
import { usePageJobs } from '../hooks/usePageJobs';
import { refreshPanelData } from '../hooks/usePanelRefresh';
import { formatDateTime } from '../jobs';
import '../apps.css';
import '../snapshots.css';

const snapshotsAppId = 'snapshots';
/** After a rollback's job: how often and how long the page asks whether Hearth is back. */
const restartPollMs = 1_000;
const restartPatienceMs = 90_000;

type Started = { kind: 'create' } | { kind: 'delete' } | { kind: 'rollback'; snapshot: SnapshotListing };

/**
 * Snapshots: how they are made on this box (Btrfs or copies) and the daily schedule,
 * Take a snapshot (with a label), the snapshots with their kind, date and size, Delete
 * (asked once more) and Roll back (its effects said plainly, the snapshot's name typed
 * to confirm). A rollback's job stages it; Hearth then restarts by itself, and the page
 * waits until it answers again and says how it ended.
 */
export function SnapshotsPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage;
  const jobs = usePageJobs<SnapshotsOverview, Started>({
    appId: snapshotsAppId,
    overviewKey: 'snapshots',
    loadOverview: (options) => snapshotsApi.overview(options),
    onEnded: (job, started) => tellEnd(job, started),
  });
  const { reloadAll, setOutcome, start } = jobs;
  const [rollbackTarget, setRollbackTarget] = useState<SnapshotListing | null>(null);
  const [restarting, setRestarting] = useState(false);

  /** After a rollback's job: Hearth restarts; ask until it answers with the rollback done. */
  function awaitRestart(snapshot: SnapshotListing) {
    setRestarting(true);
    setOutcome({ tone: 'info', text: t('snapshots:panel.outcome.restarting') });
    const deadline = Date.now() + restartPatienceMs;
    const ask = () => {
      snapshotsApi.overview({ background: true }).then(
        (answer) => {
          if (answer.status.pendingRollback === null) {
            setRestarting(false);
            setRollbackTarget(null);
            setOutcome({ tone: 'ok', text: t('snapshots:panel.outcome.rolledBack', { date: formatDateTime(language, snapshot.createdAt) }) });
            // Settings, apps and notifications are the snapshot's now: every page shown loads again.
            refreshPanelData();
            reloadAll();
          } else retry();
        },
        () => retry(),
      );
    };
    const retry = () => {
      if (Date.now() > deadline) {
        setRestarting(false);
        setOutcome({ tone: 'error', text: t('snapshots:panel.outcome.restartSlow') });
      } else window.setTimeout(ask, restartPollMs);
    };
    window.setTimeout(ask, restartPollMs);
  }

  function tellEnd(job: JobSummary, started: Started | undefined) {
    if (!started) return;
    const ok = job.status === 'succeeded';
    const reason = job.errorMessage ?? '';
    if (started.kind === 'create') setOutcome(ok ? { tone: 'ok', text: t('snapshots:panel.outcome.created') } : { tone: 'error', text: t('snapshots:panel.outcome.createFailed', { reason }) });
    else if (started.kind === 'delete') setOutcome(ok ? { tone: 'ok', text: t('snapshots:panel.outcome.deleted') } : { tone: 'error', text: t('snapshots:panel.outcome.deleteFailed', { reason }) });
    else if (ok) awaitRestart(started.snapshot);
    else setOutcome({ tone: 'error', text: t('snapshots:panel.outcome.rollbackFailed', { reason }) });
  }

  const running = restarting || jobs.running;
  const loaded = jobs.overview.data;
  const pending = loaded?.status.pendingRollback ? loaded.snapshots.find((s) => s.id === loaded.status.pendingRollback!.snapshotId) : undefined;

  return (
    <JobPage
      title={t('snapshots:panel.title')}
      appId={snapshotsAppId}
      settingsLabel={t('snapshots:panel.settingsLink')}
      intro={t('snapshots:panel.intro')}
      jobs={jobs}
      outcomeClassName="snapshots-outcome"
      markedOutcome
      showProblem={!restarting}
      actions={snapshotActions(t)}
      consoleEmpty={t('snapshots:panel.consoleEmpty')}
    >
      {(data) => (
        <>
          {pending && !restarting && (
            <p className="message message-warning snapshots-pending" role="note">
              {t('snapshots:panel.pending', { date: formatDateTime(language, pending.createdAt) })}
            </p>
          )}
          <StatusCard status={data.status} />
          <TakeSnapshot busy={running} onStart={(label) => start({ kind: 'create' }, () => snapshotsApi.create(label))} />
          <SnapshotList
            snapshots={data.snapshots}
            busy={running}
            chosen={rollbackTarget?.id ?? null}
            onDelete={(snapshot) => start({ kind: 'delete' }, () => snapshotsApi.remove(snapshot.id))}
            onRollback={(snapshot) => {
              setOutcome(null);
              setRollbackTarget(snapshot);
            }}
          />
          {rollbackTarget && (
            <RollbackCard
              key={rollbackTarget.id}
              snapshot={rollbackTarget}
              busy={running}
              onStart={(confirm) => start({ kind: 'rollback', snapshot: rollbackTarget }, () => snapshotsApi.rollback(rollbackTarget.id, confirm))}
              onCancel={() => setRollbackTarget(null)}
            />
          )}
        </>
      )}
    </JobPage>
  );
}

/** The jobs of the Snapshots app, by action, as the console and Last runs name them. */
function snapshotActions(t: TFunction): AppDetail['actions'] {
  return ['create', 'delete', 'rollback', 'rollback-reapply', 'prune', 'apply'].map((id) => ({ id, label: t(`snapshots:panel.action.${id}`) }));
}

/** The box names the job holding the lock and its start as an ISO time: the owner reads a local time. */
function readable(problem: Problem, language: string | undefined): Problem {
  if (typeof problem.params?.since !== 'string') return problem;
  return { ...problem, params: { ...problem.params, since: formatDateTime(language, problem.params.since) } };
}

// ---------- How they are made ----------

function StatusCard({ status }: { status: SnapshotStatus }) {
  const { t } = useTranslation();
  const { settings } = status;
  return (
    <section className="card" aria-labelledby="snapshot-status-heading">
      <h2 id="snapshot-status-heading">{t('snapshots:panel.status.title')}</h2>
      <dl className="facts snapshot-facts">
        <div>
          <dt>{t('snapshots:panel.status.driver')}</dt>
          <dd data-driver={status.driver}>{t(`snapshots:panel.status.${status.driver}`)}</dd>
        </div>
        <div>
          <dt>{t('snapshots:panel.status.fileSystem')}</dt>
          <dd>{status.fileSystem}</dd>
        </div>
        <div>
          <dt>{t('snapshots:panel.status.daily')}</dt>
          <dd>{settings.autoSnapshot ? t('snapshots:panel.status.dailyOn', { time: settings.snapshotTime, keep: settings.keepScheduled }) : t('snapshots:panel.status.dailyOff')}</dd>
        </div>
      </dl>
      {status.notSubvolume && <p className="hint">{t('snapshots:panel.status.notSubvolume')}</p>}
    </section>
  );
}

// ---------- Take a snapshot ----------

function TakeSnapshot({ busy, onStart }: { busy: boolean; onStart: (label: string) => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const labelId = useId();
  const [label, setLabel] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    setProblem(null);
    try {
      await onStart(label.trim());
      setLabel('');
    } catch (error) {
      setProblem(readable(problemFrom(error), i18n.resolvedLanguage));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <section className="card" aria-labelledby="snapshot-take-heading">
      <h2 id="snapshot-take-heading">{t('snapshots:panel.create.title')}</h2>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <fieldset className="step" disabled={busy || submitting}>
          <div className="field">
            <label htmlFor={labelId}>{t('snapshots:panel.create.label')}</label>
            <input id={labelId} type="text" value={label} maxLength={80} onChange={(event) => setLabel(event.target.value)} aria-describedby={`${labelId}-hint`} />
            <p id={`${labelId}-hint`} className="hint">
              {t('snapshots:panel.create.hint')}
            </p>
          </div>
          <ErrorMessage problem={problem} />
          <div className="form-actions">
            <button type="submit" className="button button-primary">
              {busy || submitting ? t('snapshots:panel.busy') : t('snapshots:panel.create.submit')}
            </button>
          </div>
        </fieldset>
      </form>
    </section>
  );
}

// ---------- The snapshots ----------

interface SnapshotListProps {
  snapshots: readonly SnapshotListing[];
  busy: boolean;
  chosen: string | null;
  onDelete: (snapshot: SnapshotListing) => Promise<void>;
  onRollback: (snapshot: SnapshotListing) => void;
}

function SnapshotList({ snapshots, busy, chosen, onDelete, onRollback }: SnapshotListProps) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="snapshot-list-heading">
      <h2 id="snapshot-list-heading">{t('snapshots:panel.list.title')}</h2>
      {snapshots.length === 0 ? (
        <p className="muted">{t('snapshots:panel.list.empty')}</p>
      ) : (
        <ul className="job-page-list">
          {snapshots.map((snapshot) => (
            <li key={snapshot.id}>
              <SnapshotItem snapshot={snapshot} all={snapshots} busy={busy} chosen={chosen === snapshot.id} onDelete={onDelete} onRollback={onRollback} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface SnapshotItemProps {
  snapshot: SnapshotListing;
  all: readonly SnapshotListing[];
  busy: boolean;
  chosen: boolean;
  onDelete: (snapshot: SnapshotListing) => Promise<void>;
  onRollback: (snapshot: SnapshotListing) => void;
}

function SnapshotItem({ snapshot, all, busy, chosen, onDelete, onRollback }: SnapshotItemProps) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage;
  const headingId = useId();
  const [asking, setAsking] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function remove() {
    setSubmitting(true);
    setProblem(null);
    try {
      await onDelete(snapshot);
      setAsking(false);
    } catch (error) {
      setProblem(readable(problemFrom(error), language));
    } finally {
      setSubmitting(false);
    }
  }

  const target = snapshot.rolledBackTo ? all.find((s) => s.id === snapshot.rolledBackTo) : undefined;
  const about =
    snapshot.reason === 'pre-rollback'
      ? target
        ? t('snapshots:panel.list.preRollback', { date: formatDateTime(language, target.createdAt) })
        : t('snapshots:panel.list.preRollbackGone')
      : snapshot.label;
  return (
    <article className="job-page-item" aria-labelledby={headingId} data-chosen={chosen} data-reason={snapshot.reason}>
      <div className="job-page-item-summary">
        <h3 id={headingId} className="job-page-item-date">
          <time dateTime={snapshot.createdAt}>{formatDateTime(language, snapshot.createdAt)}</time>
        </h3>
        <p className="job-page-item-facts">
          <span className="tag snapshot-kind">{t(`snapshots:panel.kind.${snapshot.reason}`)}</span>
          <span className="job-page-item-size">{snapshot.sizeBytes === null ? t('snapshots:panel.list.shared') : formatBytes(snapshot.sizeBytes)}</span>
          {snapshot.rollbackPending && <span className="tag snapshot-pending">{t('snapshots:panel.list.pending')}</span>}
        </p>
        {about && <p className="snapshot-label">{about}</p>}
        <p className="snapshot-id">{snapshot.id}</p>
      </div>
      <div className="job-page-item-actions">
        <button type="button" className="button button-secondary" disabled={busy || snapshot.rollbackPending} onClick={() => onRollback(snapshot)}>
          {t('snapshots:panel.list.rollback')}
        </button>
        <button type="button" className="button button-quiet" disabled={busy || submitting} aria-expanded={asking} onClick={() => setAsking((open) => !open)}>
          {t('snapshots:panel.list.delete')}
        </button>
      </div>
      {asking && (
        <div className="snapshot-delete" role="group" aria-labelledby={`${headingId}-delete`}>
          <p id={`${headingId}-delete`}>{t('snapshots:panel.delete.question')}</p>
          <div className="form-actions">
            <button type="button" className="button button-danger" disabled={busy || submitting} onClick={() => void remove()}>
              {t('snapshots:panel.delete.confirm')}
            </button>
            <button type="button" className="button button-quiet" onClick={() => setAsking(false)}>
              {t('snapshots:panel.cancel')}
            </button>
          </div>
        </div>
      )}
      <ErrorMessage problem={problem} />
    </article>
  );
}

// ---------- Roll back ----------

interface RollbackCardProps {
  snapshot: SnapshotListing;
  busy: boolean;
  onStart: (confirm: string) => Promise<void>;
  onCancel: () => void;
}

/** What a rollback does, said plainly, and the snapshot's name typed to confirm it. */
function RollbackCard({ snapshot, busy, onStart, onCancel }: RollbackCardProps) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage;
  const typedId = useId();
  const card = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const [typed, setTyped] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    card.current?.scrollIntoView?.({ block: 'start' });
    heading.current?.focus({ preventScroll: true });
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    setProblem(null);
    try {
      await onStart(typed.trim());
    } catch (error) {
      setProblem(readable(problemFrom(error), language));
    } finally {
      setSubmitting(false);
    }
  }

  const matches = typed.trim() === snapshot.id;
  return (
    <section ref={card} className="card rollback-card" aria-labelledby="rollback-heading">
      <h2 id="rollback-heading" ref={heading} tabIndex={-1}>
        {t('snapshots:panel.rollback.title', { date: formatDateTime(language, snapshot.createdAt) })}
      </h2>
      <div className="message message-warning" role="note">
        <p>{t('snapshots:panel.rollback.whatChanges')}</p>
        <p>{t('snapshots:panel.rollback.whatStays')}</p>
        <p>{t('snapshots:panel.rollback.undo')}</p>
        <p>{t('snapshots:panel.rollback.restart')}</p>
      </div>
      <form className="form" noValidate onSubmit={(event) => void submit(event)}>
        <fieldset className="step" disabled={busy || submitting}>
          <div className="field">
            <label htmlFor={typedId}>{t('snapshots:panel.rollback.typeLabel', { id: snapshot.id })}</label>
            <input id={typedId} type="text" autoComplete="off" spellCheck={false} value={typed} onChange={(event) => setTyped(event.target.value)} />
          </div>
          <ErrorMessage problem={problem} />
          <div className="form-actions">
            <button type="submit" className="button button-danger" disabled={!matches}>
              {busy || submitting ? t('snapshots:panel.busy') : t('snapshots:panel.rollback.submit')}
            </button>
            <button type="button" className="button button-quiet" onClick={onCancel}>
              {t('snapshots:panel.cancel')}
            </button>
          </div>
        </fieldset>
      </form>
    </section>
  );
}
