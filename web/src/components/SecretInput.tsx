import { useState, type InputHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'value' | 'onChange'> & {
  id: string;
  value: string;
  onChange: (value: string) => void;
};

/** A password field with Show/Hide, for secrets the owner types (a mail password, a token). */
export function SecretInput({ id, value, onChange, ...input }: Props) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  return (
    <div className="secret-input">
      <input
        {...input}
        id={id}
        type={shown ? 'text' : 'password'}
        value={value}
        autoComplete="new-password"
        autoCapitalize="off"
        spellCheck={false}
        onChange={(event) => onChange(event.target.value)}
      />
      <button type="button" className="button button-quiet" aria-controls={id} aria-pressed={shown} onClick={() => setShown((s) => !s)}>
        {shown ? t('panel:appForm.hideSecret') : t('panel:appForm.showSecret')}
      </button>
    </div>
  );
}
