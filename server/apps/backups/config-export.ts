import path from 'node:path';
import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import type { System } from '../../system/index.js';
import { configFormat, exportConfiguration, serializeConfiguration } from '../config-transfer.js';
import { param } from '../params.js';
import { defineApp } from '../types.js';

/** Under the state directory (paths.stateDir is $ROOT/var/lib/hearth), which only root reads. */
export const defaultConfigFile = '/var/lib/hearth/exports/hearth-config.json';

/**
 * Where an export may be written. The file must be named *.json, and an existing file
 * is only replaced when it is an earlier export: a slip of the keyboard must not put
 * JSON over /etc/fstab, nor a new file into a directory that runs whatever it holds
 * (sudoers.d, cron.d and the like ignore names with a dot).
 */
export async function checkExportTarget(system: System, file: string): Promise<FieldError[]> {
  const refuse = (key: string): FieldError[] => [{ param: 'path', key: `app-config-export:errors.${key}` }];
  if (!file.endsWith('.json') || file.endsWith('/.json')) return refuse('notJsonName');
  let target: string;
  try {
    target = system.paths.systemFile(file);
  } catch {
    return refuse('outsideRoot');
  }
  const type = await system.pathType(target);
  if (type === 'directory') return refuse('isDirectory');
  if (type === 'other') return refuse('notRegularFile');
  if (type === 'file') {
    let existing: unknown;
    try {
      existing = JSON.parse((await system.readFile(target)) ?? '');
    } catch {
      return refuse('wouldOverwrite');
    }
    if ((existing as { format?: unknown } | null)?.format !== configFormat) return refuse('wouldOverwrite');
    return [];
  }
  // The nearest existing ancestor must be a directory (the missing ones are created).
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const parent = await system.pathType(dir);
    if (parent === 'directory') return [];
    if (parent !== undefined) return refuse('parentNotDirectory');
    if (path.dirname(dir) === dir) return [];
  }
}

export default defineApp({
  id: 'config-export',
  category: 'backups',
  kind: 'action',
  params: Type.Object({
    path: param.path({ default: defaultConfigFile, expect: 'file' }),
  }),
  async status(env) {
    const { apps, saved } = env;
    const configured = apps.filter((app) => app.kind === 'configure' && saved.get(app.id) !== undefined).length;
    return { active: null, values: {}, details: [{ label: 'app-config-export:details.configured', value: String(configured) }] };
  },
  async validate({ path: file }, env) {
    return checkExportTarget(env.system, file);
  },
  async run({ path: file }, job, env) {
    const { system } = job;
    // Checked again: the form was validated before the job waited for its turn.
    const refused = await checkExportTarget(system, file);
    if (refused.length) throw new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'config-export' }, { fields: refused });
    const { apps, saved } = env;
    const document = exportConfiguration(apps, saved, env);
    const ids = Object.keys(document.apps);
    if (ids.length === 0) job.info(job.t('app-config-export:log.nothing'));
    for (const id of ids) {
      const entry = document.apps[id]!;
      const bindings = Object.entries(document.bindings[id] ?? {});
      job.info(job.t('app-config-export:log.app', { count: Object.keys(entry.params).length + bindings.length, name: job.t(`app-${id}:name`), app: id }));
      if (bindings.length) {
        const list = bindings.map(([name, b]) => `${name} = ${JSON.stringify(b.value)} (${job.t(`app-config-import:kinds.${b.kind}`)})`).join(', ');
        job.info(job.t('app-config-export:log.bindings', { list }));
      }
      if (entry.secretsNotExported?.length) job.info(job.t('app-config-export:log.secrets', { list: entry.secretsNotExported.join(', ') }));
    }
    job.info(job.t('app-config-export:log.writing', { file }));
    // No secrets inside, but it maps the box (accounts, shares, networks): owner-only, like the state directory.
    await system.writeFile(system.paths.systemFile(file), serializeConfiguration(document), { mode: 0o600 });
    job.info(job.t('app-config-export:log.done', { count: ids.length, file }));
  },
});
