import { useEffect, useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { api, type SessionInfo } from '../api/endpoints';
import { problemFrom, throttleSeconds, type Problem } from '../api/problems';
import { ErrorMessage } from '../components/ErrorMessage';
import { TextField } from '../components/TextField';
import { useCountdown } from '../hooks/useCountdown';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { backInAfterRestore, restoreNotice } from '../restore-notice';

interface Props {
  onLoggedIn: (session: SessionInfo) => void;
  /** The box is not activated (it was reset): the app reloads its state and shows Activate. */
  onNotActivated: () => void;
}

/** The one owner account is "admin"; after too many wrong passwords the box asks to wait. */
export function LoginPage({ onLoggedIn, onNotActivated }: Props) {
  const { t } = useTranslation();
  useDocumentTitle(t('panel:login.title'));
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const countdown = useCountdown();
  // A restore started from this panel ended the session: say so, and why the password may differ.
  const [afterRestore] = useState(() => restoreNotice() !== null);

  // A backup made before the box was activated leaves it not activated: Activate, not Log in.
  useEffect(() => {
    if (!afterRestore) return;
    const controller = new AbortController();
    api.activationStatus({ signal: controller.signal }).then(
      (status) => {
        if (!status.activated) onNotActivated();
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [afterRestore, onNotActivated]);

  // The wait is over: the "try again in N seconds" message has done its job.
  useEffect(() => {
    if (!countdown.running && problem && throttleSeconds(problem)) setProblem(null);
  }, [countdown.running, problem]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!password) return setProblem({ key: 'panel:login.passwordMissing' });
    setProblem(null);
    setBusy(true);
    try {
      const session = await api.login(username.trim() || 'admin', password);
      backInAfterRestore();
      onLoggedIn(session);
    } catch (error) {
      const found = problemFrom(error);
      if (found.code === 'HEARTH_ERR_NOT_ACTIVATED') return onNotActivated();
      const wait = throttleSeconds(found);
      if (wait) countdown.start(wait);
      setProblem(found);
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>{t('panel:login.title')}</h1>
      <p className="lead">{t('panel:login.intro')}</p>
      {afterRestore && (
        <p className="message message-warning restore-notice" role="note">
          {t('panel:login.afterRestore')}
        </p>
      )}
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label={t('panel:login.username')}
          name="username"
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <TextField
          label={t('panel:login.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <ErrorMessage problem={problem} {...(countdown.running ? { secondsLeft: countdown.remaining } : {})} />
        <button type="submit" className="button button-primary button-block" disabled={busy || countdown.running}>
          {busy ? t('panel:login.submitting') : t('panel:login.submit')}
        </button>
      </form>
      <p className="hint forgot">
        <Trans i18nKey="panel:login.forgotPassword" components={{ code: <code /> }} />
      </p>
    </>
  );
}
