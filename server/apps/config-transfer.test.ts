import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { translator } from '../i18n.js';
import { appVersion } from '../paths.js';
import { appHarness } from '../testing/app-harness.js';
import hostname from './config/hostname.js';
import {
  bindingKinds,
  checkBindingGeneric,
  checkDocument,
  configVersion,
  dependencyOrder,
  exportConfiguration,
  parseBindingLines,
  parseConfiguration,
  planFieldErrors,
  planImport,
  serializeConfiguration,
  type BindingHooks,
  type ConfigDocument,
} from './config-transfer.js';
import { param } from './params.js';
import { defineApp, type AnyAppDefinition, type AppCategory, type AppEnvironment } from './types.js';

/** A configure app that only records that it ran. */
function testApp(id: string, category: AppCategory, extra: Partial<AnyAppDefinition> & BindingHooks = {}): AnyAppDefinition & BindingHooks {
  const base: AnyAppDefinition = defineApp({
    id,
    category,
    kind: 'configure',
    params: Type.Object({ level: param.integer({ default: 1, minimum: 0, maximum: 9 }) }),
    async status() {
      return { active: null, values: {} };
    },
    async apply(_params, job) {
      await job.run(['systemctl', 'restart', `${id}.service`]);
    },
  });
  return { ...base, ...extra };
}

const net = testApp('net', 'networking', {
  params: Type.Object({
    iface: param.string({ default: 'eth0', pattern: '^[a-z0-9]+$', maxLength: 15 }),
    mac: param.string({ default: '', maxLength: 17 }),
    mtu: param.integer({ default: 1500, minimum: 576, maximum: 9000 }),
    mount: param.path({ default: '/srv', expect: 'directory' }),
  }),
  bindings: ['iface', 'mac', 'mount'],
  bindingKinds: { iface: 'interface', mac: 'mac' },
});

const mailer = testApp('mailer', 'system', {
  params: Type.Object({
    to: param.string({ default: 'root', maxLength: 64 }),
    password: param.secret({ keep: 'sealed', maxLength: 64 }),
    token: param.secret({ keep: 'never', maxLength: 64 }),
  }),
});

const oneShot = defineApp({
  id: 'one-shot',
  category: 'tools',
  kind: 'action',
  params: Type.Object({}),
  async status() {
    return { active: null, values: {} };
  },
  async run() {},
});

function envOf(box: ReturnType<typeof appHarness>): AppEnvironment {
  return box.appliance.env;
}

const document = (apps: ConfigDocument['apps'], bindings: ConfigDocument['bindings'] = {}): ConfigDocument => ({
  format: 'hearth-config',
  version: 1,
  exportedAt: '2026-11-28T12:00:00.000Z',
  hearthVersion: '0.1.0',
  board: null,
  apps,
  bindings,
});

describe('exportConfiguration', () => {
  it('writes the saved values of configured apps, bindings apart, no secret, keys sorted', async () => {
    const box = appHarness({ apps: [net, mailer, hostname, oneShot, testApp('never-configured', 'tools')] });
    await box.run('hostname', { hostname: 'attic' });
    await box.run('net', { iface: 'end0', mac: '02:42:ac:11:00:02', mtu: 9000 });
    await box.run('mailer', { to: 'owner@example.org', password: 'hunter2-Secret', token: 'one-time-Token' });
    await box.run('one-shot');

    const exported = exportConfiguration(box.appliance.apps.apps, box.appliance.saved, envOf(box), new Date('2026-11-28T12:00:00Z'));
    expect(exported).toEqual({
      format: 'hearth-config',
      version: configVersion,
      exportedAt: '2026-11-28T12:00:00.000Z',
      hearthVersion: appVersion,
      board: null,
      apps: {
        hostname: { params: { hostname: 'attic' } },
        mailer: { params: { to: 'owner@example.org' }, secretsNotExported: ['password'] },
        net: { params: { mtu: 9000 } },
      },
      bindings: {
        net: { iface: { value: 'end0', kind: 'interface' }, mac: { value: '02:42:ac:11:00:02', kind: 'mac' }, mount: { value: '/srv', kind: 'path' } },
      },
    });
    const text = serializeConfiguration(exported);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('one-time');
    expect(text).not.toContain('"password":');
    // Sorted keys, two-space JSON, a final newline: two exports of the same box diff cleanly.
    expect(text.split('\n').filter((line) => /^ {4}"/.test(line)).map((line) => line.trim())).toEqual(['"hostname": {', '"mailer": {', '"net": {', '"net": {']);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text).bindings.net)).toEqual(['iface', 'mac', 'mount']);
  });

  it('fills values saved before a parameter existed with its default, and drops parameters the app no longer has', async () => {
    const box = appHarness({ apps: [net] });
    await box.appliance.saved.save('net', { iface: 'end0', gone: 'x' }, {});
    const exported = exportConfiguration(box.appliance.apps.apps, box.appliance.saved, envOf(box));
    expect(exported.apps).toEqual({ net: { params: { mtu: 1500 } } });
    expect(exported.bindings.net).toMatchObject({ iface: { value: 'end0' }, mac: { value: '' } });
  });
});

describe('dependencyOrder', () => {
  it('puts every app after the apps it names, ties by category then id', () => {
    const share = testApp('share', 'backups', { after: ['net', 'disks'] });
    const disks = testApp('disks', 'system');
    const apps = [share, testApp('zz', 'config'), net, disks, testApp('aa', 'config'), testApp('late', 'backups', { after: ['share', 'not-installed'] })];
    const { order, unordered, cycle } = dependencyOrder(apps);
    expect(order.map((a) => a.id)).toEqual(['aa', 'zz', 'net', 'disks', 'share', 'late']);
    expect(unordered).toEqual([]);
    expect(cycle).toEqual([]);
  });

  it('leaves apps in a cycle (and those after them) unordered, naming the cycle', () => {
    const apps = [testApp('a', 'config', { after: ['b'] }), testApp('b', 'config', { after: ['a'] }), testApp('c', 'config', { after: ['b'] }), testApp('d', 'config')];
    const { order, unordered, cycle } = dependencyOrder(apps);
    expect(order.map((a) => a.id)).toEqual(['d']);
    expect(unordered.map((a) => a.id)).toEqual(['a', 'b', 'c']);
    expect(cycle).toEqual(['a', 'b', 'a']);
    expect(dependencyOrder([testApp('self', 'config', { after: ['self'] })]).cycle).toEqual(['self', 'self']);
  });
});

describe('reading a document', () => {
  it('refuses what is not a version-1 hearth-config document, naming the problem', () => {
    expect(parseConfiguration('{"format": "hearth-config",').errors).toEqual([{ key: 'app-config-import:errors.notJson' }]);
    expect(parseConfiguration('x'.repeat(1024 * 1024 + 1)).errors[0]?.key).toBe('app-config-import:errors.tooLarge');
    expect(parseConfiguration('\uFEFF{"format": "hearth-config"}')).toEqual({ document: { format: 'hearth-config' }, errors: [] });
    const good = document({ hostname: { params: { hostname: 'attic' } } });
    expect(checkDocument(good)).toEqual([]);
    const cases: Array<[unknown, string, Record<string, unknown>?]> = [
      [null, 'notHearthConfig'],
      [[], 'notHearthConfig'],
      ['hearth-config', 'notHearthConfig'],
      [{ ...good, format: 'nextcloudpi' }, 'notHearthConfig'],
      [{ ...good, version: 2 }, 'newerVersion', { found: 2, supported: 1 }],
      [{ ...good, version: '1' }, 'badVersion'],
      [{ ...good, version: 0 }, 'badVersion'],
      [{ ...good, version: 1.5 }, 'badVersion'],
      [{ ...good, apps: { hostname: { params: { hostname: null } } } }, 'malformed', { where: '/apps/hostname/params/hostname' }],
      [{ ...good, apps: { hostname: { params: {}, extra: 1 } } }, 'malformed'],
      [{ ...good, surprise: true }, 'malformed'],
      [{ ...good, bindings: { net: { iface: { value: 'eth0', kind: 'interface' } } } }, 'bindingsWithoutApp', { app: 'net' }],
      [{ ...good, apps: { 'Bad App': { params: {} } } }, 'malformed'],
      [{ ...good, apps: { hostname: { params: { 'host name': 'x' } } } }, 'malformed'],
      [JSON.parse('{"format":"hearth-config","version":1,"exportedAt":"","hearthVersion":"","board":null,"apps":{"__proto__":{"params":{}}},"bindings":{}}'), 'malformed'],
    ];
    for (const [input, key, params] of cases) {
      const errors = checkDocument(input);
      expect(errors[0]?.key, JSON.stringify(input)).toBe(`app-config-import:errors.${key}`);
      if (params) expect(errors[0]?.params).toEqual(params);
    }
  });

  it('reads replacements one a line, ignoring blanks and comments', () => {
    expect(parseBindingLines('net.iface = end0\n\n# the USB disk\r\ndisks.uuid=1234-ABCD\n')).toEqual({ replacements: { 'net.iface': 'end0', 'disks.uuid': '1234-ABCD' }, errors: [] });
    expect(parseBindingLines('net.iface=a=b').replacements).toEqual({ 'net.iface': 'a=b' });
    expect(parseBindingLines('iface=end0\nnet.iface end0\n=x\nnet.iface=a\nnet.iface=b\n$(reboot).x=1').errors).toEqual([
      { key: 'app-config-import:errors.badBindingLine', params: { line: 1 } },
      { key: 'app-config-import:errors.badBindingLine', params: { line: 2 } },
      { key: 'app-config-import:errors.badBindingLine', params: { line: 3 } },
      { key: 'app-config-import:errors.bindingGivenTwice', params: { binding: 'net.iface' } },
      { key: 'app-config-import:errors.badBindingLine', params: { line: 6 } },
    ]);
  });
});

describe('checking bindings against this machine', () => {
  it('looks for interfaces, disks, MAC addresses and paths under the root', async () => {
    const box = appHarness({ apps: [] });
    const root = box.appliance.paths.root;
    mkdirSync(path.join(root, 'sys/class/net/end0'), { recursive: true });
    writeFileSync(path.join(root, 'sys/class/net/end0/address'), '02:42:ac:11:00:02\n');
    mkdirSync(path.join(root, 'sys/class/net/lo'), { recursive: true });
    writeFileSync(path.join(root, 'sys/class/net/lo/address'), '00:00:00:00:00:00\n');
    mkdirSync(path.join(root, 'dev/disk/by-uuid'), { recursive: true });
    writeFileSync(path.join(root, 'dev/sda1'), '');
    symlinkSync('../../sda1', path.join(root, 'dev/disk/by-uuid/0f3c5a8e-2b1d-4c6e-9a7f-1e2d3c4b5a69'));
    symlinkSync('../../sdb1', path.join(root, 'dev/disk/by-uuid/DEAD-BEEF'));
    mkdirSync(path.join(root, 'srv/disk1'), { recursive: true });
    const env = envOf(box);
    const check = (kind: Parameters<typeof checkBindingGeneric>[0], value: string, expect?: 'directory' | 'file') => checkBindingGeneric(kind, value, env, expect);
    const unfit = (reason: string) => ({ fits: false, reasonKey: `app-config-import:binding.${reason}` });

    expect(await check('interface', 'end0')).toEqual({ fits: true });
    expect(await check('interface', 'eth0')).toEqual(unfit('missingInterface'));
    for (const bad of ['..', '.', 'a/b', '../../etc', 'eth 0', 'eth0:1', 'x'.repeat(16), '']) expect(await check('interface', bad), bad).toEqual(unfit('badInterface'));
    expect(await check('disk-uuid', '0f3c5a8e-2b1d-4c6e-9a7f-1e2d3c4b5a69')).toEqual({ fits: true });
    // A link udev left behind for a disk that is gone does not count.
    expect(await check('disk-uuid', 'DEAD-BEEF')).toEqual(unfit('missingDisk'));
    expect(await check('disk-uuid', '1111-2222')).toEqual(unfit('missingDisk'));
    expect(await check('disk-uuid', '../sda1')).toEqual(unfit('badDiskUuid'));
    expect(await check('mac', '02:42:AC:11:00:02')).toEqual({ fits: true });
    expect(await check('mac', '02:42:ac:11:00:03')).toEqual(unfit('missingMac'));
    expect(await check('mac', '02-42-ac-11-00-02')).toEqual(unfit('badMac'));
    expect(await check('path', '/srv/disk1', 'directory')).toEqual({ fits: true });
    expect(await check('path', '/srv/disk2', 'directory')).toEqual(unfit('missingPath'));
    expect(await check('path', '/dev/sda1', 'directory')).toEqual(unfit('notADirectory'));
    expect(await check('path', '/srv', 'file')).toEqual(unfit('notAFile'));
    expect(await check('other', 'anything')).toEqual({ fits: true });
  });

  it('finds no MAC on a machine without /sys/class/net', async () => {
    const box = appHarness({ apps: [] });
    expect(await checkBindingGeneric('mac', '02:42:ac:11:00:02', envOf(box))).toMatchObject({ fits: false });
  });
});

describe('planImport', () => {
  it('orders the apps, skips what it cannot apply here, and says why', async () => {
    const share = testApp('share', 'backups', { after: ['net'] });
    const offline = testApp('offline', 'system', { availability: async () => ({ available: false, reason: 'apps:unavailable.container', params: { kind: 'lxc' } }) });
    const afterOffline = testApp('after-offline', 'tools', { after: ['offline'] });
    const afterMailer = testApp('after-mailer', 'tools', { after: ['mailer'] });
    const box = appHarness({ apps: [share, net, hostname, mailer, offline, afterOffline, afterMailer, oneShot] });
    mkdirSync(box.appliance.paths.systemFile('sys/class/net/end0'), { recursive: true });
    mkdirSync(box.appliance.paths.systemFile('srv'), { recursive: true });
    const plan = await planImport(
      document(
        {
          share: { params: { level: 3 } },
          net: { params: { mtu: 1500 } },
          hostname: { params: { hostname: 'attic' } },
          mailer: { params: { to: 'me' }, secretsNotExported: ['password'] },
          offline: { params: {} },
          'after-offline': { params: {} },
          'after-mailer': { params: {} },
          'one-shot': { params: {} },
          'from-the-future': { params: { anything: 1 } },
        },
        { net: { iface: { value: 'end0', kind: 'interface' } } },
      ),
      box.appliance.apps.apps,
      envOf(box),
      { saved: box.appliance.saved },
    );
    expect(plan.errors).toEqual([]);
    expect(plan.ready).toBe(true);
    expect(plan.apps.map((a) => [a.order, a.appId])).toEqual([
      [1, 'hostname'],
      [2, 'net'],
      [3, 'share'],
    ]);
    expect(plan.apps[1]).toEqual({
      appId: 'net',
      order: 2,
      params: { iface: 'end0', mac: '', mtu: 1500, mount: '/srv' },
      bindings: [
        { param: 'iface', value: 'end0', kind: 'interface', replaced: false },
        { param: 'mac', value: '', kind: 'mac', replaced: false },
        { param: 'mount', value: '/srv', kind: 'path', replaced: false },
      ],
      // An empty binding binds nothing: there is nothing to check.
      unfitBindings: [],
      secretsKept: [],
    });
    expect(plan.skipped).toEqual([
      { appId: 'from-the-future', reasonKey: 'app-config-import:skip.unknownApp' },
      { appId: 'one-shot', reasonKey: 'app-config-import:skip.notConfigurable' },
      { appId: 'mailer', reasonKey: 'app-config-import:skip.needsSecret', reasonParams: { secrets: 'password' } },
      { appId: 'offline', reasonKey: 'app-config-import:skip.unavailable', reasonParams: { reason: 'apps:unavailable.container', kind: 'lxc' } },
      { appId: 'after-mailer', reasonKey: 'app-config-import:skip.afterSkipped', reasonParams: { other: 'mailer' } },
      { appId: 'after-offline', reasonKey: 'app-config-import:skip.afterSkipped', reasonParams: { other: 'offline' } },
    ]);
    const t = translator('en');
    expect(plan.skipped.map((s) => t(s.reasonKey, s.reasonParams))).toEqual([
      'this version of Hearth has no such app.',
      'it is a one-shot app, with no settings to import.',
      "its secret (password) is not in the file and not stored on this box. Enter it in the app's form, then apply the app.",
      'Not available in a container (lxc): the host manages this.',
      'it comes after mailer, which is not applied.',
      'it comes after offline, which is not applied.',
    ]);
  });

  it('checks every value with the schema and the app’s own validate(), and names each problem', async () => {
    const box = appHarness({ apps: [hostname, net, mailer] });
    const plan = await planImport(
      document({ hostname: { params: { hostname: '1234' } }, net: { params: { mtu: 100000, colour: 'red' } }, mailer: { params: { password: 'x' } } }, { net: { iface: { value: 'eth0', kind: 'interface' } } }),
      box.appliance.apps.apps,
      envOf(box),
    );
    expect(plan.ready).toBe(false);
    expect(plan.errors).toEqual([
      { appId: 'hostname', param: 'hostname', key: 'app-hostname:errors.allDigits' },
      { appId: 'net', param: 'colour', key: 'errors:fields.unknown' },
      { appId: 'net', param: 'mtu', key: 'errors:fields.tooLarge', params: { max: 9000 } },
      { appId: 'mailer', param: 'password', key: 'app-config-import:errors.secretInFile' },
    ]);
    const t = translator('en');
    expect(planFieldErrors(plan).map((field) => [field.param, t(field.key, field.params)])).toEqual([
      ['path', 'In the file, hostname → hostname: A hostname cannot be made of digits only.'],
      ['path', 'In the file, net → colour: This app has no such setting.'],
      ['path', 'In the file, net → mtu: Must be at most 9000.'],
      ['path', "In the file, mailer → password: a secret cannot be imported from a file; enter it in the app's form."],
      ['bindings', 'net.iface = eth0 does not fit this box: this box has no network interface of that name. Give a replacement as net.iface=<value>.'],
      ['bindings', 'net.mount = /srv does not fit this box: this path does not exist on this box. Give a replacement as net.mount=<value>.'],
    ]);
    const zh = translator('zh-CN');
    const mtu = planFieldErrors(plan)[2]!;
    expect(zh(mtu.key, mtu.params)).toBe(`文件中 net → mtu：${zh('errors:fields.tooLarge', { max: 9000 })}`);
  });

  it('takes replacements for bindings only, coerced like the CLI, and checks them too', async () => {
    const box = appHarness({ apps: [net, hostname] });
    mkdirSync(box.appliance.paths.systemFile('sys/class/net/end0'), { recursive: true });
    mkdirSync(box.appliance.paths.systemFile('srv'), { recursive: true });
    const file = document({ net: { params: {} }, hostname: { params: { hostname: 'attic' } } }, { net: { iface: { value: 'eth0', kind: 'interface' } } });
    const plan = (replacements: Record<string, unknown>) => planImport(file, box.appliance.apps.apps, envOf(box), { replacements });

    const without = await plan({});
    expect(without.ready).toBe(false);
    expect(without.apps.find((a) => a.appId === 'net')?.unfitBindings).toEqual([{ param: 'iface', value: 'eth0', kind: 'interface', reasonKey: 'app-config-import:binding.missingInterface' }]);

    const replaced = await plan({ 'net.iface': 'end0' });
    expect(replaced.ready).toBe(true);
    expect(replaced.apps.find((a) => a.appId === 'net')).toMatchObject({ params: { iface: 'end0' }, bindings: [{ param: 'iface', value: 'end0', replaced: true }, {}, {}] });

    expect((await plan({ 'net.iface': 'wlan9' })).apps.find((a) => a.appId === 'net')?.unfitBindings[0]?.reasonKey).toBe('app-config-import:binding.missingInterface');
    expect((await plan({ 'net.iface': 'BAD!' })).errors).toEqual([{ appId: 'net', param: 'iface', key: 'errors:fields.pattern' }]);
    for (const key of ['net.mtu', 'hostname.hostname', 'gone.iface', 'net.nothing']) {
      expect((await plan({ 'net.iface': 'end0', [key]: '1' })).errors, key).toEqual([{ key: 'app-config-import:errors.unknownBinding', params: { binding: key } }]);
    }
  });

  it('refuses apps in a dependency cycle', async () => {
    const box = appHarness({ apps: [testApp('a', 'config', { after: ['b'] }), testApp('b', 'config', { after: ['a'] }), hostname] });
    const plan = await planImport(document({ a: { params: {} }, hostname: { params: { hostname: 'x' } } }), box.appliance.apps.apps, envOf(box));
    expect(plan.ready).toBe(false);
    expect(plan.errors).toEqual([{ key: 'app-config-import:errors.dependencyCycle', params: { apps: 'a → b → a' } }]);
    // A cycle among apps the file does not have does not concern it.
    expect((await planImport(document({ hostname: { params: { hostname: 'x' } } }), box.appliance.apps.apps, envOf(box))).ready).toBe(true);
  });

  it('lets an app judge its own bindings', async () => {
    const seen: unknown[] = [];
    const swap = testApp('swap', 'system', {
      params: Type.Object({ file: param.path({ default: '/mnt/swap/swapfile', expect: 'file' }) }),
      bindings: ['file'],
      // The swap app creates its file: the directory must exist, not the file.
      async checkBinding(name, value, env) {
        seen.push([name, value]);
        return (await env.system.pathType(env.system.paths.systemFile('mnt/swap'))) === 'directory' ? { fits: true } : { fits: false, reasonKey: 'app-config-import:binding.missingPath' };
      },
    });
    const box = appHarness({ apps: [swap] });
    const file = document({ swap: { params: {} } }, { swap: { file: { value: '/mnt/swap/swapfile', kind: 'path' } } });
    expect((await planImport(file, box.appliance.apps.apps, envOf(box))).ready).toBe(false);
    mkdirSync(box.appliance.paths.systemFile('mnt/swap'), { recursive: true });
    expect((await planImport(file, box.appliance.apps.apps, envOf(box))).ready).toBe(true);
    expect(seen).toEqual([
      ['file', '/mnt/swap/swapfile'],
      ['file', '/mnt/swap/swapfile'],
    ]);
  });
});

describe('texts', () => {
  it('exist in every language for each key the export, the import and this module use', async () => {
    const { readFileSync } = await import('node:fs');
    const { hasTranslation } = await import('../i18n.js');
    const used = new Set<string>();
    for (const file of ['config-transfer.ts', 'backups/config-import.ts', 'backups/config-export.ts']) {
      const source = readFileSync(new URL(file, import.meta.url), 'utf8');
      for (const match of source.matchAll(/['`](app-config-(?:import|export):[\w.-]+)['`]/g)) used.add(match[1]!);
      for (const match of source.matchAll(/\$\{ns\}:([\w.-]+)[`'$]/g)) used.add(`app-config-import:${match[1]}`);
      for (const match of source.matchAll(/bindingReason\('(\w+)'/g)) used.add(`app-config-import:binding.${match[1]}`);
      for (const match of source.matchAll(/refuse\('(\w+)'\)/g)) used.add(`app-config-export:errors.${match[1]}`);
    }
    for (const kind of bindingKinds) used.add(`app-config-import:kinds.${kind}`);
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((key) => !key.endsWith('.') && !hasTranslation(key) && !hasTranslation(`${key}_other`));
    expect(missing).toEqual([]);
    // The same keys in Chinese (server/i18n.test.ts compares the files); and nesting works there too.
    const zh = translator('zh-CN');
    expect(zh('app-config-import:errors.unfitBinding', { binding: 'net.iface', value: 'eth0', reason: 'app-config-import:binding.missingInterface' })).toBe(
      'net.iface = eth0 与此设备不符：此设备没有该名称的网络接口。请以 net.iface=<值> 的形式提供替换值。',
    );
  });
});
