import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { HearthError } from '../../errors.js';
import { translator } from '../../i18n.js';
import type { JobContext } from '../../jobs/job-context.js';
import { appHarness } from '../../testing/app-harness.js';
import hostname from '../config/hostname.js';
import type { BindingHooks } from '../config-transfer.js';
import { param } from '../params.js';
import { defineApp, type AnyAppDefinition, type AppCategory } from '../types.js';
import configExport from './config-export.js';
import configImport from './config-import.js';

/**
 * Test-only configure apps: each writes a file under etc/ and restarts "its service"
 * (recorded by the sandbox), so the order of programs shows the order of applies.
 */
function recorder(id: string, category: AppCategory, extra: Partial<AnyAppDefinition> & BindingHooks = {}): AnyAppDefinition {
  const base: AnyAppDefinition = defineApp({
    id,
    category,
    kind: 'configure',
    params: Type.Object({ level: param.integer({ default: 1, minimum: 0, maximum: 9 }) }),
    async status() {
      return { active: null, values: {} };
    },
    async apply(params, job) {
      await job.system.writeFile(job.system.paths.systemFile(`etc/${id}.conf`), `${JSON.stringify(params)}\n`);
      await job.run(['systemctl', 'restart', `${id}.service`]);
    },
  });
  return { ...base, ...extra };
}

/** Binds the box to one network interface: the machine-specific value of this test. */
const net = recorder('net', 'networking', {
  params: Type.Object({
    iface: param.string({ default: 'eth0', pattern: '^[a-z0-9]+$', maxLength: 15 }),
    mtu: param.integer({ default: 1500, minimum: 576, maximum: 9000 }),
  }),
  bindings: ['iface'],
  bindingKinds: { iface: 'interface' },
} as Partial<AnyAppDefinition> & BindingHooks);
/** Shares over the network: ordered after net although its category sorts first. */
const share = recorder('share', 'backups', { after: ['net'] });
/** Keeps an SMTP password, sealed. */
const mailer = recorder('mailer', 'system', {
  params: Type.Object({ to: param.string({ default: 'root', maxLength: 64 }), password: param.secret({ keep: 'sealed', maxLength: 64 }) }),
});
/** Its service does not exist on this box: apply fails. */
const broken = recorder('broken', 'config', {
  async apply(_params, job) {
    await job.run(['systemctl', 'frobnicate', 'broken.service']);
  },
});
const afterBroken = recorder('after-broken', 'tools', { after: ['broken'] });

function importBox(apps: readonly AnyAppDefinition[] = [hostname, net, share, mailer, configExport, configImport]) {
  const box = appHarness({ apps });
  return box;
}

function addInterface(box: ReturnType<typeof appHarness>, name: string) {
  mkdirSync(box.appliance.paths.systemFile(`sys/class/net/${name}`), { recursive: true });
  writeFileSync(box.appliance.paths.systemFile(`sys/class/net/${name}/address`), '02:42:ac:11:00:02\n');
}

function writeConfig(box: ReturnType<typeof appHarness>, content: unknown, file = 'root/config.json') {
  mkdirSync(box.appliance.paths.systemFile(file.replace(/\/[^/]*$/, '')), { recursive: true });
  writeFileSync(box.appliance.paths.systemFile(file), typeof content === 'string' ? content : JSON.stringify(content));
  return `/${file}`;
}

const envelope = { format: 'hearth-config', version: 1, exportedAt: '2026-11-28T12:00:00.000Z', hearthVersion: '0.1.0', board: null };

/** The field errors an import is refused with, translated as the form and the CLI show them. */
async function refusal(box: ReturnType<typeof appHarness>, input: Record<string, unknown>): Promise<Array<[string, string]>> {
  try {
    await box.appliance.apps.start('config-import', input, { startedBy: 'cli:test', language: 'en' });
  } catch (error) {
    if (error instanceof HearthError && error.code === 'HEARTH_ERR_APP_PARAMS_INVALID') {
      const t = translator('en');
      return (error.fields ?? []).map((field) => [field.param, t(field.key, field.params)]);
    }
    throw error;
  }
  throw new Error(`config-import accepted ${JSON.stringify(input)}`);
}

describe('config-import app', () => {
  it('brings an exported configuration back: saved values, files, and programs re-run in dependency order', async () => {
    const box = importBox();
    addInterface(box, 'end0');
    await box.run('hostname', { hostname: 'attic' });
    await box.run('share', { level: 4 });
    await box.run('net', { iface: 'end0', mtu: 9000 });
    expect((await box.run('config-export', { path: '/root/attic.json' })).job.status).toBe('succeeded');

    await box.run('hostname', { hostname: 'changed' });
    await box.run('net', { iface: 'end0', mtu: 1500 });
    expect(box.file('etc/hostname')).toBe('changed\n');
    const before = (await box.programs()).length;

    const { job, log } = await box.run('config-import', { path: '/root/attic.json' });
    expect(job.status).toBe('succeeded');
    expect(box.file('etc/hostname')).toBe('attic\n');
    expect(box.file('etc/net.conf')).toBe('{"iface":"end0","mtu":9000}\n');
    expect(box.appliance.saved.get('hostname')).toEqual({ hostname: 'attic' });
    expect(box.appliance.saved.get('net')).toEqual({ iface: 'end0', mtu: 9000 });
    expect(box.appliance.saved.get('share')).toEqual({ level: 4 });
    expect((await box.programs()).slice(before)).toEqual([
      ['hostnamectl', 'set-hostname', 'attic'],
      ['systemctl', 'try-restart', 'avahi-daemon.service'],
      ['systemctl', 'restart', 'net.service'],
      ['systemctl', 'restart', 'share.service'],
    ]);
    expect(log).toEqual([
      'Reading /root/attic.json',
      expect.stringMatching(/^Exported on \d{4}-.*Z by Hearth \d+\.\d+\.\d+/),
      '1. Hostname (hostname)',
      '   hostname: "changed" → "attic"',
      '2. name (net)',
      '   mtu: 1500 → 9000',
      '   iface = "end0" (network interface): fits this box',
      '3. name (share)',
      '   same settings as now; applied again',
      '— 1/3 Hostname (hostname) —',
      'Writing /etc/hostname',
      'Writing /etc/hosts',
      '$ hostnamectl set-hostname attic',
      '$ systemctl try-restart avahi-daemon.service',
      'The box is now called attic; on the network it is attic.local.',
      'Hostname: applied.',
      '— 2/3 name (net) —',
      '$ systemctl restart net.service',
      'name: applied.',
      '— 3/3 name (share) —',
      '$ systemctl restart share.service',
      'name: applied.',
      'Import finished: 3 applied, 0 failed, 0 skipped.',
    ]);
  });

  it('moves to another board: a binding that does not fit blocks everything until a replacement is given', async () => {
    const old = importBox();
    addInterface(old, 'eth0');
    await old.run('net', { iface: 'eth0', mtu: 9000 });
    await old.run('hostname', { hostname: 'attic' });
    await old.run('config-export', { path: '/root/attic.json' });
    const exported = readFileSync(old.appliance.paths.systemFile('root/attic.json'), 'utf8');
    expect(JSON.parse(exported).bindings).toEqual({ net: { iface: { value: 'eth0', kind: 'interface' } } });

    // The new board names its Ethernet port end0.
    const box = importBox();
    addInterface(box, 'end0');
    const path = writeConfig(box, exported);
    expect(await refusal(box, { path })).toEqual([
      ['bindings', 'net.iface = eth0 does not fit this box: this box has no network interface of that name. Give a replacement as net.iface=<value>.'],
    ]);
    expect(await refusal(box, { path, bindings: 'net.iface=wlan9' })).toEqual([
      ['bindings', 'net.iface = wlan9 does not fit this box: this box has no network interface of that name. Give a replacement as net.iface=<value>.'],
    ]);
    expect(await refusal(box, { path, bindings: 'net.iface=end0\nnet.mtu=1500\nnonsense' })).toEqual([
      ['bindings', 'net.mtu is not a machine value of an app in the file.'],
      ['bindings', 'Line 3 is not of the form app.setting=value.'],
    ]);
    expect(await refusal(box, { path, bindings: 'net.iface=$(reboot)' })).toEqual([['path', 'In the file, net → iface: This value does not have the right form.']]);
    expect(await box.programs()).toEqual([]);
    expect(box.appliance.saved.all()).toEqual([]);
    expect(box.appliance.jobs.recent(10)).toEqual([]);

    const { job, log } = await box.run('config-import', { path, bindings: 'net.iface = end0\n' });
    expect(job.status).toBe('succeeded');
    expect(log).toContain('   iface = "end0" (network interface): replacement, fits this box');
    expect(box.appliance.saved.get('net')).toEqual({ iface: 'end0', mtu: 9000 });
    expect(box.file('etc/hostname')).toBe('attic\n');
    expect(await box.programs()).toEqual([
      ['hostnamectl', 'set-hostname', 'attic'],
      ['systemctl', 'try-restart', 'avahi-daemon.service'],
      ['systemctl', 'restart', 'net.service'],
    ]);
  });

  it('applies nothing from a file that is invalid anywhere', async () => {
    const box = importBox();
    addInterface(box, 'end0');
    await box.run('hostname', { hostname: 'before' });
    const programs = await box.programs();
    const good = { hostname: { params: { hostname: 'after' } }, share: { params: { level: 2 } } };
    mkdirSync(box.appliance.paths.systemFile('root/a-directory.json'), { recursive: true });
    const cases: Array<[string | undefined, string[]]> = [
      ['{"format": "hearth-config", "version": 1,', ['The file is not valid JSON.']],
      [JSON.stringify({ ...envelope, format: 'ncp-config', apps: good, bindings: {} }), ['This is not a Hearth configuration file.']],
      [
        JSON.stringify({ ...envelope, version: 2, apps: good, bindings: {} }),
        ['The file was written by a newer Hearth (format version 2; this version reads up to 1). Update this box first.'],
      ],
      [
        JSON.stringify({ ...envelope, apps: { ...good, net: { params: { mtu: 'lots' } } }, bindings: { net: { iface: { value: 'end0', kind: 'interface' } } } }),
        ['In the file, net → mtu: This value has the wrong type.'],
      ],
      [JSON.stringify({ ...envelope, apps: { ...good, net: { params: { mtu: 576, iface: 'end0' } } }, bindings: { net: { iface: { value: 'end0', kind: 'interface' } } } }), ['In the file, net → iface: it is given both as a setting and as a machine value.']],
      [JSON.stringify({ ...envelope, apps: { ...good, net: { params: { mtu: 100 } } }, bindings: {} }), ['In the file, net → mtu: Must be at least 576.', 'net.iface = eth0 does not fit this box: this box has no network interface of that name. Give a replacement as net.iface=<value>.']],
      [JSON.stringify({ ...envelope, apps: { ...good, hostname: { params: { hostname: 'bad_name' } } }, bindings: {} }), ['In the file, hostname → hostname: Use letters, digits and hyphens only, up to 63 characters, not starting or ending with a hyphen.']],
      [JSON.stringify({ ...envelope, apps: { ...good, mailer: { params: { password: 'in-clear' } } }, bindings: {} }), ["In the file, mailer → password: a secret cannot be imported from a file; enter it in the app's form."]],
      [JSON.stringify({ ...envelope, apps: good }), ['The file is damaged or was edited wrongly (at /).']],
    ];
    for (const [content, messages] of cases) {
      const path = writeConfig(box, content);
      expect(await refusal(box, { path }), content).toEqual(messages.map((message) => [message.includes('does not fit') ? 'bindings' : 'path', message]));
    }
    expect(await refusal(box, { path: '/root/missing.json' })).toEqual([['path', 'There is no file /root/missing.json.']]);
    expect(await refusal(box, { path: '/root/a-directory.json' })).toEqual([['path', '/root/a-directory.json is not an ordinary file.']]);
    for (const [input, key] of [
      [{ path: 'relative.json' }, 'app-config-import:params.path.invalid'],
      [{ path: 42 }, 'errors:fields.wrongType'],
      [{ path: '/root/config.json', dryRun: 'maybe' }, 'errors:fields.wrongType'],
      [{ path: '/root/config.json', bindings: 'x'.repeat(8193) }, 'errors:fields.tooLong'],
    ] as const) {
      expect((await box.refused('config-import', input))[0]?.key, JSON.stringify(input).slice(0, 60)).toBe(key);
    }
    expect(await box.programs()).toEqual(programs);
    expect(box.appliance.saved.all()).toEqual([{ appId: 'hostname', params: { hostname: 'before' } }]);
    expect(box.file('etc/hostname')).toBe('before\n');
    expect(box.appliance.jobs.recent(10).map((job) => job.appId)).toEqual(['hostname']);
  });

  it('checks the file again inside the job, and applies nothing when it has gone bad since', async () => {
    const box = importBox();
    const path = writeConfig(box, { ...envelope, apps: { hostname: { params: { hostname: 'after' } } }, bindings: {} });
    await box.appliance.apps.check('config-import', { path });
    writeConfig(box, { ...envelope, apps: { hostname: { params: { hostname: '-bad-' } } }, bindings: {} });
    const lines: string[] = [];
    const job: JobContext = {
      id: 1,
      system: box.appliance.system,
      t: translator('en'),
      info: (text) => lines.push(text),
      output: (_stream, text) => lines.push(text),
      run: () => Promise.reject(new Error('nothing may run')),
      progress: () => {},
      flushLog: () => {},
    };
    const env = box.appliance.env;
    await expect(configImport.run!({ path, bindings: '', dryRun: false }, job, env)).rejects.toMatchObject({ code: 'HEARTH_ERR_APP_PARAMS_INVALID' });
    expect(lines).toEqual([
      'Reading /root/config.json',
      expect.stringMatching(/^Exported on /),
      '1. Hostname (hostname)',
      '   not configured on this box yet',
      'The file cannot be imported as it is:',
      'In the file, hostname → hostname: Use letters, digits and hyphens only, up to 63 characters, not starting or ending with a hyphen.',
      'Nothing was changed.',
    ]);
    expect(box.appliance.saved.all()).toEqual([]);
    expect(box.file('etc/hostname')).toBeUndefined();
  });

  it('refuses apps that come after one another in a circle', async () => {
    const a = recorder('ring-a', 'config', { after: ['ring-b'] });
    const b = recorder('ring-b', 'config', { after: ['ring-a'] });
    const box = importBox([a, b, hostname, configImport]);
    const path = writeConfig(box, { ...envelope, apps: { 'ring-a': { params: {} }, hostname: { params: { hostname: 'x' } } }, bindings: {} });
    expect(await refusal(box, { path })).toEqual([['path', 'The apps cannot be put in order: ring-a → ring-b → ring-a come after one another in a circle.']]);
    expect(await box.programs()).toEqual([]);
    expect(box.appliance.saved.all()).toEqual([]);
  });

  it('reports apps it does not know, and applies the rest', async () => {
    const box = importBox();
    const path = writeConfig(box, { ...envelope, apps: { hostname: { params: { hostname: 'attic' } }, 'photo-frame': { params: { slideshow: true } } }, bindings: {} });
    const { job, log } = await box.run('config-import', { path });
    expect(job.status).toBe('succeeded');
    expect(log).toContain('Skipped photo-frame: this version of Hearth has no such app.');
    expect(log.at(-1)).toBe('Import finished: 1 applied, 0 failed, 1 skipped.');
    expect(box.appliance.saved.get('hostname')).toEqual({ hostname: 'attic' });
    expect(box.appliance.saved.get('photo-frame')).toBeUndefined();
  });

  it('never exports secrets; keeps the ones this box has, and skips an app whose secret it lacks', async () => {
    const old = importBox();
    await old.run('mailer', { to: 'owner@example.org', password: 'Tr0ub4dor&3' });
    await old.run('config-export', { path: '/root/attic.json' });
    const exported = old.file('root/attic.json')!;
    expect(exported).not.toContain('Tr0ub4dor');
    expect(JSON.parse(exported).apps.mailer).toEqual({ params: { to: 'owner@example.org' }, secretsNotExported: ['password'] });

    // Back onto the same box: the sealed password stays and reaches apply().
    await old.run('mailer', { to: 'someone-else@example.org' });
    const again = await old.run('config-import', { path: '/root/attic.json' });
    expect(again.job.status).toBe('succeeded');
    expect(again.log).toContain('   keeps the secret stored on this box: password');
    expect(old.file('etc/mailer.conf')).toBe('{"to":"owner@example.org","password":"Tr0ub4dor&3"}\n');
    expect(await old.appliance.saved.openSecret('mailer', 'password')).toBe('Tr0ub4dor&3');

    // Onto a new box: nothing to take the password from.
    const box = importBox();
    const { job, log } = await box.run('config-import', { path: writeConfig(box, exported) });
    expect(job.status).toBe('succeeded');
    expect(log).toContain("Skipped mailer: its secret (password) is not in the file and not stored on this box. Enter it in the app's form, then apply the app.");
    expect(box.appliance.saved.get('mailer')).toBeUndefined();
    expect(box.file('etc/mailer.conf')).toBeUndefined();
  });

  it('goes on with independent apps when one fails, skips those after it, and ends failed', async () => {
    const box = importBox([broken, afterBroken, share, net, hostname, configImport]);
    addInterface(box, 'eth0');
    const path = writeConfig(box, {
      ...envelope,
      apps: { broken: { params: {} }, 'after-broken': { params: {} }, share: { params: { level: 3 } }, net: { params: { mtu: 1500 } } },
      bindings: { net: { iface: { value: 'eth0', kind: 'interface' } } },
    });
    const { job, log } = await box.run('config-import', { path });
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('HEARTH_ERR_PROGRAM_FAILED');
    expect(await box.programs()).toEqual([
      ['systemctl', 'frobnicate', 'broken.service'],
      ['systemctl', 'restart', 'net.service'],
      ['systemctl', 'restart', 'share.service'],
    ]);
    const applying = log.slice(log.indexOf('— 1/4 name (broken) —'));
    expect(applying).toEqual([
      '— 1/4 name (broken) —',
      '$ systemctl frobnicate broken.service',
      'systemctl (sandbox): unsupported command frobnicate',
      'The program systemctl failed (exit 1).',
      'name: failed.',
      '— 2/4 name (net) —',
      '$ systemctl restart net.service',
      'name: applied.',
      '— 3/4 name (share) —',
      '$ systemctl restart share.service',
      'name: applied.',
      '— 4/4 name (after-broken) —',
      'name: skipped, because broken was not applied.',
      'Import finished: 2 applied, 1 failed, 1 skipped.',
      'Apply these again from their own pages once the cause is fixed: broken',
      'The program systemctl failed (exit 1).',
    ]);
    // The failed app's values are saved, as a failed form run saves them: the box's desired state.
    expect(box.appliance.saved.get('broken')).toEqual({ level: 1 });
    expect(box.appliance.saved.get('after-broken')).toBeUndefined();
  });

  it('shows the plan on a dry run and changes nothing', async () => {
    const box = importBox();
    await box.run('hostname', { hostname: 'before' });
    const programs = await box.programs();
    const path = writeConfig(box, { ...envelope, apps: { hostname: { params: { hostname: 'after' } }, share: { params: { level: 7 } } }, bindings: {} });
    const { job, log } = await box.run('config-import', { path, dryRun: true });
    expect(job.status).toBe('succeeded');
    expect(log.slice(2)).toEqual([
      '1. Hostname (hostname)',
      '   hostname: "before" → "after"',
      '2. name (share)',
      '   not configured on this box yet',
      'Dry run: 2 apps would be applied; nothing was changed. Turn “dry run” off to apply.',
    ]);
    expect(await box.programs()).toEqual(programs);
    expect(box.appliance.saved.all()).toEqual([{ appId: 'hostname', params: { hostname: 'before' } }]);
  });

  it('arms the watchdog for a change that could lock the owner out, as a form run does', async () => {
    const access = recorder('access', 'security', { confirmation: { seconds: 60, needed: (previous: { level: number }, next: { level: number }) => previous.level !== next.level } });
    const box = importBox([access, hostname, configImport]);
    await box.run('access', { level: 2 });
    box.appliance.settings.set('watchdog.pending', null);
    const same = writeConfig(box, { ...envelope, apps: { access: { params: { level: 2 } } }, bindings: {} }, 'root/same.json');
    expect((await box.run('config-import', { path: same })).job.status).toBe('succeeded');
    expect(box.appliance.settings.get('watchdog.pending')).toBeNull();

    const path = writeConfig(box, { ...envelope, apps: { access: { params: { level: 5 } }, hostname: { params: { hostname: 'attic' } } }, bindings: {} });
    const { job, log } = await box.run('config-import', { path });
    expect(job.status).toBe('succeeded');
    expect(log).toContain('Confirm this change from the panel within 60 seconds, or it will be undone by itself.');
    expect(box.appliance.settings.get('watchdog.pending')).toMatchObject({ appId: 'access', previous: { level: 2 }, jobId: job.id, language: 'en' });
  });

  it('holds the maintenance lock and describes itself in both languages', async () => {
    expect(configImport.heavy).toBe(true);
    const box = importBox();
    for (const language of ['en', 'zh-CN']) {
      const detail = await box.appliance.apps.detail('config-import', translator(language));
      expect(detail.info).toBeTruthy();
      expect(detail.params.map((p) => [p.id, p.kind, p.default])).toEqual([
        ['path', 'path', '/var/lib/hearth/exports/hearth-config.json'],
        ['bindings', 'text', ''],
        ['dryRun', 'boolean', false],
      ]);
      for (const p of detail.params) expect(p.label).not.toMatch(/^params\./);
    }
  });
});
