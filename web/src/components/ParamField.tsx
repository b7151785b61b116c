import type { TFunction } from 'i18next';
import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParamDescription } from '../api/endpoints';
import { canRestoreDefault, defaultText, mismatchesPattern, type FormValue } from '../app-form';
import { PathStatus } from './PathStatus';
import { SecretInput } from './SecretInput';

interface Props {
  param: ParamDescription;
  value: FormValue;
  onChange: (value: FormValue) => void;
  /** The box's messages for this field, in the owner's language. */
  errors: readonly string[];
}

/**
 * One parameter of an app's form, its control chosen by its kind; the label, the
 * box's help, "restore default", the box's message when it refused the value, and
 * live hints (range, length, format, whether a path exists).
 */
export function ParamField({ param, value, onChange, errors }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const text = typeof value === 'string' ? value : '';
  const hints = fieldHints(t, param, value);

  const ids = {
    error: `${id}-error`,
    hints: `${id}-hints`,
    status: `${id}-status`,
    help: `${id}-help`,
  };
  const describedBy = [
    errors.length > 0 && ids.error,
    hints.length > 0 && ids.hints,
    param.kind === 'path' && ids.status,
    param.help && ids.help,
  ]
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    name: param.id,
    'aria-invalid': errors.length > 0 ? true : undefined,
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
  };

  let control: ReactNode;
  switch (param.kind) {
    case 'boolean':
      control = (
        <label className="checkbox switch">
          <input {...common} type="checkbox" role="switch" checked={value === true} onChange={(event) => onChange(event.target.checked)} />
          <span>{param.label}</span>
        </label>
      );
      break;
    case 'integer':
      control = (
        <div className="input-with-unit">
          <input
            {...common}
            type="number"
            inputMode="numeric"
            step={1}
            min={param.minimum}
            max={param.maximum}
            value={text}
            onChange={(event) => onChange(event.target.value)}
          />
          {param.unit && <span className="unit">{param.unit}</span>}
        </div>
      );
      break;
    case 'text':
      control = <textarea {...common} rows={5} maxLength={param.maxLength} value={text} spellCheck={false} onChange={(event) => onChange(event.target.value)} />;
      break;
    case 'enum':
      control = (
        <select {...common} value={text} onChange={(event) => onChange(event.target.value)}>
          {(param.options ?? []).map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'secret':
      control = <SecretInput {...common} value={text} maxLength={param.maxLength} onChange={onChange} />;
      break;
    default: {
      // string and path: a line of text; a string the box offers values for gets a searchable list.
      const listId = param.suggestions?.length ? `${id}-suggestions` : undefined;
      control = (
        <>
          <input
            {...common}
            type="text"
            value={text}
            maxLength={param.maxLength}
            list={listId}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            className={param.kind === 'path' ? 'path-input' : undefined}
            onChange={(event) => onChange(event.target.value)}
          />
          {listId && (
            <datalist id={listId}>
              {param.suggestions!.map((suggestion) => (
                <option key={suggestion} value={suggestion} />
              ))}
            </datalist>
          )}
        </>
      );
    }
  }

  const restore = canRestoreDefault(param, value) && (
    <button
      type="button"
      className="link-button restore-default"
      aria-label={t('panel:appForm.restoreDefaultLabel', { label: param.label, value: defaultText(t, param) })}
      onClick={() => onChange(param.kind === 'boolean' ? param.default === true : String(param.default))}
    >
      {t('panel:appForm.restoreDefault', { value: defaultText(t, param) })}
    </button>
  );

  return (
    <div className="field param-field" data-kind={param.kind} data-invalid={errors.length > 0 || undefined}>
      {param.kind === 'boolean' ? (
        <div className="param-label">
          {control}
          {restore}
        </div>
      ) : (
        <>
          <div className="param-label">
            <label htmlFor={id}>{param.label}</label>
            {restore}
          </div>
          {control}
        </>
      )}
      {errors.length > 0 && (
        <p id={ids.error} className="field-error">
          {errors.join(' ')}
        </p>
      )}
      {param.kind === 'path' && <PathStatus id={ids.status} value={text} expect={param.expect} />}
      {hints.length > 0 && (
        <p id={ids.hints} className="hint">
          {hints.join(' · ')}
        </p>
      )}
      {param.help && (
        <p id={ids.help} className="hint">
          {param.help}
        </p>
      )}
    </div>
  );
}

/** From this share of maxLength on, the field says how long the value is. */
const nearLimit = 0.8;

/** Short facts the owner needs while typing: the range, the length, a stored secret, a format slip. */
function fieldHints(t: TFunction, param: ParamDescription, value: FormValue): string[] {
  const hints: string[] = [];
  const unit = param.unit ? ` ${param.unit}` : '';
  if (param.kind === 'integer') {
    if (param.minimum !== undefined && param.maximum !== undefined) hints.push(t('panel:appForm.range', { min: param.minimum, max: param.maximum, unit }));
    else if (param.minimum !== undefined) hints.push(t('panel:appForm.minimum', { min: param.minimum, unit }));
    else if (param.maximum !== undefined) hints.push(t('panel:appForm.maximum', { max: param.maximum, unit }));
  }
  if (param.kind === 'secret') hints.push(param.isSet ? t('panel:appForm.secretStored') : t('panel:appForm.secretNotSet'));
  // The length only matters near a limit: a short value, or one close to the maximum.
  if (param.kind !== 'secret' && typeof value === 'string' && value !== '') {
    const { minLength, maxLength } = param;
    if (minLength !== undefined && value.length < minLength) hints.push(t('panel:appForm.minLength', { min: minLength, length: value.length }));
    else if (maxLength !== undefined && value.length >= maxLength * nearLimit) hints.push(t('panel:appForm.maxLength', { max: maxLength, length: value.length }));
  }
  if (param.suggestions?.length) hints.push(t('panel:appForm.suggestions', { count: param.suggestions.length }));
  if (mismatchesPattern(param, value)) hints.push(t('panel:appForm.patternMismatch'));
  return hints;
}
