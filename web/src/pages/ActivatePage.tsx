import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { isAbort } from '../api/client';
import { api, type SessionInfo } from '../api/endpoints';
import { problemFrom, throttleSeconds, type Problem } from '../api/problems';
import { ErrorMessage } from '../components/ErrorMessage';
import { PassphraseField } from '../components/PassphraseField';
import { TextField } from '../components/TextField';
import { useCountdown } from '../hooks/useCountdown';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { backInAfterRestore, restoreNotice } from '../restore-notice';

interface Props {
  clientOnLan: boolean;
  onActivated: (session: SessionInfo) => void;
  /** Someone activated the box meanwhile: the app reloads its state and shows the login. */
  onAlreadyActivated: () => void;
}

type PasswordChoice = 'proposed' | 'own';

/** First run: the setup code proves the owner is at the box; then the password is chosen. */
export function ActivatePage({ clientOnLan, onActivated, onAlreadyActivated }: Props) {
  const { t } = useTranslation();
  useDocumentTitle(t('panel:activate.title'));

  const [setupCode, setSetupCode] = useState('');
  const [choice, setChoice] = useState<PasswordChoice>('proposed');
  const [ownPassword, setOwnPassword] = useState('');
  const [repeatPassword, setRepeatPassword] = useState('');
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const countdown = useCountdown();
  // A restore started from this panel put back a box that was not yet activated.
  const [afterRestore] = useState(() => restoreNotice() !== null);
  const { passphrase, passphraseProblem, generating, generateAnother } = useProposedPassphrase(onAlreadyActivated);

  useEffect(() => {
    if (!countdown.running && problem && throttleSeconds(problem)) setProblem(null);
  }, [countdown.running, problem]);

  function pickChoice(next: PasswordChoice) {
    setChoice(next);
    setProblem(null);
  }

  function anotherPassphrase() {
    setSaved(false);
    generateAnother();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    if (!setupCode.trim()) return setProblem({ key: 'panel:activate.errors.setupCodeMissing' });
    let password: string;
    if (choice === 'proposed') {
      if (!passphrase) return setProblem(passphraseProblem ?? { key: 'panel:activate.errors.noPassphrase' });
      if (!saved) return setProblem({ key: 'panel:activate.errors.confirmSaved' });
      password = passphrase;
    } else {
      if (!ownPassword) return setProblem({ key: 'panel:activate.errors.passwordMissing' });
      if (ownPassword !== repeatPassword) return setProblem({ key: 'errors:HEARTH_ERR_PASSWORD_MISMATCH', code: 'HEARTH_ERR_PASSWORD_MISMATCH' });
      password = ownPassword;
    }

    setBusy(true);
    try {
      const session = await api.activate(setupCode.trim(), password);
      backInAfterRestore();
      onActivated(session);
    } catch (error) {
      const found = problemFrom(error);
      if (found.code === 'HEARTH_ERR_ALREADY_ACTIVATED') return onAlreadyActivated();
      const wait = throttleSeconds(found);
      if (wait) countdown.start(wait);
      setProblem(found);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>{t('panel:activate.title')}</h1>
      <p className="lead">{t('panel:activate.intro')}</p>
      {afterRestore && (
        <p className="message message-warning restore-notice" role="note">
          <Trans i18nKey="panel:activate.afterRestore" components={{ code: <code /> }} />
        </p>
      )}
      {!clientOnLan && (
        <p className="message message-warning" role="note">
          {t('panel:activate.notOnLan')}
        </p>
      )}

      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <fieldset className="step">
          <legend>{t('panel:activate.stepCode')}</legend>
          <TextField
            label={t('panel:activate.setupCodeLabel')}
            hint={<Trans i18nKey="panel:activate.setupCodeHelp" components={{ code: <code /> }} />}
            name="setupCode"
            className="setup-code"
            value={setupCode}
            onChange={(event) => setSetupCode(event.target.value)}
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            placeholder="ABCD-1234"
          />
        </fieldset>

        <fieldset className="step">
          <legend>{t('panel:activate.stepPassword')}</legend>
          <p className="hint">
            <Trans i18nKey="panel:activate.usernameNote" values={{ username: 'admin' }} components={{ strong: <strong /> }} />
          </p>
          {/* For password managers: the account the new password belongs to. */}
          <input type="text" name="username" autoComplete="username" value="admin" readOnly hidden />

          <div className="choice" role="radiogroup" aria-label={t('panel:activate.choiceLabel')}>
            <label className="choice-option">
              <input type="radio" name="passwordChoice" value="proposed" checked={choice === 'proposed'} onChange={() => pickChoice('proposed')} />
              <span>
                <strong>{t('panel:activate.chooseProposed')}</strong>
                <span className="hint">{t('panel:activate.chooseProposedHint')}</span>
              </span>
            </label>
            <label className="choice-option">
              <input type="radio" name="passwordChoice" value="own" checked={choice === 'own'} onChange={() => pickChoice('own')} />
              <span>
                <strong>{t('panel:activate.chooseOwn')}</strong>
                <span className="hint">{t('panel:activate.chooseOwnHint')}</span>
              </span>
            </label>
          </div>

          {choice === 'proposed' ? (
            <>
              {passphrase ? (
                <PassphraseField passphrase={passphrase} onGenerateAnother={anotherPassphrase} generating={generating} />
              ) : passphraseProblem ? (
                <div className="notice">
                  <ErrorMessage problem={passphraseProblem} />
                  <button type="button" className="button button-quiet" onClick={anotherPassphrase}>
                    {t('panel:common.retry')}
                  </button>
                </div>
              ) : (
                <p className="hint">{t('panel:common.loading')}</p>
              )}
              <label className="checkbox">
                <input type="checkbox" checked={saved} onChange={(event) => setSaved(event.target.checked)} />
                <span>{t('panel:activate.savedConfirmation')}</span>
              </label>
            </>
          ) : (
            <>
              <TextField
                label={t('panel:activate.ownPasswordLabel')}
                hint={t('panel:activate.ownPasswordHint')}
                type="password"
                name="new-password"
                autoComplete="new-password"
                value={ownPassword}
                onChange={(event) => setOwnPassword(event.target.value)}
              />
              <TextField
                label={t('panel:activate.repeatPasswordLabel')}
                type="password"
                name="repeat-password"
                autoComplete="new-password"
                value={repeatPassword}
                onChange={(event) => setRepeatPassword(event.target.value)}
              />
            </>
          )}
        </fieldset>

        <ErrorMessage problem={problem} {...(countdown.running ? { secondsLeft: countdown.remaining } : {})} />

        <button type="submit" className="button button-primary button-block" disabled={busy || countdown.running}>
          {busy ? t('panel:activate.submitting') : t('panel:activate.submit')}
        </button>
      </form>
    </>
  );
}

/** A passphrase from the box, fetched once and again on request; never stored. */
function useProposedPassphrase(onAlreadyActivated: () => void) {
  const [passphrase, setPassphrase] = useState<string | null>(null);
  const [passphraseProblem, setPassphraseProblem] = useState<Problem | null>(null);
  const [generating, setGenerating] = useState(false);
  const [round, setRound] = useState(0);
  const alreadyActivated = useRef(onAlreadyActivated);
  useEffect(() => {
    alreadyActivated.current = onAlreadyActivated;
  });

  useEffect(() => {
    const controller = new AbortController();
    setGenerating(true);
    api.proposePassphrase({ signal: controller.signal }).then(
      (suggestion) => {
        setPassphrase(suggestion.passphrase);
        setPassphraseProblem(null);
        setGenerating(false);
      },
      (error: unknown) => {
        if (isAbort(error)) return;
        const found = problemFrom(error);
        setGenerating(false);
        if (found.code === 'HEARTH_ERR_ALREADY_ACTIVATED') alreadyActivated.current();
        else setPassphraseProblem(found);
      },
    );
    return () => controller.abort();
  }, [round]);

  const generateAnother = useCallback(() => setRound((n) => n + 1), []);
  return { passphrase, passphraseProblem, generating, generateAnother };
}
