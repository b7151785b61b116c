import type { TFunction } from 'i18next';
import type { ParamDescription, RunAppRequest } from './api/endpoints';

/** What a form control holds: text for every input, a boolean for a checkbox. */
export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

/** A parameter's value (or default) as its control holds it. Secrets start empty: empty keeps the stored one. */
export function controlValue(param: ParamDescription, value: unknown): FormValue {
  if (param.kind === 'boolean') return value === true;
  if (param.kind === 'secret' || value === undefined || value === null) return '';
  return String(value);
}

export function initialValue(param: ParamDescription): FormValue {
  return controlValue(param, param.value !== undefined ? param.value : param.default);
}

/** Whether the field can go back to a default it no longer has (secrets have none to show). */
export function canRestoreDefault(param: ParamDescription, value: FormValue): boolean {
  if (param.kind === 'secret' || param.default === undefined || param.default === null) return false;
  const fallback = controlValue(param, param.default);
  if (param.kind === 'integer') return typeof value !== 'string' || value.trim() === '' || Number(value) !== param.default;
  return fallback !== value;
}

/** The default as the owner reads it: "On", an option's label, or the value itself. */
export function defaultText(t: TFunction, param: ParamDescription): string {
  const value = param.default;
  if (param.kind === 'boolean') return value === true ? t('panel:appForm.on') : t('panel:appForm.off');
  if (param.kind === 'enum') return param.options?.find((o) => o.value === value)?.label ?? String(value);
  const text = String(value);
  if (text === '') return t('panel:appForm.emptyValue');
  return param.unit ? `${text} ${param.unit}` : text;
}

/**
 * The request body's params: every parameter of the form, typed as the API wants.
 * An integer that is not one is sent as typed, so the box explains what is wrong in
 * the owner's language; a secret left empty is sent as "" (keep the stored one).
 */
export function paramsForRun(params: readonly ParamDescription[], values: FormValues): RunAppRequest['params'] {
  const body: RunAppRequest['params'] = {};
  for (const param of params) {
    const value = values[param.id] ?? initialValue(param);
    if (param.kind === 'boolean') body[param.id] = value === true;
    else if (param.kind === 'integer') body[param.id] = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : String(value);
    else body[param.id] = String(value);
  }
  return body;
}

/** Whether a non-empty value fails the parameter's pattern (a hint while typing; the box decides). */
export function mismatchesPattern(param: ParamDescription, value: FormValue): boolean {
  if (!param.pattern || typeof value !== 'string' || value === '') return false;
  try {
    return !new RegExp(param.pattern, 'u').test(value);
  } catch {
    return false;
  }
}
