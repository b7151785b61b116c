import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import {
  applyImported,
  checkDocument,
  parseBindingLines,
  planFieldErrors,
  planImport,
  readConfigFile,
  type ConfigDocument,
  type ImportPlan,
} from '../config-transfer.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';
import { defaultConfigFile } from './config-export.js';

interface ImportParams {
  path: string;
  bindings: string;
}

/**
 * Reads the file and plans the import against this box. `fields` holds every reason
 * it cannot be applied as it is (empty: the plan is ready), as form errors: the file's
 * under `path`, bindings that do not fit this machine under `bindings`.
 */
async function prepareImport({ path: file, bindings }: ImportParams, env: AppEnvironment): Promise<{ catalog: Pick<AppEnvironment, 'apps' | 'saved'>; document?: ConfigDocument; plan?: ImportPlan; fields: FieldError[] }> {
  const catalog = { apps: env.apps, saved: env.saved };
  const read = await readConfigFile(env.system, file);
  const lines = parseBindingLines(bindings);
  if (read.errors.length) {
    const plan: ImportPlan = { apps: [], skipped: [], errors: read.errors, ready: false };
    return { catalog, fields: planFieldErrors(plan, lines.errors) };
  }
  const plan = await planImport(read.document, catalog.apps, env, { saved: catalog.saved, replacements: lines.replacements });
  const document = checkDocument(read.document).length === 0 ? (read.document as ConfigDocument) : undefined;
  return { catalog, plan, ...(document ? { document } : {}), fields: planFieldErrors(plan, lines.errors) };
}

const show = (value: unknown) => JSON.stringify(value);

/** What the import will do, app by app: the order, what changes against this box's saved values, the bindings. */
function logPlan(plan: ImportPlan, document: ConfigDocument | undefined, catalog: Pick<AppEnvironment, 'apps' | 'saved'>, job: JobContext): void {
  const { t } = job;
  if (document) job.info(t('app-config-import:log.source', { date: document.exportedAt, version: document.hearthVersion }));
  for (const app of plan.apps) {
    job.info(t('app-config-import:log.planApp', { order: app.order, name: t(`app-${app.appId}:name`), app: app.appId }));
    const before = catalog.saved.get(app.appId);
    const bound = new Set(app.bindings.map((b) => b.param));
    if (!before) job.info(t('app-config-import:log.firstTime'));
    const changes = Object.entries(app.params).filter(([id, value]) => !bound.has(id) && before && show(before[id]) !== show(value));
    for (const [id, value] of changes) job.info(t('app-config-import:log.change', { param: id, from: show(before?.[id]), to: show(value) }));
    for (const binding of app.bindings) {
      const fits = !app.unfitBindings.some((u) => u.param === binding.param);
      const key = !fits ? 'bindingUnfit' : binding.replaced ? 'bindingReplaced' : 'binding';
      job.info(t(`app-config-import:log.${key}`, { param: binding.param, value: show(binding.value), kind: t(`app-config-import:kinds.${binding.kind}`) }));
    }
    if (app.secretsKept.length) job.info(t('app-config-import:log.secretsKept', { secrets: app.secretsKept.join(', ') }));
    if (before && changes.length === 0 && app.bindings.every((b) => show(before[b.param]) === show(b.value))) job.info(t('app-config-import:log.unchanged'));
  }
  for (const skipped of plan.skipped) job.info(t('app-config-import:log.skipped', { app: skipped.appId, reason: t(skipped.reasonKey, skipped.reasonParams) }));
}

export default defineApp({
  id: 'config-import',
  category: 'backups',
  kind: 'action',
  heavy: true,
  hasInfo: true,
  params: Type.Object({
    path: param.path({ default: defaultConfigFile, expect: 'file' }),
    bindings: param.text({ default: '', maxLength: 8192 }),
    dryRun: param.boolean({ default: false }),
  }),
  async status() {
    return { active: null, values: {} };
  },
  /**
   * The whole file is checked here, before a job starts: the form (or the CLI) shows
   * what is wrong with the file under "path" and every binding that does not fit this
   * machine under "bindings", where the replacement goes.
   */
  async validate(params, env) {
    return (await prepareImport(params, env)).fields;
  },
  async run(params, job, env) {
    const { t } = job;
    job.info(t('app-config-import:log.reading', { file: params.path }));
    // Planned again inside the job: the file or the box may have changed since the form was checked.
    const { catalog, document, plan, fields } = await prepareImport(params, env);
    if (plan) logPlan(plan, document, catalog, job);
    if (fields.length || !plan?.ready) {
      job.info(t('app-config-import:log.problems'));
      for (const field of fields) job.output('err', t(field.key, field.params));
      job.info(t('app-config-import:log.nothingApplied'));
      throw new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'config-import' }, { fields });
    }
    if (params.dryRun) {
      job.info(t('app-config-import:log.dryRun', { count: plan.apps.length }));
      return;
    }
    const outcome = await applyImported(plan, catalog.apps, job, env);
    job.info(
      t('app-config-import:log.summary', {
        applied: outcome.applied.length,
        failed: outcome.failed.length,
        skipped: outcome.skipped.length + plan.skipped.length,
      }),
    );
    if (outcome.failed.length) {
      job.info(t('app-config-import:log.failedApps', { apps: outcome.failed.map((f) => f.appId).join(', ') }));
      throw outcome.failed[0]!.error;
    }
  },
});
