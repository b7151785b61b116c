import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useWatchdog } from '../hooks/useWatchdog';

type Tone = 'warning' | 'ok' | 'danger';

/**
 * The change that could lock the owner out (panel access), on every page while it
 * waits: "keep this change? It will be undone by itself in N s", Keep it and Undo now.
 * Then what became of it: kept, being undone, undone — and, if this page can no longer
 * reach the box since the change, that it will be undone by itself and the page will
 * work again then. Changes are announced once in a live region, not every second.
 */
export function WatchdogBanner() {
  const { t } = useTranslation();
  const { state, secondsLeft, keep, undo, dismiss } = useWatchdog();
  const { status, change, unreachable, problem, undoFailedJob } = state;
  const app = change?.appName ?? '';

  let tone: Tone = 'warning';
  let text = '';
  let announcement = '';
  let busy = false;
  let actions: ReactNode = null;
  const notes: ReactNode[] = [];
  const logLink = change ? (
    <Link href={`/apps/${encodeURIComponent(change.appId)}`} className="watchdog-link">
      {t('panel:watchdog.showLog')}
    </Link>
  ) : null;
  const close = (
    <button type="button" className="button button-quiet" onClick={dismiss}>
      {t('panel:watchdog.close')}
    </button>
  );

  if (unreachable) {
    tone = 'danger';
    busy = true;
    text = !change
      ? t('panel:watchdog.lockedOutUnknown')
      : secondsLeft > 0 && status === 'pending'
        ? t('panel:watchdog.lockedOutIn', { app, seconds: secondsLeft })
        : t('panel:watchdog.lockedOut', { app });
    announcement = change ? t('panel:watchdog.lockedOut', { app }) : text;
    if (unreachable.problem) notes.push(t('panel:watchdog.lockedOutReason', { reason: t(unreachable.problem.key, unreachable.problem.params ?? {}) }));
    notes.push(t('panel:watchdog.lockedOutSsh'));
  } else if (status === 'pending' || status === 'keeping') {
    text = t('panel:watchdog.pending', { app, seconds: secondsLeft });
    announcement = t('panel:watchdog.pending', { app, seconds: change?.secondsLeft ?? secondsLeft });
    if (problem) notes.push(t(problem.key, problem.params ?? {}));
    if (undoFailedJob !== null) notes.push(<>{t('panel:watchdog.undoFailed')} {logLink}</>);
    actions = (
      <>
        <button type="button" className="button button-primary" onClick={() => void keep()} disabled={status === 'keeping'}>
          {status === 'keeping' ? t('panel:watchdog.keeping') : t('panel:watchdog.keep')}
        </button>
        <button type="button" className="button button-secondary" onClick={() => void undo()} disabled={status === 'keeping'}>
          {t('panel:watchdog.undo')}
        </button>
      </>
    );
  } else if (status === 'undoing') {
    busy = true;
    text = state.byItself ? t('panel:watchdog.undoingByItself', { app }) : t('panel:watchdog.undoing', { app });
    announcement = text;
  } else if (status === 'kept') {
    tone = 'ok';
    text = t('panel:watchdog.kept', { app });
    announcement = text;
  } else if (status === 'undone') {
    tone = 'ok';
    text = change ? (state.byItself ? t('panel:watchdog.undoneByItself', { app }) : t('panel:watchdog.undone', { app })) : t('panel:watchdog.back');
    announcement = text;
    actions = (
      <>
        {logLink}
        {close}
      </>
    );
  } else if (status === 'gone') {
    text = t('panel:watchdog.gone', { app });
    announcement = text;
    actions = (
      <>
        {logLink}
        {close}
      </>
    );
  }

  return (
    <>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {text && (
        <section className="watchdog" data-tone={tone} data-status={unreachable ? 'unreachable' : status} aria-label={t('panel:watchdog.label')}>
          <div className="watchdog-inner">
            <div className="watchdog-message">
              <p className="watchdog-text">
                {busy && <span className="spinner" aria-hidden="true" />}
                <span>{text}</span>
              </p>
              {notes.map((note, index) => (
                <p key={index} className="watchdog-note">
                  {note}
                </p>
              ))}
            </div>
            {actions && <div className="watchdog-actions">{actions}</div>}
          </div>
        </section>
      )}
    </>
  );
}
