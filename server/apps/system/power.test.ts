import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HearthError } from '../../errors.js';
import { translator } from '../../i18n.js';
import { appHarness } from '../../testing/app-harness.js';
import powerApp from './power.js';

describe('power app', () => {
  it('restarts the box with systemctl reboot once confirmed', async () => {
    const box = appHarness({ apps: [powerApp] });
    const { job, log } = await box.run('power', { action: 'reboot', confirm: true });
    expect(job.status).toBe('succeeded');
    expect(await box.programs()).toEqual([['systemctl', 'reboot']]);
    expect(log).toEqual(['Restarting the box now. The panel comes back in a minute or two.', '$ systemctl reboot']);
    // A one-shot action: nothing kept, so the next run must be confirmed again.
    expect(box.appliance.saved.get('power')).toBeUndefined();
  });

  it('shuts the box down with systemctl poweroff once confirmed', async () => {
    const box = appHarness({ apps: [powerApp] });
    const { job, log } = await box.run('power', { action: 'poweroff', confirm: true });
    expect(job.status).toBe('succeeded');
    expect(await box.programs()).toEqual([['systemctl', 'poweroff']]);
    expect(log).toEqual(['Shutting the box down now. It is safe to unplug it when its activity light stays off.', '$ systemctl poweroff']);
  });

  it('does nothing without the confirmation, or with anything but a listed action', async () => {
    const box = appHarness({ apps: [powerApp] });
    const unconfirmed = [{ param: 'confirm', key: 'app-power:errors.confirm' }];
    expect(await box.refused('power', {})).toEqual(unconfirmed);
    expect(await box.refused('power', { action: 'reboot' })).toEqual(unconfirmed);
    expect(await box.refused('power', { action: 'poweroff', confirm: false })).toEqual(unconfirmed);
    for (const confirm of ['yes', 1, 'true', null]) {
      expect(await box.refused('power', { action: 'reboot', confirm }), String(confirm)).toEqual([{ param: 'confirm', key: 'errors:fields.wrongType' }]);
    }
    for (const action of ['halt', 'Reboot', '', 'reboot; rm -rf /', 'reboot\0', 'kexec']) {
      expect(await box.refused('power', { action, confirm: true }), action).toEqual([{ param: 'action', key: 'errors:fields.notInList' }]);
    }
    expect(await box.refused('power', { action: 42, confirm: true })).toEqual([{ param: 'action', key: 'errors:fields.wrongType' }]);
    expect(await box.refused('power', { action: 'reboot', confirm: true, force: true })).toEqual([{ param: 'force', key: 'errors:fields.unknown' }]);
    expect(await box.programs()).toEqual([]);
    expect(box.appliance.jobs.recent(10)).toEqual([]);
  });

  it('shows a warning, the two actions and the confirmation in its form', async () => {
    const box = appHarness({ apps: [powerApp] });
    const detail = await box.appliance.apps.detail('power', translator('en'));
    expect(detail).toMatchObject({ kind: 'action', available: true, info: expect.stringContaining('Every service stops') });
    expect(detail.params).toEqual([
      expect.objectContaining({ id: 'action', kind: 'enum', default: 'reboot', options: [{ value: 'reboot', label: 'Restart' }, { value: 'poweroff', label: 'Shut down' }] }),
      expect.objectContaining({ id: 'confirm', kind: 'boolean', default: false, value: false, label: 'Yes, do it now' }),
    ]);
    const zh = await box.appliance.apps.detail('power', translator('zh-CN'));
    expect(zh.params[0]!.options).toEqual([{ value: 'reboot', label: '重启' }, { value: 'poweroff', label: '关机' }]);
  });

  it('is not available in a container, where the host owns the power', async () => {
    const box = appHarness({ apps: [powerApp] });
    mkdirSync(box.appliance.paths.systemFile('run/systemd'), { recursive: true });
    writeFileSync(box.appliance.paths.systemFile('run/systemd/container'), 'lxc\n');
    const [summary] = await box.appliance.apps.list(translator('en'));
    expect(summary).toMatchObject({ id: 'power', available: false, unavailableReason: expect.stringContaining('lxc') });
    const refused = await box.run('power', { action: 'reboot', confirm: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HearthError);
    expect((refused as HearthError).code).toBe('HEARTH_ERR_APP_UNAVAILABLE');
    expect(await box.programs()).toEqual([]);
    expect(box.appliance.jobs.recent(10)).toEqual([]);
  });
});
