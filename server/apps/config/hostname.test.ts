import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appHarness } from '../../testing/app-harness.js';
import { hostsWithName } from './hostname.js';

describe('hostname app', () => {
  it('writes /etc/hostname and /etc/hosts, runs hostnamectl, and reads the name back', async () => {
    const box = appHarness();
    mkdirSync(box.appliance.paths.systemFile('etc'), { recursive: true });
    writeFileSync(box.appliance.paths.systemFile('etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\told-name\n192.168.1.5\tprinter\n');
    const { job, log } = await box.run('hostname', { hostname: 'Attic-NAS' });
    expect(job.status).toBe('succeeded');
    expect(box.file('etc/hostname')).toBe('attic-nas\n');
    expect(box.file('etc/hosts')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\tattic-nas\n192.168.1.5\tprinter\n');
    expect(await box.programs()).toEqual([
      ['hostnamectl', 'set-hostname', 'attic-nas'],
      ['systemctl', 'try-restart', 'avahi-daemon.service'],
    ]);
    expect(log).toContain('$ hostnamectl set-hostname attic-nas');
    expect(log.at(-1)).toBe('The box is now called attic-nas; on the network it is attic-nas.local.');
    const detail = await box.appliance.apps.detail('hostname', (await import('../../i18n.js')).translator('en'));
    expect(detail.params[0]).toMatchObject({ id: 'hostname', kind: 'string', value: 'attic-nas' });
    expect(detail.details).toEqual([{ label: 'Network name (mDNS)', value: 'attic-nas.local' }]);
    expect(box.appliance.saved.get('hostname')).toEqual({ hostname: 'Attic-NAS' });
  });

  it('creates /etc/hosts when the box has none', () => {
    expect(hostsWithName(undefined, 'nas')).toMatch(/^127\.0\.0\.1\tlocalhost\n127\.0\.1\.1\tnas\n::1/);
  });

  it('refuses names that are not RFC 1123 labels, changing nothing', async () => {
    const box = appHarness();
    expect(await box.refused('hostname', { hostname: 'a'.repeat(64) })).toEqual([{ param: 'hostname', key: 'errors:fields.tooLong' }]);
    for (const hostname of ['bad_name', '-leading', 'trailing-', 'with space', 'dot.ted', '', 'näs', '$(reboot)']) {
      expect(await box.refused('hostname', { hostname }), hostname).toEqual([{ param: 'hostname', key: 'app-hostname:params.hostname.invalid' }]);
    }
    expect(await box.refused('hostname', { hostname: '1234' })).toEqual([{ param: 'hostname', key: 'app-hostname:errors.allDigits' }]);
    expect(await box.refused('hostname', { hostname: 42 })).toEqual([{ param: 'hostname', key: 'errors:fields.wrongType' }]);
    expect(await box.refused('hostname', { hostname: 'ok', extra: 1 })).toEqual([{ param: 'extra', key: 'errors:fields.unknown' }]);
    expect(box.file('etc/hostname')).toBeUndefined();
    expect(await box.programs()).toEqual([]);
    expect(box.appliance.saved.get('hostname')).toBeUndefined();
    expect(box.appliance.jobs.recent(10)).toEqual([]);
  });

  it('ends as a failed job, with the reason in its log, when a step fails', async () => {
    const box = appHarness();
    const etc = box.appliance.paths.systemFile('etc');
    mkdirSync(etc, { recursive: true });
    writeFileSync(path.join(etc, 'hostname'), 'before\n');
    // A directory where /etc/hosts should be: the write fails.
    mkdirSync(path.join(etc, 'hosts'));
    const { job, log } = await box.run('hostname', { hostname: 'after' });
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('HEARTH_ERR_INTERNAL');
    expect(log.join('\n')).toContain('Something went wrong');
  });
});
