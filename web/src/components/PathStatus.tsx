import { useTranslation } from 'react-i18next';
import type { ParamDescription } from '../api/endpoints';
import { usePathCheck } from '../hooks/usePathCheck';

interface Props {
  id: string;
  value: string;
  expect: ParamDescription['expect'];
}

/** Under a path field, live: whether the path exists on the box, and whether it is what the app expects. */
export function PathStatus({ id, value, expect }: Props) {
  const { t } = useTranslation();
  const check = usePathCheck(value);
  let text = '';
  let tone: 'ok' | 'warn' | 'muted' = 'muted';
  if (check.state === 'relative') {
    text = t('panel:appForm.path.notAbsolute');
    tone = 'warn';
  } else if (check.state === 'checking') {
    text = t('panel:appForm.path.checking');
  } else if (check.state === 'failed') {
    text = t('panel:appForm.path.failed');
    tone = 'warn';
  } else if (check.state === 'checked') {
    const { exists, type } = check.result;
    // Missing is news, not an error: the app may create it (a swap file), or refuse it when applied.
    if (!exists) {
      text = t('panel:appForm.path.missing');
    } else {
      text = type === 'directory' ? t('panel:appForm.path.directory') : type === 'file' ? t('panel:appForm.path.file') : t('panel:appForm.path.other');
      tone = 'ok';
      if (expect === 'directory' && type !== 'directory') {
        text = `${text} ${t('panel:appForm.path.expectDirectory')}`;
        tone = 'warn';
      } else if (expect === 'file' && type !== 'file') {
        text = `${text} ${t('panel:appForm.path.expectFile')}`;
        tone = 'warn';
      }
    }
  }
  return (
    <p id={id} className="hint path-status" data-tone={tone} data-state={check.state} aria-live="polite">
      {text}
    </p>
  );
}
