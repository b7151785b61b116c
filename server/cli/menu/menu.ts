import { Separator } from '@inquirer/prompts';
import type { AppDetail, AppService, AppSummary, ParamDescription, Starter } from '../../apps/app-service.js';
import { appCategories } from '../../apps/types.js';
import { isHearthError, type FieldError } from '../../errors.js';
import type { Translate } from '../../i18n.js';
import { followJob } from '../../jobs/follow-job.js';
import type { JobStore, LogLine } from '../../jobs/job-store.js';
import { summarizeJob } from '../../jobs/job-summary.js';
import { askField, fieldErrors, initialValues, showValue, helpLines, type FieldScreen, type FormValues } from './form.js';
import { GoBack, type Choice, type Terminal } from './terminal.js';
import { displayWidth, padEnd, sanitize, sanitizeLine, truncate, wrap } from './text.js';

export interface MenuDeps {
  apps: AppService;
  jobs: JobStore;
  t: Translate;
  starter: Starter;
  term: Terminal;
}

const exitChoice = '\u0000exit';
const backChoice = '\u0000back';

/** At most `maxLines` wrapped lines; the last one ends with "…" when text was left out. */
function clip(text: string, width: number, maxLines: number): string {
  const lines = wrap(text, width);
  if (lines.length <= maxLines) return lines.join('\n');
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = truncate(kept[maxLines - 1] + ' …', width);
  return kept.join('\n');
}

/**
 * The menu, as NextCloudPi's ncp-config: categories → apps (the active ones ticked) →
 * the app's info → its form, prefilled with what the box has now → apply, with the
 * job's log live → back. Returns when the user leaves; Ctrl-C throws Quit.
 */
export async function runMenu(deps: MenuDeps): Promise<void> {
  const { apps, t, term } = deps;
  let last: string | undefined;
  for (;;) {
    const all = await apps.list(t);
    const categories = appCategories.filter((id) => all.some((app) => app.category === id));
    const w = term.width();
    const above = term.screen([]);
    let choice: string;
    try {
      choice = await term.choose<string>({
        message: t('cli:config.categories.question'),
        choices: [
          ...categories.map((id) => ({
            value: id,
            name: truncate(t(`apps:categories.${id}`), w - 4),
            description: clip(
              all
                .filter((app) => app.category === id)
                .map((app) => sanitizeLine(app.name))
                .join(', '),
              w,
              2,
            ),
          })),
          new Separator(' '),
          { value: exitChoice, name: t('cli:config.exit') },
        ],
        ...(last ? { default: last } : {}),
        above,
      });
    } catch (error) {
      // Esc at the top leaves, like the Exit entry.
      if (error instanceof GoBack) return;
      throw error;
    }
    if (choice === exitChoice) return;
    last = choice;
    await categoryMenu(deps, choice);
  }
}

function appChoice(app: AppSummary, nameWidth: number, width: number) {
  const name = padEnd(truncate(sanitizeLine(app.name), nameWidth), nameWidth);
  const description = sanitizeLine(app.description);
  if (!app.available) {
    // Shown as "- <name> <reason>", dimmed, and never selectable.
    const reason = `(${sanitizeLine(app.unavailableReason ?? '')})`;
    const shownName = `  ${name}`;
    return {
      value: app.id,
      name: shownName,
      disabled: truncate(reason, width - 2 - displayWidth(shownName) - 1),
    } satisfies Choice<string>;
  }
  const mark = app.active === true ? '✓' : ' ';
  return {
    value: app.id,
    name: truncate(`${mark} ${name} — ${description}`, width - 2),
    short: sanitizeLine(app.name),
    description: clip(description, width, 2),
  } satisfies Choice<string>;
}

async function categoryMenu(deps: MenuDeps, category: string): Promise<void> {
  const { apps, t, term } = deps;
  const categoryName = t(`apps:categories.${category}`);
  let last: string | undefined;
  for (;;) {
    const inCategory = (await apps.list(t)).filter((app) => app.category === category);
    const w = term.width();
    const nameWidth = Math.min(24, Math.max(...inCategory.map((app) => displayWidth(sanitizeLine(app.name)))));
    const above = term.screen([categoryName]);
    let choice: string;
    try {
      choice = await term.choose<string>({
        message: t('cli:config.apps.question'),
        choices: [...inCategory.map((app) => appChoice(app, nameWidth, w)), new Separator(' '), { value: backChoice, name: t('cli:config.back') }],
        ...(last && inCategory.some((app) => app.id === last && app.available) ? { default: last } : {}),
        above,
      });
    } catch (error) {
      if (error instanceof GoBack) return;
      throw error;
    }
    if (choice === backChoice) return;
    last = choice;
    await appFlow(deps, choice, [categoryName]);
  }
}

/** The lines that open every screen of an app: name and description, then its details. */
function appIntro(term: Terminal, detail: AppDetail): string[] {
  const w = term.width();
  const head = truncate(`${sanitizeLine(detail.name)} — ${sanitizeLine(detail.description)}`, w);
  const details = term.table(detail.details.map((d) => [sanitizeLine(d.label), sanitizeLine(d.value)] as const));
  return [term.style.bold(head), ...details];
}

type ReviewChoice = { go: true } | { action: string; label: string } | { edit: true } | { back: true };

async function appFlow(deps: MenuDeps, appId: string, crumbs: readonly string[]): Promise<void> {
  const { apps, t, term } = deps;
  const detail = await apps.detail(appId, t);
  const path = [...crumbs, sanitizeLine(detail.name)];
  const intro = appIntro(term, detail);

  if (detail.info) {
    const w = term.width();
    const above = term.screen(path, [...intro, '', ...wrap(sanitize(detail.info), w).map((line) => term.style.yellow(line)), '']);
    try {
      const go = await term.choose({
        message: t('cli:config.info.question'),
        choices: [
          { value: true, name: t('cli:config.info.understood') },
          { value: false, name: t('cli:config.back') },
        ],
        above,
      });
      if (!go) return;
    } catch (error) {
      if (error instanceof GoBack) return;
      throw error;
    }
  }

  const params = detail.params;
  const values: FormValues = initialValues(detail);
  const errors = new Map<string, string>();
  const everyField = params.map((_, index) => index);
  /** The fields to ask, in order: all of them, or only those the last check found fault with. */
  let order = everyField;
  let position = 0;
  let general: string[] = [];

  const screen: FieldScreen = {
    draw(param: ParamDescription, index, count, error, extra = []) {
      const w = term.width();
      const heading = truncate(`${t('cli:config.form.field', { index: index + 1, count })} · ${sanitizeLine(param.label)}`, w);
      return term.screen(path, [
        ...intro,
        '',
        term.style.bold(heading),
        ...helpLines(param, w).map((line) => term.style.dim(line)),
        ...(error ? wrap(sanitize(error), w).map((line) => term.style.red(line)) : []),
        ...extra,
        '',
      ]);
    },
  };

  const markInvalid = (problems: FieldError[]): boolean => {
    errors.clear();
    for (const problem of problems) {
      const message = t(problem.key, problem.params);
      errors.set(problem.param, errors.has(problem.param) ? `${errors.get(problem.param)} ${message}` : message);
    }
    general = problems.filter((p) => !params.some((param) => param.id === p.param)).map((p) => t(p.key, p.params));
    const invalid = everyField.filter((index) => errors.has(params[index]!.id));
    if (invalid.length === 0) return false;
    order = invalid;
    position = 0;
    return true;
  };

  for (;;) {
    if (position < order.length) {
      const index = order[position]!;
      const param = params[index]!;
      try {
        values[param.id] = await askField({ term, t, apps, appId, screen }, param, values, { index, count: params.length }, errors.get(param.id));
        errors.delete(param.id);
        position += 1;
      } catch (error) {
        if (!(error instanceof GoBack)) throw error;
        if (order !== everyField) {
          // Back from the fields being corrected: to the field before, in the whole form.
          order = everyField;
          position = index - 1;
        } else position -= 1;
        if (position < 0) return;
      }
      continue;
    }

    if (markInvalid(await fieldErrors(apps, appId, values))) continue;
    order = everyField;
    position = everyField.length;

    let choice: ReviewChoice;
    try {
      choice = await review(deps, detail, path, intro, values, general);
    } catch (error) {
      if (!(error instanceof GoBack)) throw error;
      if (params.length === 0) return;
      position = params.length - 1;
      continue;
    }
    if ('back' in choice) return;
    if ('edit' in choice) {
      position = 0;
      continue;
    }
    const action = 'action' in choice ? choice : undefined;
    const outcome = await runJob(deps, detail, values, path, action);
    if (Array.isArray(outcome)) {
      markInvalid(outcome);
      continue;
    }
    // After an apply or a run, back to the list; after an extra action (a test
    // message), back to the same values, to apply them next.
    if (outcome === 'ended' && !action) return;
  }
}

async function review(
  deps: MenuDeps,
  detail: AppDetail,
  path: readonly string[],
  intro: readonly string[],
  values: FormValues,
  general: readonly string[],
): Promise<ReviewChoice> {
  const { t, term } = deps;
  const w = term.width();
  const table = detail.params.length
    ? term.table(detail.params.map((param) => [sanitizeLine(param.label), showValue(param, values[param.id], t)] as const))
    : [term.style.dim(truncate(t('cli:config.review.noParams'), w))];
  const problems = general.flatMap((message) => wrap(sanitize(message), w).map((line) => term.style.red(line)));
  const above = term.screen(path, [...intro, '', ...table, ...problems, '']);
  const configure = detail.kind === 'configure';
  const choices: Array<Choice<ReviewChoice>> = [
    { value: { go: true }, name: configure ? t('cli:config.review.apply') : t('cli:config.review.run') },
    ...detail.actions.map((action) => ({
      value: { action: action.id, label: sanitizeLine(action.label) },
      name: truncate(sanitizeLine(action.label), w - 4),
    })),
    ...(detail.params.length ? [{ value: { edit: true } as const, name: t('cli:config.review.edit') }] : []),
    { value: { back: true }, name: t('cli:config.review.back') },
  ];
  return term.choose({
    message: configure ? t('cli:config.review.questionApply') : t('cli:config.review.questionRun'),
    choices,
    above,
  });
}

/** One log line as the terminal shows it: made harmless, wrapped, program output indented. */
function logLines(term: Terminal, line: LogLine): string[] {
  const w = term.width();
  const text = sanitize(line.text);
  if (line.stream === 'info') return wrap(text, w, '  ');
  const wrapped = wrap(text, w - 2).map((part) => `  ${part}`);
  return line.stream === 'err' ? wrapped.map((part) => term.style.yellow(part)) : wrapped;
}

/**
 * Starts the job and shows its log as it comes. Returns the field errors when the
 * values were refused, 'refused' when the job could not start (busy …), 'ended' after
 * it ran.
 */
async function runJob(
  deps: MenuDeps,
  detail: AppDetail,
  values: FormValues,
  path: readonly string[],
  action: { action: string; label: string } | undefined,
): Promise<FieldError[] | 'refused' | 'ended'> {
  const { apps, jobs, t, term, starter } = deps;
  const w = term.width();
  let started;
  try {
    started = await apps.start(detail.id, values, starter, action?.action);
  } catch (error) {
    if (!isHearthError(error)) throw error;
    if (error.code === 'HEARTH_ERR_APP_PARAMS_INVALID') return error.fields ?? [];
    // Busy (a backup is running …), unavailable: say so, stay on the form.
    term.screen(path, [
      ...wrap(sanitize(t(`errors:${error.code}`, error.params)), w).map((line) => term.style.red(line)),
      '',
      term.style.dim(truncate(t('cli:config.job.pressEnter'), w)),
    ]);
    await term.pressEnter();
    return 'refused';
  }

  const app = sanitizeLine(detail.name);
  const title = action
    ? t('cli:config.job.action', { action: action.label, id: started.id })
    : detail.kind === 'configure'
      ? t('cli:config.job.applying', { app, id: started.id })
      : t('cli:config.job.running', { app, id: started.id });
  term.screen(path, [term.style.bold(truncate(title, w))]);

  let interrupts = 0;
  const release = term.takeKeys((key) => {
    if (!(key.ctrl && key.name === 'c')) return;
    interrupts += 1;
    if (interrupts === 1) {
      for (const line of wrap(t('cli:config.job.stillRunning'), w)) term.write(term.style.yellow(line) + '\n');
      return;
    }
    // A second Ctrl-C: leave now, as Ctrl-C leaves any command: SIGINT to the process
    // group, so a program the job runs stops too. The job's record is marked
    // interrupted by the next process that looks (this one is gone).
    release();
    term.restore(false);
    process.kill(0, 'SIGINT');
  });
  let ended;
  try {
    for await (const event of followJob(jobs, started.id, { pollMs: 100 })) {
      if (event.type === 'line') for (const line of logLines(term, event.line)) term.write(line + '\n');
    }
    ended = await started.done;
  } finally {
    release();
  }
  const summary = summarizeJob(ended, t);
  term.write('\n');
  if (ended.status === 'succeeded') term.write(term.style.green(truncate(`✓ ${t('cli:config.job.succeeded')}`, w)) + '\n');
  else {
    const reason = summary.errorMessage ?? t(`cli:config.job.status.${ended.status}`);
    for (const line of wrap(`✗ ${t('cli:config.job.failed', { error: sanitizeLine(reason) })}`, w, '  ')) term.write(term.style.red(line) + '\n');
  }
  term.write(term.style.dim(truncate(t('cli:config.job.pressEnter'), w)) + '\n');
  await term.pressEnter();
  return 'ended';
}
