import type { TSchema } from 'typebox';
import { HearthError, type FieldError } from '../errors.js';
import { hasTranslation, type Translate } from '../i18n.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { appLock, maintenanceLock } from '../jobs/locks.js';
import { applyConfiguration, currentValues, readStatus } from './app-state.js';
import { paramMeta, secretKeeping, secretParams, validateParams } from './params.js';
import type { AppDetail as AppDetailWithRuns, AppSummary, ParamDescription } from '../schemas/apps.js';
import type { AnyAppDefinition, AppEnvironment, AppStatus } from './types.js';

export type { AppSummary, ParamDescription };
/** An app's page, without its run history (the route adds that from the jobs). */
export type AppDetail = Omit<AppDetailWithRuns, 'lastRuns'>;

/** Who started a job, and in which language its log is written. */
export interface Starter {
  startedBy: string;
  language: string;
}

export const redactedSecret = '••••';

/**
 * The one code path behind the panel, the CLI, the menu and the scheduler: list apps,
 * describe an app's form, and run it as a job. Validation happens here, before
 * anything is saved or run.
 */
export function createAppService(deps: {
  env: AppEnvironment;
  runner: JobRunner;
}) {
  const { env, runner } = deps;
  const { saved } = env;
  const byId = new Map(env.apps.map((app) => [app.id, app]));

  function find(id: string): AnyAppDefinition {
    const app = byId.get(id);
    if (!app) throw new HearthError('HEARTH_ERR_APP_NOT_FOUND', { app: id });
    return app;
  }

  async function availability(app: AnyAppDefinition) {
    return app.availability ? app.availability(env) : ({ available: true } as const);
  }

  async function summary(app: AnyAppDefinition, t: Translate, status?: AppStatus<Record<string, unknown>>): Promise<AppSummary> {
    const available = await availability(app);
    return {
      id: app.id,
      category: app.category,
      name: t(`app-${app.id}:name`),
      description: t(`app-${app.id}:description`),
      kind: app.kind,
      heavy: Boolean(app.heavy),
      active: (status ?? (await readStatus(app, env))).active,
      available: available.available,
      ...(available.available ? {} : { unavailableReason: t(available.reason, available.params) }),
    };
  }

  function describeParam(app: AnyAppDefinition, id: string, schema: TSchema, value: unknown, t: Translate): ParamDescription {
    const meta = paramMeta(schema);
    const base = `app-${app.id}:params.${id}`;
    const description: ParamDescription = { id, kind: meta.kind, label: t(`${base}.label`), default: meta.default };
    if (hasTranslation(`${base}.help`)) description.help = t(`${base}.help`);
    if (meta.kind === 'secret') description.isSet = saved.hasSecret(app.id, id);
    else description.value = value;
    for (const key of ['minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'unit', 'expect'] as const) {
      if (meta[key] !== undefined) (description as unknown as Record<string, unknown>)[key] = meta[key];
    }
    if (meta.options) {
      description.options = meta.options.map((option) => ({
        value: option,
        label: hasTranslation(`${base}.options.${option}`) ? t(`${base}.options.${option}`) : option,
      }));
    }
    return description;
  }

  /**
   * Merges the input over the current values and validates the whole: schema first,
   * then the app's own checks. Throws HEARTH_ERR_APP_PARAMS_INVALID listing every
   * bad field; nothing is saved or run then.
   */
  async function prepare(app: AnyAppDefinition, input: Record<string, unknown>) {
    const values = { ...(await currentValues(app, env)), ...input };
    let fields: FieldError[] = validateParams(app.id, app.params, values, hasTranslation);
    const secretIds = secretParams(app.params);
    if (fields.length === 0 && app.validate) {
      const withSecrets = { ...values };
      for (const id of secretIds) if (values[id] === '') withSecrets[id] = (await saved.openSecret(app.id, id)) ?? '';
      fields = await app.validate(withSecrets as never, env);
    }
    if (fields.length) throw new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: app.id }, { fields });

    const plain: Record<string, unknown> = {};
    const toSeal: Record<string, string> = {};
    const forRun: Record<string, unknown> = {};
    const redacted: Record<string, unknown> = {};
    for (const [id, value] of Object.entries(values)) {
      const schema = app.params.properties[id] as TSchema;
      if (!secretIds.includes(id)) {
        plain[id] = value;
        forRun[id] = value;
        redacted[id] = value;
        continue;
      }
      const given = value as string;
      if (given !== '') redacted[id] = redactedSecret;
      if (secretKeeping(schema) === 'sealed') {
        if (given !== '') toSeal[id] = given;
        forRun[id] = given !== '' ? given : ((await saved.openSecret(app.id, id)) ?? '');
      } else {
        forRun[id] = given;
      }
    }
    return { plain, toSeal, forRun, redacted };
  }

  return {
    apps: env.apps,
    find,

    async list(t: Translate): Promise<AppSummary[]> {
      return Promise.all(env.apps.map((app) => summary(app, t)));
    },

    async detail(id: string, t: Translate): Promise<AppDetail> {
      const app = find(id);
      const status = await readStatus(app, env);
      const values = await currentValues(app, env, status);
      const suggestions: Record<string, string[] | undefined> = app.suggestions ? await app.suggestions(env).catch(() => ({})) : {};
      return {
        ...(await summary(app, t, status)),
        ...(app.hasInfo ? { info: t(`app-${app.id}:info`) } : {}),
        params: Object.entries(app.params.properties).map(([paramId, schema]) => {
          const described = describeParam(app, paramId, schema as TSchema, values[paramId], t);
          return suggestions[paramId] ? { ...described, suggestions: suggestions[paramId] } : described;
        }),
        details: (status.details ?? []).map((detail) => ({ label: t(detail.label), value: detail.value })),
        actions: Object.keys(app.actions ?? {}).map((action) => ({ id: action, label: t(`app-${app.id}:actions.${action}`) })),
      };
    },

    /** Validates without running: what the CLI and the menu use to check input first. */
    async check(id: string, input: Record<string, unknown>): Promise<void> {
      await prepare(find(id), input);
    },

    /**
     * Validates, then starts the job: apply (configure apps: saves the parameters
     * first), run (one-shot apps) or one of the app's own actions (nothing saved).
     */
    async start(id: string, input: Record<string, unknown>, starter: Starter, action?: string, options: { revert?: boolean } = {}) {
      const app = find(id);
      const available = await availability(app);
      if (!available.available) throw new HearthError('HEARTH_ERR_APP_UNAVAILABLE', { app: app.id, reason: available.reason });
      const extra = action ? app.actions?.[action] : undefined;
      if (action && !extra) throw new HearthError('HEARTH_ERR_APP_CANNOT_RUN', { app: app.id, action });
      const previous = app.confirmation && !options.revert ? await currentValues(app, env) : undefined;
      const prepared = await prepare(app, input);
      const locks = [appLock(app.id), ...(app.heavy ? [maintenanceLock] : [])];
      const jobAction = action ?? (app.kind === 'configure' ? 'apply' : 'run');
      return runner.start({ appId: app.id, action: jobAction, ...starter, params: prepared.redacted, locks }, async (job) => {
        if (extra) return extra(prepared.forRun as never, job, env);
        if (app.kind === 'configure') return applyConfiguration(app, prepared, previous, job, env);
        if (!app.run) throw new HearthError('HEARTH_ERR_APP_CANNOT_RUN', { app: app.id, action: 'run' });
        return app.run(prepared.forRun as never, job, env);
      });
    },
  };
}

export type AppService = ReturnType<typeof createAppService>;
