import { useCallback, useState, type ReactNode } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { AppDetail, JobSummary } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { updatesApi, type CheckInfo, type HeldBackInfo, type HistoryInfo, type UpdatesOverview } from '../api/updates';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobPage } from '../components/JobPage';
import { formatBytes } from '../format';
import { usePageJobs } from '../hooks/usePageJobs';
import { formatDateTime } from '../jobs';
import '../apps.css';
import '../updates.css';

const updatesAppId = 'updates';

/**
 * Updates: the running version, what the channel offers with its notes in the panel's
 * language, when it was last checked (Check now), Update now with the job's live log and
 * progress, why an automatic update is not installing (soak time, rollout, breaking, no
 * safe point, paused after a failure, clock), the automatic runs, and the history of
 * updates and rollbacks with their reports. The settings are the Updates app's.
 */
export function UpdatesPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage;
  // Every job started here is an update: its end is told the same way.
  const jobs = usePageJobs<UpdatesOverview, 'update'>({
    appId: updatesAppId,
    overviewKey: 'updates',
    loadOverview: (options) => updatesApi.overview(options),
    onEnded: (job, started) => tellEnd(job, started),
  });
  const { reloadAll, setOutcome, start, running } = jobs;

  function tellEnd(job: JobSummary, started: 'update' | undefined) {
    if (!started) return;
    setOutcome(
      job.status === 'succeeded'
        ? { tone: 'ok', text: t('panel:updates.outcome.done') }
        : { tone: 'error', text: t('panel:updates.outcome.failed', { reason: job.errorMessage ?? '' }) },
    );
  }
  const startUpdate = useCallback((request: { version?: string; allowBreaking?: boolean }) => start('update', () => updatesApi.start(request)), [start]);

  return (
    <JobPage
      title={t('panel:nav.updates')}
      appId={updatesAppId}
      settingsLabel={t('panel:updates.settingsLink')}
      intro={t('panel:updates.intro')}
      jobs={jobs}
      mainClassName="updates-main"
      actions={updateActions(t)}
      consoleEmpty={t('panel:updates.consoleEmpty')}
    >
      {(data) => (
        <>
          <VersionCard data={data} language={language} busy={running} onChecked={reloadAll} onUpdate={startUpdate} />
          <AutomaticCard data={data} language={language} busy={running} onChanged={reloadAll} onUpdate={startUpdate} />
          <HistoryCard history={data.history} language={language} />
        </>
      )}
    </JobPage>
  );
}

/** The jobs of the Updates app, by action, as the console and Last runs name them. */
function updateActions(t: TFunction): AppDetail['actions'] {
  return [
    { id: 'update', label: t('panel:updates.action.update') },
    { id: 'os-upgrade', label: t('panel:updates.action.osUpgrade') },
    { id: 'apply', label: t('panel:updates.action.apply') },
  ];
}

function channelText(t: TFunction, channel: UpdatesOverview['channel']): string {
  const name = t(`panel:updates.channel.${channel.kind}`, { defaultValue: channel.kind });
  return channel.url ? t('panel:updates.version.channel', { name, url: channel.url }) : t('panel:updates.version.channelNone', { name });
}

/** A release's notes: plain text, kept as written (line breaks included). */
function Notes({ text, label }: { text: string; label: string }) {
  if (!text) return null;
  return (
    <blockquote className="release-notes" aria-label={label}>
      {text}
    </blockquote>
  );
}

// ---------- The running version, the channel, Check now, Update now ----------

interface VersionCardProps {
  data: UpdatesOverview;
  language: string | undefined;
  busy: boolean;
  onChecked: () => void;
  onUpdate: (request: { version?: string; allowBreaking?: boolean }) => Promise<void>;
}

function VersionCard({ data, language, busy, onChecked, onUpdate }: VersionCardProps) {
  const { t } = useTranslation();
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const check: CheckInfo | null = data.lastCheck;

  async function checkNow() {
    setChecking(true);
    setProblem(null);
    try {
      await updatesApi.check();
      onChecked();
    } catch (error) {
      setProblem(problemFrom(error));
    } finally {
      setChecking(false);
    }
  }

  return (
    <section className="card" aria-labelledby="version-heading">
      <h2 id="version-heading">{t('panel:updates.version.title')}</h2>
      <dl className="facts update-facts">
        <div>
          <dt>{t('panel:updates.version.running')}</dt>
          <dd className="update-current">{data.current}</dd>
        </div>
        <div>
          <dt>{t('panel:updates.version.lastCheck')}</dt>
          <dd>
            {check ? formatDateTime(language, check.at) : t('panel:updates.version.never')}{' '}
            <button type="button" className="link-button" disabled={checking} onClick={() => void checkNow()}>
              {checking ? t('panel:updates.version.checking') : t('panel:updates.version.checkNow')}
            </button>
          </dd>
        </div>
        <div className="update-channel">
          <dt>{t('panel:updates.version.channelLabel')}</dt>
          <dd>{channelText(t, check?.channel ?? data.channel)}</dd>
        </div>
      </dl>
      <ErrorMessage problem={problem} />
      {!data.installed && <p className="message message-info">{t('panel:updates.version.notInstalled')}</p>}
      {data.inProgress && (
        <p className="message message-info">{t('panel:updates.version.inProgress', { version: data.inProgress.to ?? '?', phase: data.inProgress.phaseText })}</p>
      )}
      {check?.error && (
        <p className="message message-error update-check-error" role="alert" data-code={check.error.code}>
          {check.error.message}
        </p>
      )}
      {check && !check.error && (check.available ? <Available check={check} data={data} busy={busy} onUpdate={onUpdate} /> : <p className="update-none">{check.reasonText}</p>)}
    </section>
  );
}

function Available({ check, data, busy, onUpdate }: { check: CheckInfo; data: UpdatesOverview; busy: boolean; onUpdate: VersionCardProps['onUpdate'] }) {
  const { t, i18n } = useTranslation();
  const available = check.available!;
  const [confirming, setConfirming] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function install() {
    setSubmitting(true);
    setProblem(null);
    try {
      await onUpdate({ version: available.version });
      setConfirming(false);
    } catch (error) {
      setProblem(problemFrom(error));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <div className="update-available">
      <p className="update-available-title">
        <strong>{t('panel:updates.version.available', { version: available.version })}</strong>{' '}
        <span className="hint">{t('panel:updates.version.published', { date: formatDateTime(i18n.resolvedLanguage, available.publishedAt), size: formatBytes(available.size) })}</span>
      </p>
      {available.intermediate && check.latest && <p className="hint">{t('panel:updates.version.intermediate', { latest: check.latest.version })}</p>}
      {available.bad && <p className="message message-warning">{t('panel:updates.version.bad', { version: available.version })}</p>}
      <Notes text={available.notes} label={t('panel:updates.version.notesLabel', { version: available.version })} />
      <ErrorMessage problem={problem} />
      {!confirming ? (
        <div className="form-actions">
          <button type="button" className="button button-primary" disabled={busy || !data.installed} onClick={() => setConfirming(true)}>
            {busy ? t('panel:updates.busy') : t('panel:updates.version.updateNow')}
          </button>
        </div>
      ) : (
        <div className="update-confirm" role="group" aria-label={t('panel:updates.version.confirmTitle', { version: available.version })}>
          <p>{t('panel:updates.version.confirm', { version: available.version, current: data.current })}</p>
          <div className="form-actions">
            <button type="button" className="button button-primary" disabled={busy || submitting} onClick={() => void install()}>
              {t('panel:updates.version.install', { version: available.version })}
            </button>
            <button type="button" className="button button-quiet" disabled={submitting} onClick={() => setConfirming(false)}>
              {t('panel:updates.cancel')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

// ---------- Automatic updates: when, and why not ----------

interface AutomaticCardProps {
  data: UpdatesOverview;
  language: string | undefined;
  busy: boolean;
  onChanged: () => void;
  onUpdate: VersionCardProps['onUpdate'];
}

/** Why an automatic update waits, in the panel's words, times in the reader's zone. */
function blockerText(t: TFunction, language: string | undefined, blocker: NonNullable<UpdatesOverview['blocker']>): string {
  const date = blocker.at ? formatDateTime(language, blocker.at) : '';
  if (blocker.reason === 'paused-after-failure' || blocker.reason === 'backup-failed' || blocker.reason === 'no-fresh-backup') {
    return t(`panel:updates.reason.${blocker.reason}`, { version: blocker.version ?? '', date });
  }
  return blocker.message;
}

function heldBackText(t: TFunction, language: string | undefined, item: HeldBackInfo, soakHours: number): string {
  if (item.reason === 'soak' && item.until) return t('panel:updates.reason.soak', { version: item.version, date: formatDateTime(language, item.until), hours: soakHours });
  return item.message;
}

function windowEnd(start: string, hours: number): string {
  const minutes = (Number(start.slice(0, 2)) * 60 + Number(start.slice(3, 5)) + hours * 60) % 1440;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function AutomaticCard({ data, language, busy, onChanged, onUpdate }: AutomaticCardProps) {
  const { t } = useTranslation();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [acknowledging, setAcknowledging] = useState(false);
  const heldBack = data.lastCheck && !data.lastCheck.error ? data.lastCheck.unattended.heldBack : [];
  const unattendedVersion = data.lastCheck && !data.lastCheck.error ? data.lastCheck.unattended.version : null;

  async function acknowledge() {
    setAcknowledging(true);
    setProblem(null);
    try {
      await updatesApi.acknowledge();
      onChanged();
    } catch (error) {
      setProblem(problemFrom(error));
    } finally {
      setAcknowledging(false);
    }
  }

  const reasons: ReactNode[] = [];
  if (data.blocker) {
    reasons.push(
      <li key="blocker" className="update-reason" data-reason={data.blocker.reason}>
        {blockerText(t, language, data.blocker)}
        {data.paused && (
          <>
            {' '}
            <button type="button" className="button button-secondary update-acknowledge" disabled={acknowledging} onClick={() => void acknowledge()}>
              {t('panel:updates.auto.acknowledge')}
            </button>
          </>
        )}
      </li>,
    );
  }
  for (const item of heldBack) {
    reasons.push(<HeldBack key={`held-${item.version}`} item={item} text={heldBackText(t, language, item, data.policy.soakHours)} data={data} busy={busy} onUpdate={onUpdate} />);
  }

  return (
    <section className="card" aria-labelledby="auto-heading">
      <h2 id="auto-heading">{t('panel:updates.auto.title')}</h2>
      <dl className="facts update-facts">
        <div>
          <dt>{t('panel:updates.auto.state')}</dt>
          <dd data-on={data.autoUpdate}>{data.autoUpdate ? t('panel:updates.auto.on') : t('panel:updates.auto.off')}</dd>
        </div>
        <div>
          <dt>{t('panel:updates.auto.window')}</dt>
          <dd>{t('panel:updates.auto.windowText', { start: data.window.start, end: windowEnd(data.window.start, data.window.hours), hours: data.window.hours })}</dd>
        </div>
        {data.autoUpdate && data.nextRunAt && (
          <div>
            <dt>{t('panel:updates.auto.nextRun')}</dt>
            <dd>{formatDateTime(language, data.nextRunAt)}</dd>
          </div>
        )}
        <div className="update-guards">
          <dt>{t('panel:updates.auto.guards')}</dt>
          <dd>
            {[
              data.policy.canary ? t('panel:updates.auto.canary') : t('panel:updates.auto.soak', { hours: data.policy.soakHours, cohort: data.cohort }),
              ...(data.policy.requireFreshBackup ? [t('panel:updates.auto.safePoint')] : []),
              ...(data.policy.pauseAfterFailure ? [t('panel:updates.auto.pause')] : []),
              ...(data.osPackages ? [t('panel:updates.auto.osPackages')] : []),
            ].join(' · ')}
          </dd>
        </div>
      </dl>
      <ErrorMessage problem={problem} />
      {data.autoUpdate && (
        <>
          <h3 className="update-subheading">{t('panel:updates.auto.whyTitle')}</h3>
          {unattendedVersion && !data.blocker && <p className="update-will-install">{t('panel:updates.auto.willInstall', { version: unattendedVersion })}</p>}
          {reasons.length > 0 ? (
            <ul className="update-reasons">{reasons}</ul>
          ) : (
            !unattendedVersion && <p className="muted update-no-reason">{data.lastCheck ? t('panel:updates.auto.nothingHeld') : t('panel:updates.auto.notChecked')}</p>
          )}
          {data.snapshotFirst && !data.blocker && <p className="hint">{t('panel:updates.auto.snapshotFirst')}</p>}
        </>
      )}
      {data.lastRun && (
        <p className="update-last-run" data-outcome={data.lastRun.outcome}>
          <span className="hint">{t('panel:updates.auto.lastRun', { date: formatDateTime(language, data.lastRun.at) })}</span> {data.lastRun.message}
        </p>
      )}
    </section>
  );
}

/** A release held back from automatic updates, why, and — for one that changes how the box works — the owner's own way to install it. */
function HeldBack({ item, text, data, busy, onUpdate }: { item: HeldBackInfo; text: string; data: UpdatesOverview; busy: boolean; onUpdate: VersionCardProps['onUpdate'] }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [agreed, setAgreed] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function install() {
    setProblem(null);
    try {
      await onUpdate({ allowBreaking: true });
      setOpen(false);
    } catch (error) {
      setProblem(problemFrom(error));
    }
  }

  return (
    <li className="update-reason" data-reason={item.reason}>
      {text}
      {item.reason === 'breaking' && (
        <div className="update-breaking">
          <Notes text={item.notes} label={t('panel:updates.version.notesLabel', { version: item.version })} />
          {!open ? (
            <button type="button" className="button button-secondary" disabled={busy || !data.installed} onClick={() => setOpen(true)}>
              {t('panel:updates.auto.breakingInstall', { version: item.version })}
            </button>
          ) : (
            <div className="update-confirm">
              <label className="checkbox">
                <input type="checkbox" checked={agreed} onChange={(event) => setAgreed(event.target.checked)} />
                <span>{t('panel:updates.auto.breakingAgree', { version: item.version })}</span>
              </label>
              <ErrorMessage problem={problem} />
              <div className="form-actions">
                <button type="button" className="button button-primary" disabled={!agreed || busy} onClick={() => void install()}>
                  {t('panel:updates.version.install', { version: item.version })}
                </button>
                <button type="button" className="button button-quiet" onClick={() => setOpen(false)}>
                  {t('panel:updates.cancel')}
                </button>
              </div>
            </div>
          )}
        </div>
      )}
    </li>
  );
}

// ---------- History ----------

function HistoryCard({ history, language }: { history: readonly HistoryInfo[]; language: string | undefined }) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">{t('panel:updates.history.title')}</h2>
      {history.length === 0 ? (
        <p className="muted">{t('panel:updates.history.empty')}</p>
      ) : (
        <ol className="update-history">
          {history.map((entry) => (
            <li key={entry.id} className="update-entry" data-result={entry.result}>
              <p className="update-entry-head">
                <strong>{t(`panel:updates.history.result.${entry.result}`, { from: entry.from, to: entry.to ?? '?', defaultValue: entry.result })}</strong>{' '}
                <span className="hint">{formatDateTime(language, entry.endedAt)}</span>
              </p>
              {entry.result !== 'updated' && (
                <dl className="update-report">
                  {entry.phaseText && (
                    <div>
                      <dt>{t('panel:updates.history.phase')}</dt>
                      <dd>{entry.phaseText}</dd>
                    </div>
                  )}
                  {entry.error && (
                    <div>
                      <dt>{t('panel:updates.history.why')}</dt>
                      <dd>{entry.error.message}</dd>
                    </div>
                  )}
                  {entry.detail && (
                    <div>
                      <dt>{t('panel:updates.history.detail')}</dt>
                      <dd>
                        <code className="update-detail">{entry.detail}</code>
                      </dd>
                    </div>
                  )}
                  {entry.snapshotId && entry.result === 'rolled-back' && (
                    <div>
                      <dt>{t('panel:updates.history.state')}</dt>
                      <dd>{t('panel:updates.history.stateRestored', { id: entry.snapshotId })}</dd>
                    </div>
                  )}
                </dl>
              )}
              {entry.log && (
                <details className="update-log">
                  <summary>{t('panel:updates.history.log')}</summary>
                  <pre tabIndex={0}>{entry.log}</pre>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
