import { describe, expect, it } from 'vitest';
import { appHarness } from '../../testing/app-harness.js';
import { translator } from '../../i18n.js';
import { channelToUse, officialChannels, updateCohort, updateSettings } from './updates.js';

describe('updates app', () => {
  it('defaults to automatic updates with every guard on, apt left alone', async () => {
    const { appliance } = appHarness();
    const settings = updateSettings(appliance.env);
    expect(settings).toEqual({
      autoUpdate: true,
      channel: { kind: 'stable', url: officialChannels.stable, name: 'stable' },
      policy: { soakHours: 24, canary: false, requireFreshBackup: true, pauseAfterFailure: true },
      osPackages: false,
      checkEveryHours: 6,
    });
  });

  it('refuses a custom channel without a URL, or with one that is not https://, file:// or this box, and keeps nothing', async () => {
    const harness = appHarness();
    expect(await harness.refused('updates', { channel: 'custom' })).toEqual([{ param: 'customChannelUrl', key: 'app-updates:errors.customUrlNeeded' }]);
    for (const url of ['http://releases.example.org/manifest.json', 'ftp://mirror/manifest.json', 'not a url', 'https://user:secret@mirror.example/manifest.json', 'file://fileserver/share/manifest.json']) {
      expect(await harness.refused('updates', { channel: 'custom', customChannelUrl: url }), url).toEqual([{ param: 'customChannelUrl', key: 'errors:HEARTH_ERR_RELEASE_CHANNEL_URL' }]);
    }
    // Checked even while another channel is chosen: a bad URL is never kept for later.
    expect(await harness.refused('updates', { channel: 'beta', customChannelUrl: 'gopher://x' })).toEqual([{ param: 'customChannelUrl', key: 'errors:HEARTH_ERR_RELEASE_CHANNEL_URL' }]);
    expect(await harness.refused('updates', { soakHours: -1 })).toEqual([{ param: 'soakHours', key: 'errors:fields.tooSmall' }]);
    expect(await harness.refused('updates', { checkEveryHours: 25 })).toEqual([{ param: 'checkEveryHours', key: 'errors:fields.tooLarge' }]);
    expect(await harness.refused('updates', { channel: 'nightly' })).toEqual([{ param: 'channel', key: 'errors:fields.notInList' }]);
    expect(harness.appliance.saved.get('updates')).toBeUndefined();
    expect(harness.appliance.jobs.recent(10)).toEqual([]);
  });

  it('keeps a custom https:// or file:// channel and logs what it means', async () => {
    const harness = appHarness();
    const { job, log } = await harness.run('updates', { channel: 'custom', customChannelUrl: 'file:///media/usb/hearth/manifest.json', soakHours: 48, osPackages: true });
    expect(job.status).toBe('succeeded');
    expect(log).toContain('Channel: custom (file:///media/usb/hearth/manifest.json).');
    expect(log).toContain('Updates are installed automatically in the maintenance window, once a release has been out 48 hours.');
    expect(log).toContain('System packages are upgraded with apt in the maintenance window.');
    const settings = updateSettings(harness.appliance.env);
    expect(channelToUse(settings)).toEqual({ kind: 'custom', url: 'file:///media/usb/hearth/manifest.json' });
    expect((await harness.run('updates', { customChannelUrl: 'https://mirror.example.org/hearth/manifest.json' })).job.status).toBe('succeeded');
    expect(channelToUse(updateSettings(harness.appliance.env)).url).toBe('https://mirror.example.org/hearth/manifest.json');
  });

  it('says there is no release server yet for stable and beta, instead of a URL that answers nothing', async () => {
    const harness = appHarness();
    expect(officialChannels).toEqual({ stable: null, beta: null });
    expect(() => channelToUse(updateSettings(harness.appliance.env))).toThrow(expect.objectContaining({ code: 'HEARTH_ERR_UPDATE_NO_CHANNEL', params: { channel: 'stable' } }));
    const { log } = await harness.run('updates', { channel: 'beta' });
    expect(log).toContain('Channel: beta — no release server exists for it yet, so nothing can be installed from it.');
    const detail = await harness.appliance.apps.detail('updates', translator('en'));
    expect(detail.details).toContainEqual({ label: 'Channel (no release server yet)', value: 'beta' });
    // A channel given for one run (hearth update --channel) is checked the same way.
    expect(() => channelToUse(updateSettings(harness.appliance.env), 'http://example.org/manifest.json')).toThrow(expect.objectContaining({ code: 'HEARTH_ERR_RELEASE_CHANNEL_URL' }));
  });

  it('draws the rollout cohort once and keeps it', () => {
    const { appliance } = appHarness();
    expect(appliance.settings.get('updates.cohort')).toBeNull();
    const cohort = updateCohort(appliance.settings);
    expect(cohort).toBeGreaterThanOrEqual(0);
    expect(cohort).toBeLessThan(100);
    expect(Number.isInteger(cohort)).toBe(true);
    for (let i = 0; i < 5; i++) expect(updateCohort(appliance.settings)).toBe(cohort);
  });
});
