import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { appHarness } from '../../testing/app-harness.js';
import hostname from '../config/hostname.js';
import type { AnyAppDefinition } from '../types.js';
import configExport from './config-export.js';

function exportBox(apps: readonly AnyAppDefinition[] = [hostname, configExport]) {
  const box = appHarness({ apps });
  return box;
}

describe('config-export app', () => {
  it('writes the configuration under the state directory, owner-only, and lists what it holds', async () => {
    const box = exportBox();
    await box.run('hostname', { hostname: 'attic' });
    const before = (await box.programs()).length;
    const { job, log } = await box.run('config-export');
    expect(job.status).toBe('succeeded');
    const file = `${box.appliance.paths.stateDir}/exports/hearth-config.json`;
    expect(box.appliance.paths.systemFile('/var/lib/hearth/exports/hearth-config.json')).toBe(file);
    const written = JSON.parse(box.file('var/lib/hearth/exports/hearth-config.json')!);
    expect(written).toEqual({
      format: 'hearth-config',
      version: 1,
      exportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      hearthVersion: expect.any(String),
      board: null,
      apps: { hostname: { params: { hostname: 'attic' } } },
      bindings: {},
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(log).toEqual([
      'Hostname (hostname): 1 setting',
      'Writing /var/lib/hearth/exports/hearth-config.json',
      'Exported the settings of 1 app to /var/lib/hearth/exports/hearth-config.json.',
    ]);
    // Exporting changes nothing on the box.
    expect((await box.programs()).length).toBe(before);
    const detail = await box.appliance.apps.detail('config-export', translator('en'));
    expect(detail.details).toEqual([{ label: 'Apps with saved settings', value: '1' }]);
  });

  it('writes a valid, empty configuration when no app was configured, and replaces an earlier export', async () => {
    const box = exportBox();
    const { log } = await box.run('config-export', { path: '/root/box.json' });
    expect(log[0]).toBe('No app has saved settings yet: the file lists no apps.');
    expect(JSON.parse(box.file('root/box.json')!).apps).toEqual({});
    await box.run('hostname', { hostname: 'attic' });
    expect((await box.run('config-export', { path: '/root/box.json' })).job.status).toBe('succeeded');
    expect(JSON.parse(box.file('root/box.json')!).apps).toEqual({ hostname: { params: { hostname: 'attic' } } });
  });

  it('never writes over a file that is not an earlier export, nor outside a .json name, changing nothing', async () => {
    const box = exportBox();
    const etc = box.appliance.paths.systemFile('etc');
    mkdirSync(`${etc}/dir.json`, { recursive: true });
    writeFileSync(`${etc}/settings.json`, '{"keep": "me"}\n');
    writeFileSync(`${etc}/broken.json`, 'not json');
    writeFileSync(`${etc}/hostname`, 'keep\n');
    const refusals: Array<[unknown, string]> = [
      ['/etc/hostname', 'app-config-export:errors.notJsonName'],
      ['/etc/sudoers.d/hearth', 'app-config-export:errors.notJsonName'],
      ['/root/.json', 'app-config-export:errors.notJsonName'],
      ['/etc/settings.json', 'app-config-export:errors.wouldOverwrite'],
      ['/etc/broken.json', 'app-config-export:errors.wouldOverwrite'],
      ['/etc/dir.json', 'app-config-export:errors.isDirectory'],
      ['/etc/hostname/x.json', 'app-config-export:errors.parentNotDirectory'],
      ['/etc/hostname/deeper/x.json', 'app-config-export:errors.parentNotDirectory'],
      ['relative.json', 'app-config-export:params.path.invalid'],
      ['/bad\u0000name.json', 'app-config-export:params.path.invalid'],
      ['', 'app-config-export:params.path.invalid'],
      [`/${'a'.repeat(4096)}.json`, 'errors:fields.tooLong'],
      [42, 'errors:fields.wrongType'],
    ];
    for (const [path, key] of refusals) expect(await box.refused('config-export', { path }), String(path).slice(0, 40)).toEqual([{ param: 'path', key }]);
    expect(await box.refused('config-export', { path: '/x.json', extra: 1 })).toEqual([{ param: 'extra', key: 'errors:fields.unknown' }]);
    expect(box.file('etc/settings.json')).toBe('{"keep": "me"}\n');
    expect(box.file('etc/broken.json')).toBe('not json');
    expect(box.file('etc/hostname')).toBe('keep\n');
    expect(box.appliance.jobs.recent(10)).toEqual([]);
  });

  it('texts exist in both languages for every key it uses', () => {
    for (const language of ['en', 'zh-CN']) {
      const t = translator(language);
      for (const key of ['name', 'description', 'params.path.label', 'params.path.help', 'details.configured', 'log.nothing', 'log.bindings', 'log.secrets', 'log.writing']) {
        expect(t(`app-config-export:${key}`), `${language} ${key}`).not.toBe(key);
      }
      expect(t('app-config-export:log.done', { count: 2, file: '/x.json' })).toContain('/x.json');
    }
  });
});
