import { readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAppliance } from '../appliance.js';
import { cheapScrypt, tempRoot } from '../testing/temp-root.js';
import { argvForInvocation, runCli } from './program.js';

async function cli(args: string[], options: { root?: string; env?: NodeJS.ProcessEnv; stdin?: string; invokedAs?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(options.root ? ['--root', options.root, ...args] : args, {
    env: { PATH: process.env.PATH, HEARTH_SYSTEM: 'sandbox', ...options.env },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    invokedAs: options.invokedAs,
  });
  return { code, stdout, stderr };
}

async function activate(root: string, password = 'first-owner-passphrase') {
  const appliance = createAppliance({ root, systemKind: 'sandbox', scrypt: cheapScrypt });
  const code = (await appliance.owner.prepareSetupCode())!;
  await appliance.owner.activate({ setupCode: code, password }, { ip: '192.168.1.10', userAgent: 'test' });
  appliance.close();
}

describe('hearth CLI', () => {
  it('prints the setup code written 0600 under the state directory', async () => {
    const root = tempRoot();
    const result = await cli(['setup-code'], { root });
    expect(result.code).toBe(0);
    const file = `${root}/var/lib/hearth/setup-code`;
    expect(result.stdout.trim()).toBe(readFileSync(file, 'utf8').trim());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await cli(['setup-code'], { root })).stdout).toBe(result.stdout);
  });

  it('has no setup code once activated, and says what to do instead', async () => {
    const root = tempRoot();
    await activate(root);
    const result = await cli(['setup-code'], { root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('hearth passwd');
  });

  it('honours HEARTH_ROOT, and --root over it', async () => {
    const fromEnv = tempRoot();
    const fromFlag = tempRoot();
    const viaEnv = await cli(['setup-code'], { env: { HEARTH_ROOT: fromEnv } });
    expect(viaEnv.stdout.trim()).toBe(readFileSync(`${fromEnv}/var/lib/hearth/setup-code`, 'utf8').trim());
    const viaFlag = await cli(['--root', fromFlag, 'setup-code'], { env: { HEARTH_ROOT: fromEnv } });
    expect(viaFlag.stdout.trim()).toBe(readFileSync(`${fromFlag}/var/lib/hearth/setup-code`, 'utf8').trim());
  });

  it('info --json describes the machine and the activation state', async () => {
    const root = tempRoot();
    const before = JSON.parse((await cli(['info', '--json'], { root })).stdout);
    // An empty root on this machine: the board is its architecture's generic profile (server/boards/).
    expect(before).toMatchObject({ version: '0.1.0', board: expect.any(String), activated: false, activatedAt: null, root });
    expect(before.hostname).toBeTruthy();
    expect(before.disk.totalBytes).toBeGreaterThan(0);
    await activate(root);
    const after = JSON.parse((await cli(['info', '--json'], { root })).stdout);
    expect(after.activated).toBe(true);
  });

  it('info speaks the language of LANG', async () => {
    const root = tempRoot();
    const english = await cli(['info'], { root });
    expect(english.stdout).toMatch(/^Version\s+0\.1\.0$/m);
    expect(english.stdout).toContain('not activated');
    const chinese = await cli(['info'], { root, env: { LANG: 'zh_CN.UTF-8' } });
    expect(chinese.stdout).toMatch(/^版本\s+0\.1\.0$/m);
    expect(chinese.stdout).toContain('未激活');
  });

  it('hearth-info is an alias of hearth info', async () => {
    const root = tempRoot();
    const result = await cli(['--root', root, '--json'], { invokedAs: 'hearth-info' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).version).toBe('0.1.0');
    expect(argvForInvocation('hearth-setup-code', [], ['setup-code'])).toEqual(['setup-code']);
    expect(argvForInvocation('hearth', ['info'], ['info'])).toEqual(['info']);
    expect(argvForInvocation('hearth-unknown', ['x'], ['info'])).toEqual(['x']);
  });

  it('passwd --stdin sets the password and ends every session', async () => {
    const root = tempRoot();
    await activate(root);
    const appliance = createAppliance({ root, systemKind: 'sandbox', scrypt: cheapScrypt });
    const { token } = await appliance.owner.login({ username: 'admin', password: 'first-owner-passphrase' }, { ip: '10.0.0.2', userAgent: '' });
    const result = await cli(['passwd', '--stdin'], { root, stdin: 'recovered-owner-passphrase\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sessions ended');
    expect(appliance.sessions.authenticate(token)).toBeUndefined();
    await expect(appliance.owner.login({ username: 'admin', password: 'recovered-owner-passphrase' }, { ip: '10.0.0.2', userAgent: '' })).resolves.toBeDefined();
    appliance.close();
  });

  it('passwd --generate prints a new passphrase that works', async () => {
    const root = tempRoot();
    await activate(root);
    const result = await cli(['passwd', '--generate'], { root });
    expect(result.code).toBe(0);
    const password = /: (\S+)/.exec(result.stdout)![1]!;
    expect(password.split('-')).toHaveLength(6);
    const appliance = createAppliance({ root, systemKind: 'sandbox', scrypt: cheapScrypt });
    await expect(appliance.owner.login({ username: 'admin', password }, { ip: '10.0.0.2', userAgent: '' })).resolves.toBeDefined();
    appliance.close();
  });

  it('passwd refuses bad input with exit 2 and changes nothing', async () => {
    const root = tempRoot();
    await activate(root);
    const short = await cli(['passwd', '--stdin'], { root, stdin: 'short\n' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 12');
    const chinese = await cli(['passwd', '--stdin'], { root, stdin: 'password1234', env: { LANG: 'zh_CN.UTF-8' } });
    expect(chinese.code).toBe(2);
    expect(chinese.stderr).toContain('常见密码');
    const both = await cli(['passwd', '--stdin', '--generate'], { root });
    expect(both.code).toBe(2);
    const noTty = await cli(['passwd'], { root });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('--stdin');
    const appliance = createAppliance({ root, systemKind: 'sandbox', scrypt: cheapScrypt });
    await expect(appliance.owner.login({ username: 'admin', password: 'first-owner-passphrase' }, { ip: '10.0.0.2', userAgent: '' })).resolves.toBeDefined();
    appliance.close();
  });

  it('passwd before activation fails with exit 1', async () => {
    const result = await cli(['passwd', '--stdin'], { root: tempRoot(), stdin: 'some-good-passphrase' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not activated');
  });

  it('answers usage errors with exit 2, in the user language', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('hearth --help');
    const option = await cli(['info', '--bogus'], { env: { LANG: 'zh_CN.UTF-8' } });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('用法错误');
    expect((await cli([])).code).toBe(2);
    expect((await cli(['start', '--port', 'eighty'], { root: tempRoot() })).code).toBe(2);
    expect((await cli(['start', '--http', '--https'], { root: tempRoot() })).code).toBe(2);
    expect((await cli(['start', '--system', 'windows'], { root: tempRoot() })).code).toBe(2);
    expect((await cli(['--version'])).stdout.trim()).toBe('0.1.0');
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('refuses a database from a newer Hearth with exit 1 and a clear message', async () => {
    const root = tempRoot();
    await activate(root);
    const appliance = createAppliance({ root, systemKind: 'sandbox', scrypt: cheapScrypt });
    appliance.db.pragma('user_version = 999');
    appliance.close();
    const result = await cli(['info'], { root });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('newer version of Hearth');
  });
});
