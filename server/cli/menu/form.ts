import { input, password, Separator } from '@inquirer/prompts';
import type { AppDetail, AppService, ParamDescription } from '../../apps/app-service.js';
import { isHearthError, type FieldError } from '../../errors.js';
import type { Translate } from '../../i18n.js';
import { GoBack, type Terminal } from './terminal.js';
import { sanitize, sanitizeLine, truncate, wrap } from './text.js';

export type FormValues = Record<string, unknown>;

/** The form as it opens: what the box has now; secrets empty, which means "unchanged". */
export function initialValues(detail: AppDetail): FormValues {
  return Object.fromEntries(detail.params.map((p) => [p.id, p.kind === 'secret' ? '' : (p.value ?? p.default)]));
}

/** The app's full check (schema, then its own rules): field errors, none when valid. */
export async function fieldErrors(apps: AppService, appId: string, values: FormValues): Promise<FieldError[]> {
  try {
    await apps.check(appId, values);
    return [];
  } catch (error) {
    if (isHearthError(error) && error.code === 'HEARTH_ERR_APP_PARAMS_INVALID') return error.fields ?? [];
    throw error;
  }
}

/** How a value reads in the review table and as a prefilled answer. */
export function showValue(param: ParamDescription, value: unknown, t: Translate): string {
  switch (param.kind) {
    case 'boolean':
      return value === true ? t('cli:config.form.yes') : t('cli:config.form.no');
    case 'enum':
      return sanitizeLine(param.options?.find((o) => o.value === value)?.label ?? String(value ?? ''));
    case 'secret':
      if (value !== '' && value !== undefined) return t('cli:config.form.secretNew');
      return param.isSet ? t('cli:config.form.secretUnchanged') : t('cli:config.form.secretNotSet');
    case 'text': {
      const lines = textLines(String(value ?? ''));
      if (lines.length === 0) return t('cli:config.form.empty');
      const first = sanitizeLine(lines[0]!);
      return lines.length > 1 ? `${first} ${t('cli:config.form.moreLines', { count: lines.length - 1 })}` : first;
    }
    case 'integer':
      return `${String(value ?? '')}${param.unit ? ` ${param.unit}` : ''}`;
    default: {
      const text = String(value ?? '');
      return text === '' ? t('cli:config.form.empty') : sanitizeLine(text);
    }
  }
}

function textLines(value: string): string[] {
  return value === '' ? [] : value.replace(/\r?\n$/, '').split(/\r?\n/);
}

export interface FieldScreen {
  /** Draws the screen above a field's prompt; returns how many lines it took. */
  draw(param: ParamDescription, index: number, count: number, error: string | undefined, extra?: readonly string[]): number;
}

/**
 * Asks one parameter, prefilled with `current`, by its kind; re-asks while the app's
 * check finds fault with it (the message shown over the prompt). Esc throws GoBack.
 */
export async function askField(
  deps: { term: Terminal; t: Translate; apps: AppService; appId: string; screen: FieldScreen },
  param: ParamDescription,
  values: FormValues,
  position: { index: number; count: number },
  firstError?: string,
): Promise<unknown> {
  const { t } = deps;
  let error = firstError;
  let current = values[param.id];
  for (;;) {
    const answer = await askOnce(deps, param, current, position, error);
    current = answer.value;
    error = answer.error;
    if (error) continue;
    const problems = (await fieldErrors(deps.apps, deps.appId, { ...values, [param.id]: current })).filter((f) => f.param === param.id);
    if (problems.length === 0) return current;
    error = problems.map((p) => t(p.key, p.params)).join(' ');
  }
}

async function askOnce(
  deps: { term: Terminal; t: Translate; screen: FieldScreen },
  param: ParamDescription,
  current: unknown,
  position: { index: number; count: number },
  error: string | undefined,
): Promise<{ value: unknown; error?: string }> {
  const { term, t } = deps;
  const w = term.width();
  const label = truncate(sanitizeLine(param.label), w - 4);
  const draw = (extra?: readonly string[]) => deps.screen.draw(param, position.index, position.count, error, extra);

  switch (param.kind) {
    case 'boolean': {
      const value = await term.choose({
        message: label,
        choices: [
          { value: true, name: t('cli:config.form.yes') },
          { value: false, name: t('cli:config.form.no') },
        ],
        default: current === true,
        above: draw(),
      });
      return { value };
    }
    case 'enum': {
      const options = param.options ?? [];
      const value = await term.choose({
        message: label,
        choices: options.map((o) => ({ value: o.value, name: truncate(sanitizeLine(o.label), w - 4) })),
        ...(options.some((o) => o.value === current) ? { default: current as string } : {}),
        above: draw(),
      });
      return { value };
    }
    case 'secret': {
      draw([term.style.dim(truncate(t('cli:config.keys.input'), w))]);
      const message = param.isSet ? `${label} ${t('cli:config.form.secretKeep')}` : label;
      const value = await term.ask(password, { message: truncate(message, w - 4), mask: '*' });
      return { value };
    }
    case 'text':
      return { value: await askText(deps, param, String(current ?? ''), draw) };
    case 'integer': {
      draw([term.style.dim(truncate(t('cli:config.keys.input'), w))]);
      const range = param.minimum !== undefined && param.maximum !== undefined ? ` (${t('cli:config.form.range', { min: param.minimum, max: param.maximum })}${param.unit ? ` ${param.unit}` : ''})` : '';
      const raw = await term.ask(input, {
        message: truncate(label + range, w - 4),
        default: current === undefined || current === '' ? undefined : String(current),
        prefill: 'editable' as const,
      });
      const trimmed = raw.trim();
      if (!/^-?\d{1,15}$/.test(trimmed)) return { value: raw, error: t('cli:config.form.wholeNumber') };
      return { value: Number(trimmed) };
    }
    default: {
      // string and path: one line, the current value ready to edit.
      draw([term.style.dim(truncate(t('cli:config.keys.input'), w))]);
      const shown = String(current ?? '');
      const value = await term.ask(input, {
        message: label,
        default: shown === '' ? undefined : shown,
        prefill: 'editable' as const,
      });
      return { value };
    }
  }
}

/**
 * Several lines (SSH keys, allow-lists) without an editor: the lines as a list to
 * pick from, each one to edit or remove, a line to add, and "done". Works over any
 * SSH client; Esc in the list leaves the field unchanged and goes back.
 */
async function askText(
  deps: { term: Terminal; t: Translate },
  param: ParamDescription,
  current: string,
  draw: (extra?: readonly string[]) => number,
): Promise<string> {
  const { term, t } = deps;
  const lines = textLines(current);
  let cursor: number | 'add' | 'done' = 'done';
  for (;;) {
    const w = term.width();
    const count = lines.length ? t('cli:config.form.text.count', { count: lines.length }) : t('cli:config.form.text.none');
    const above = draw([term.style.dim(truncate(count, w))]);
    const choice: number | 'add' | 'done' = await term.choose<number | 'add' | 'done'>({
      message: sanitizeLine(param.label),
      choices: [
        ...lines.map((line, index) => ({ value: index, name: truncate(`${index + 1}. ${sanitizeLine(line)}`, w - 4) })),
        ...(lines.length ? [new Separator(' ')] : []),
        { value: 'add' as const, name: t('cli:config.form.text.add') },
        { value: 'done' as const, name: t('cli:config.form.text.done') },
      ],
      default: cursor,
      above,
    });
    cursor = choice;
    if (choice === 'done') return lines.join('\n');
    try {
      if (choice === 'add') {
        draw([term.style.dim(truncate(t('cli:config.keys.input'), w))]);
        const added = await term.ask(input, { message: t('cli:config.form.text.newLine') });
        if (added.trim() !== '') {
          lines.push(added);
          cursor = lines.length - 1;
        }
        continue;
      }
      const line = lines[choice]!;
      const what = await term.choose<'edit' | 'remove' | 'keep'>({
        message: t('cli:config.form.text.line', { index: choice + 1 }),
        choices: [
          { value: 'edit', name: t('cli:config.form.text.edit') },
          { value: 'remove', name: t('cli:config.form.text.remove') },
          { value: 'keep', name: t('cli:config.form.text.keep') },
        ],
        above: draw([term.style.dim(truncate(`${choice + 1}. ${sanitizeLine(line)}`, w))]),
      });
      if (what === 'remove') {
        lines.splice(choice, 1);
        cursor = lines.length ? Math.min(choice, lines.length - 1) : 'done';
      } else if (what === 'edit') {
        draw([term.style.dim(truncate(t('cli:config.keys.input'), w))]);
        const edited = await term.ask(input, { message: t('cli:config.form.text.line', { index: choice + 1 }), default: line, prefill: 'editable' as const });
        if (edited.trim() === '') lines.splice(choice, 1);
        else lines[choice] = edited;
      }
    } catch (error) {
      // Esc inside a line's prompt goes back to the list of lines.
      if (!(error instanceof GoBack)) throw error;
    }
  }
}

/** The help of a field, wrapped, for the screen over its prompt. */
export function helpLines(param: ParamDescription, width: number): string[] {
  return param.help ? wrap(sanitize(param.help), width) : [];
}
