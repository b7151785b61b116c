import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  passphrase: string;
  onGenerateAnother: () => void;
  generating: boolean;
}

type CopyState = 'idle' | 'copied' | 'selected';

/**
 * The proposed passphrase, shown once, read-only, with Copy. On plain HTTP to a LAN
 * address the Clipboard API does not exist; the text is then selected so the owner
 * can copy it with the keyboard.
 */
export function PassphraseField({ passphrase, onGenerateAnother, generating }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<CopyState>('idle');
  const [shownFor, setShownFor] = useState(passphrase);
  if (shownFor !== passphrase) {
    setShownFor(passphrase);
    setCopyState('idle');
  }

  function selectText() {
    input.current?.focus();
    input.current?.select();
  }

  async function copy() {
    try {
      if (!window.isSecureContext || !navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(passphrase);
      setCopyState('copied');
    } catch {
      selectText();
      setCopyState('selected');
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{t('panel:activate.passphraseLabel')}</label>
      <div className="passphrase-row">
        <input
          ref={input}
          id={id}
          className="passphrase"
          type="text"
          readOnly
          value={passphrase}
          spellCheck={false}
          autoComplete="off"
          autoCapitalize="off"
          onFocus={(event) => event.currentTarget.select()}
        />
        <div className="passphrase-actions">
          <button type="button" className="button button-secondary" onClick={() => void copy()}>
            {t('panel:activate.copy')}
          </button>
          <button type="button" className="button button-quiet" onClick={onGenerateAnother} disabled={generating}>
            {t('panel:activate.generateAnother')}
          </button>
        </div>
      </div>
      <p className="hint" aria-live="polite">
        {copyState === 'copied'
          ? t('panel:activate.copied')
          : copyState === 'selected'
            ? t('panel:activate.selectedForCopy')
            : t('panel:activate.passphraseHint')}
      </p>
    </div>
  );
}
