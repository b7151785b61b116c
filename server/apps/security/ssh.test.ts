import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasTranslation, translator } from '../../i18n.js';
import { createSandboxSystem } from '../../system/sandbox.js';
import { appHarness } from '../../testing/app-harness.js';
import sshApp, { checkDropIn, renderDropIn } from './ssh.js';

type Box = ReturnType<typeof appHarness>;

const password = 'Correct horse battery staple 7';
let keysDir: string;
let ed25519: string;
let rsa: string;
let privateKey: string;

beforeAll(() => {
  // sshd lives in /usr/sbin, which a non-root PATH on Debian leaves out.
  if (!(process.env.PATH ?? '').split(':').includes('/usr/sbin')) vi.stubEnv('PATH', `${process.env.PATH ?? ''}:/usr/sbin:/sbin`);
  if (!(process.env.PATH ?? '').split(':').some((dir) => existsSync(path.join(dir, 'sshd')))) {
    throw new Error('these tests run the real sshd -t: install openssh-server');
  }
  // sshd -t run as root insists on its privilege separation directory, which systemd
  // makes only while ssh.service runs (RuntimeDirectory=sshd); Debian's init script and
  // the app on a board make it the same way. It is left in place (/run is a tmpfs): a
  // test run alongside may be using it.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  keysDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-ssh-keys-'));
  for (const [name, args] of [['ed', ['-t', 'ed25519']], ['rsa', ['-t', 'rsa', '-b', '3072']]] as const) {
    execFileSync('ssh-keygen', ['-q', '-N', '', '-C', `owner@laptop-${name}`, '-f', path.join(keysDir, name), ...args]);
  }
  ed25519 = readFileSync(path.join(keysDir, 'ed.pub'), 'utf8').trim();
  rsa = readFileSync(path.join(keysDir, 'rsa.pub'), 'utf8').trim();
  privateKey = readFileSync(path.join(keysDir, 'ed'), 'utf8');
});

afterAll(() => {
  rmSync(keysDir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

/** A test box with a real ed25519 host key, as openssh-server's postinst makes it. */
function sshBox(): Box {
  const box = appHarness({ apps: [sshApp] });
  const etc = box.appliance.paths.systemFile('etc');
  mkdirSync(path.join(etc, 'ssh'), { recursive: true });
  writeFileSync(path.join(etc, 'hostname'), 'attic\n');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(etc, 'ssh/ssh_host_ed25519_key')]);
  return box;
}

const isQuery = (argv: string[]) =>
  argv[0] === 'getent' || (argv[0] === 'systemctl' && /^is-/.test(argv[1] ?? '')) || (argv[0] === 'passwd' && argv[1] === '-S');

/** The host changes the sandbox recorded, in order (the read-only queries left out). */
async function changes(box: Box): Promise<string[][]> {
  return (await box.programs()).filter((argv) => !isQuery(argv));
}

const mode = (file: string) => statSync(file).mode & 0o777;

const dropIn = (passwordLogin: 'yes' | 'no') => `# Written by Hearth (the ssh app): change these settings there, not here.
# sshd keeps the first value it reads, and this file is read first.
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication ${passwordLogin}
KbdInteractiveAuthentication no
PermitEmptyPasswords no
AllowGroups hearth-ssh root
X11Forwarding no
MaxAuthTries 3
LoginGraceTime 30
`;

/** Every place a secret could leak to: programs' argv, the sandbox state, the job log and row, the database files. */
function expectNowhere(box: Box, secret: string, log: string[], jobParams: unknown) {
  const state = readFileSync(box.appliance.paths.sandboxState, 'utf8');
  expect(state).not.toContain(secret);
  expect(log.join('\n')).not.toContain(secret);
  expect(JSON.stringify(jobParams)).not.toContain(secret);
  expect(JSON.stringify(box.appliance.saved.get('ssh'))).not.toContain(secret);
  const stateDir = box.appliance.paths.stateDir;
  for (const file of readdirSync(stateDir).filter((f) => f.startsWith('hearth.db'))) {
    expect(readFileSync(path.join(stateDir, file)).includes(Buffer.from(secret)), file).toBe(false);
  }
}

describe('ssh app', () => {
  it('creates the one admin with its keys and password, checks the drop-in with the real sshd -t, enables SSH, and reads it all back', async () => {
    const box = sshBox();
    const root = box.appliance.paths.root;
    const { job, log } = await box.run('ssh', { enabled: true, user: 'alice', password, authorizedKeys: `${ed25519}\n\n${rsa}\n`, passwordLogin: false });
    expect(job.status, log.join('\n')).toBe('succeeded');

    expect(box.file('etc/ssh/sshd_config.d/00-hearth.conf')).toBe(dropIn('no'));
    expect(mode(box.appliance.paths.systemFile('etc/ssh/sshd_config.d/00-hearth.conf'))).toBe(0o644);
    const sshDir = box.appliance.paths.systemFile('home/alice/.ssh');
    expect(box.file('home/alice/.ssh/authorized_keys')).toBe(`${ed25519}\n${rsa}\n`);
    expect(mode(path.join(sshDir, 'authorized_keys'))).toBe(0o600);
    expect(mode(sshDir)).toBe(0o700);
    // The check's throwaway files are gone.
    expect(readdirSync(path.join(box.appliance.paths.stateDir, 'sshd-check'))).toEqual([]);

    expect(await changes(box)).toEqual([
      ['groupadd', '--system', 'hearth-ssh'],
      ['useradd', '--create-home', '--home-dir', '/home/alice', '--shell', '/bin/bash', '--groups', 'hearth-ssh,sudo', 'alice'],
      ['chpasswd'],
      ['chown', 'alice:', sshDir, path.join(sshDir, 'authorized_keys')],
      ['systemctl', 'enable', 'ssh.service'],
      ['systemctl', 'reload-or-restart', 'ssh.service'],
    ]);
    const check = path.join(box.appliance.paths.stateDir, 'sshd-check/sshd_config');
    expect(log).toEqual([
      '$ getent passwd alice',
      'Checking the new SSH server settings with sshd -t',
      `$ mkdir -p -m 0755 ${root}/run/sshd`,
      `$ sshd -t -f ${check}`,
      '$ getent group hearth-ssh',
      'Creating the group hearth-ssh for SSH logins',
      '$ groupadd --system hearth-ssh',
      'Creating the user alice',
      '$ useradd --create-home --home-dir /home/alice --shell /bin/bash --groups hearth-ssh,sudo alice',
      'Setting the password of alice',
      '$ chpasswd',
      'Writing 2 public keys to /home/alice/.ssh/authorized_keys',
      `$ install -d -m 0700 ${sshDir}`,
      `$ chown alice: ${sshDir} ${sshDir}/authorized_keys`,
      'Writing /etc/ssh/sshd_config.d/00-hearth.conf',
      '$ systemctl enable ssh.service',
      '$ systemctl reload-or-restart ssh.service',
      'SSH is on: log in with ssh alice@attic.local',
    ]);

    const state = await box.state();
    expect(state.users.alice).toMatchObject({ groups: ['alice', 'hearth-ssh', 'sudo'], shell: '/bin/bash', home: '/home/alice', passwordSet: true, locked: false });
    expect(state.services.ssh).toEqual({ enabled: true, active: true });
    // The password went to chpasswd's standard input only, and is kept nowhere.
    expect((await box.programs()).flat()).not.toContain(expect.stringContaining('Correct horse'));
    expect(job.params).toEqual({ enabled: true, user: 'alice', password: '••••', authorizedKeys: `${ed25519}\n\n${rsa}\n`, passwordLogin: false });
    expectNowhere(box, password, log, box.appliance.jobs.get(job.id)?.params);
    expect(box.appliance.saved.get('ssh')).toEqual({ enabled: true, user: 'alice', authorizedKeys: `${ed25519}\n\n${rsa}\n`, passwordLogin: false });

    const detail = await box.appliance.apps.detail('ssh', translator('en'));
    expect(detail.active).toBe(true);
    expect(detail.info).toContain('Only one user may log in over SSH');
    expect(Object.fromEntries(detail.params.map((p) => [p.id, p.kind === 'secret' ? { isSet: p.isSet } : p.value]))).toEqual({
      enabled: true,
      user: 'alice',
      password: { isSet: false },
      authorizedKeys: `${ed25519}\n${rsa}`,
      passwordLogin: false,
    });
    expect(detail.details).toEqual([
      { label: 'Public keys', value: '2' },
      { label: 'Log in with', value: 'ssh alice@attic.local' },
    ]);
  });

  it('hands SSH to a new admin: the previous one leaves hearth-ssh and its password is locked', async () => {
    const box = sshBox();
    expect((await box.run('ssh', { enabled: true, user: 'alice', password, authorizedKeys: ed25519 })).job.status).toBe('succeeded');
    const before = (await changes(box)).length;
    const { job, log } = await box.run('ssh', { enabled: true, user: 'bob', password: 'Another long passphrase 42', authorizedKeys: rsa, passwordLogin: true });
    expect(job.status, log.join('\n')).toBe('succeeded');
    const bobSsh = box.appliance.paths.systemFile('home/bob/.ssh');
    expect((await changes(box)).slice(before)).toEqual([
      ['useradd', '--create-home', '--home-dir', '/home/bob', '--shell', '/bin/bash', '--groups', 'hearth-ssh,sudo', 'bob'],
      ['chpasswd'],
      ['gpasswd', '-d', 'alice', 'hearth-ssh'],
      ['usermod', '--lock', 'alice'],
      ['chown', 'bob:', bobSsh, path.join(bobSsh, 'authorized_keys')],
      ['systemctl', 'enable', 'ssh.service'],
      ['systemctl', 'reload-or-restart', 'ssh.service'],
    ]);
    expect(log).toContain('alice may no longer log in over SSH; its password is locked');
    expect(box.file('etc/ssh/sshd_config.d/00-hearth.conf')).toBe(dropIn('yes'));
    const state = await box.state();
    expect(state.users.alice).toMatchObject({ groups: ['alice', 'sudo'], locked: true });
    expect(state.users.bob).toMatchObject({ groups: ['bob', 'hearth-ssh', 'sudo'], locked: false, passwordSet: true });
    const group = await createSandboxSystem(box.appliance.paths).run(['getent', 'group', 'hearth-ssh']);
    expect(group.stdout).toBe('hearth-ssh:x:999:bob\n');
    const { values } = await sshApp.status(box.appliance.env);
    expect(values).toEqual({ enabled: true, user: 'bob', passwordLogin: true, authorizedKeys: rsa });
  });

  it('takes an existing account with a password as it is: groups added, a nologin shell replaced, no new password needed', async () => {
    const box = sshBox();
    const sandbox = createSandboxSystem(box.appliance.paths);
    await sandbox.run(['useradd', '--shell', '/usr/sbin/nologin', 'carol']);
    await sandbox.run(['chpasswd'], { input: 'carol:an old password of hers\n' });
    const before = (await box.programs()).length;
    const { job, log } = await box.run('ssh', { enabled: true, user: 'carol', authorizedKeys: ed25519 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    const sshDir = box.appliance.paths.systemFile('home/carol/.ssh');
    expect((await box.programs()).slice(before)).toEqual([
      // The form's current values (status), then validate: the account and whether its password is usable.
      ['systemctl', 'is-enabled', 'ssh.service'],
      ['getent', 'group', 'hearth-ssh'],
      ['getent', 'passwd', 'carol'],
      ['passwd', '-S', 'carol'],
      // apply
      ['getent', 'passwd', 'carol'],
      ['getent', 'group', 'hearth-ssh'],
      ['groupadd', '--system', 'hearth-ssh'],
      ['usermod', '--append', '--groups', 'hearth-ssh,sudo', 'carol'],
      ['usermod', '--shell', '/bin/bash', 'carol'],
      ['chown', 'carol:', sshDir, path.join(sshDir, 'authorized_keys')],
      ['systemctl', 'enable', 'ssh.service'],
      ['systemctl', 'reload-or-restart', 'ssh.service'],
    ]);
    expect(log).toContain('Adding carol to the SSH and sudo groups');
    expect((await box.state()).users.carol).toMatchObject({ shell: '/bin/bash', groups: ['carol', 'hearth-ssh', 'sudo'] });
  });

  it('with password login and no keys, removes the old authorized_keys and says PasswordAuthentication yes', async () => {
    const box = sshBox();
    expect((await box.run('ssh', { enabled: true, user: 'alice', password, authorizedKeys: ed25519 })).job.status).toBe('succeeded');
    expect(box.file('home/alice/.ssh/authorized_keys')).toBe(`${ed25519}\n`);
    const { job, log } = await box.run('ssh', { authorizedKeys: '', passwordLogin: true });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(log).toContain('No public keys: removing /home/alice/.ssh/authorized_keys');
    expect(box.file('home/alice/.ssh/authorized_keys')).toBeUndefined();
    expect(box.file('etc/ssh/sshd_config.d/00-hearth.conf')).toBe(dropIn('yes'));
  });

  it('makes the host keys first on a box that has none, as openssh-server does when it is installed', async () => {
    const box = appHarness({ apps: [sshApp] });
    const root = box.appliance.paths.root;
    const { job, log } = await box.run('ssh', { enabled: true, user: 'alice', password, authorizedKeys: ed25519 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(log.slice(1, 4)).toEqual(['The box has no SSH host keys: making them (ssh-keygen -A)', `$ mkdir -p ${root}/etc/ssh`, `$ ssh-keygen -A -f ${root}`]);
    for (const type of ['rsa', 'ecdsa', 'ed25519']) {
      expect(box.file(`etc/ssh/ssh_host_${type}_key.pub`), type).toMatch(/^(ssh-rsa|ecdsa-sha2-nistp256|ssh-ed25519) AAAA/);
      expect(mode(box.appliance.paths.systemFile(`etc/ssh/ssh_host_${type}_key`)), type).toBe(0o600);
    }
  });

  it('turns SSH off, socket included, keeping its settings for later', async () => {
    const box = sshBox();
    expect((await box.run('ssh', { enabled: true, user: 'alice', password, authorizedKeys: ed25519 })).job.status).toBe('succeeded');
    const before = (await changes(box)).length;
    const { job, log } = await box.run('ssh', { enabled: false });
    expect(job.status).toBe('succeeded');
    expect((await changes(box)).slice(before)).toEqual([['systemctl', 'disable', '--now', 'ssh.service', 'ssh.socket']]);
    expect(log).toEqual(['$ systemctl disable --now ssh.service ssh.socket', 'SSH is off.']);
    expect(box.file('etc/ssh/sshd_config.d/00-hearth.conf')).toBe(dropIn('no'));
    expect(box.file('home/alice/.ssh/authorized_keys')).toBe(`${ed25519}\n`);
    const detail = await box.appliance.apps.detail('ssh', translator('en'));
    expect(detail.active).toBe(false);
    expect(detail.params.find((p) => p.id === 'enabled')?.value).toBe(false);
    expect(detail.details).toEqual([{ label: 'Public keys', value: '1' }]);
    // Off needs no user at all.
    expect((await appHarness({ apps: [sshApp] }).run('ssh', { enabled: false })).job.status).toBe('succeeded');
  });

  it('changes nothing when sshd -t refuses the whole (here a broken hand edit of sshd_config), with sshd’s reason in the log', async () => {
    const box = sshBox();
    writeFileSync(box.appliance.paths.systemFile('etc/ssh/sshd_config'), 'Port 22\nPermitRootLogin maybe\n');
    const { job, log } = await box.run('ssh', { enabled: true, user: 'alice', password, authorizedKeys: ed25519 });
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('HEARTH_ERR_PROGRAM_FAILED');
    expect(job.errorParams).toEqual({ program: 'sshd', code: 255 });
    const text = log.join('\n');
    expect(text).toMatch(/sshd_config line 2: unsupported option "maybe"/);
    expect(text).toContain('sshd refused the new settings; nothing was changed.');
    expect(await changes(box)).toEqual([]);
    expect(box.file('etc/ssh/sshd_config.d/00-hearth.conf')).toBeUndefined();
    expect(existsSync(box.appliance.paths.systemFile('home/alice'))).toBe(false);
    expect((await box.state()).users.alice).toBeUndefined();
    expect(readdirSync(path.join(box.appliance.paths.stateDir, 'sshd-check'))).toEqual([]);
    expectNowhere(box, password, log, box.appliance.jobs.get(job.id)?.params);
  });

  it('checkDropIn: a broken candidate is refused by sshd and the drop-in in place is left as it was', async () => {
    const box = sshBox();
    const installed = box.appliance.paths.systemFile('etc/ssh/sshd_config.d/00-hearth.conf');
    mkdirSync(path.dirname(installed), { recursive: true });
    writeFileSync(installed, dropIn('no'));
    const run = (content: string) => {
      const { id, done } = box.appliance.runner.start({ appId: 'ssh', action: 'test', startedBy: 'cli:test', params: {}, language: 'en', locks: [] }, (job) => checkDropIn(job, content));
      return done.then((record) => ({ record, log: box.appliance.jobs.linesAfter(id, 0).map((l) => l.text) }));
    };
    const broken = await run(renderDropIn({ passwordLogin: false }).replace('MaxAuthTries 3', 'MaxAuthTries three'));
    expect(broken.record.status).toBe('failed');
    expect(broken.log.join('\n')).toMatch(/candidate\.conf line 10: MaxAuthTries integer value invalid\./);
    const unknown = await run('PasswordAuthentication maybe\n');
    expect(unknown.record.errorParams).toEqual({ program: 'sshd', code: 255 });
    expect(unknown.log.join('\n')).toMatch(/candidate\.conf line 1: unsupported option "maybe"/);
    expect(readFileSync(installed, 'utf8')).toBe(dropIn('no'));
    expect(readdirSync(path.join(box.appliance.paths.stateDir, 'sshd-check'))).toEqual([]);
    // And what Hearth renders passes, both ways.
    for (const passwordLogin of [true, false]) expect((await run(renderDropIn({ passwordLogin }))).record.status).toBe('succeeded');
  });

  it('fails with HEARTH_ERR_PROGRAM_NOT_FOUND when sshd is not installed, never with a pretend check', async () => {
    const box = sshBox();
    const bin = mkdtempSync(path.join(os.tmpdir(), 'hearth-bin-'));
    const searchPath = process.env.PATH ?? '';
    try {
      symlinkSync(execFileSync('sh', ['-c', 'command -v mkdir'], { encoding: 'utf8' }).trim(), path.join(bin, 'mkdir'));
      vi.stubEnv('PATH', bin);
      const { job } = await box.run('ssh', { enabled: true, user: 'alice', password, authorizedKeys: ed25519 });
      expect(job.status).toBe('failed');
      expect(job.errorCode).toBe('HEARTH_ERR_PROGRAM_NOT_FOUND');
      expect(job.errorParams).toEqual({ program: 'sshd' });
    } finally {
      vi.stubEnv('PATH', searchPath);
      rmSync(bin, { recursive: true, force: true });
    }
    expect(await changes(box)).toEqual([]);
    expect(box.file('etc/ssh/sshd_config.d/00-hearth.conf')).toBeUndefined();
  });

  it('refuses root, default accounts and passwords, private or broken keys, and a setup nobody could log in with — changing nothing', async () => {
    const box = sshBox();
    // A system account on the pretend host (uid 34, as Debian's "backup").
    const stateFile = box.appliance.paths.sandboxState;
    await createSandboxSystem(box.appliance.paths).run(['getent', 'passwd', 'root']);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    state.users.backup = { uid: 34, groups: ['backup'], shell: '/usr/sbin/nologin', home: '/var/backups', passwordSet: false, locked: true };
    state.programs = [];
    writeFileSync(stateFile, JSON.stringify(state));

    const ok = { enabled: true, user: 'alice', password, authorizedKeys: ed25519, passwordLogin: false };
    const refusals: Array<[Record<string, unknown>, Array<{ param: string; key: string }>]> = [
      [{ user: 'root' }, [{ param: 'user', key: 'app-ssh:errors.userRoot' }]],
      ...['pi', 'ubuntu', 'debian', 'dietpi', 'orangepi', 'odroid', 'rock', 'ncp', 'admin', 'user', 'guest', 'test'].map(
        (user): [Record<string, unknown>, Array<{ param: string; key: string }>] => [{ user }, [{ param: 'user', key: 'app-ssh:errors.userReserved' }]],
      ),
      [{ user: 'backup' }, [{ param: 'user', key: 'app-ssh:errors.userSystem' }]],
      [{ user: '' }, [{ param: 'user', key: 'app-ssh:errors.userRequired' }]],
      ...['Alice', '-rf', 'al ice', 'alice;reboot', '$(reboot)', '`id`', 'alice\n', 'alice\nroot', 'al\u0000ice', '../etc', 'alice:x', 'élise', '1alice'].map(
        (user): [Record<string, unknown>, Array<{ param: string; key: string }>] => [{ user }, [{ param: 'user', key: 'app-ssh:params.user.invalid' }]],
      ),
      [{ user: 'a'.repeat(33) }, [{ param: 'user', key: 'errors:fields.tooLong' }]],
      [{ user: 42 }, [{ param: 'user', key: 'errors:fields.wrongType' }]],
      [{ enabled: 'yes' }, [{ param: 'enabled', key: 'errors:fields.wrongType' }]],
      [{ password: 'raspberry' }, [{ param: 'password', key: 'app-ssh:errors.passwordDefault' }]],
      [{ password: 'Raspberry2024!!' }, [{ param: 'password', key: 'app-ssh:errors.passwordDefault' }]],
      [{ password: 'dietpi' }, [{ param: 'password', key: 'app-ssh:errors.passwordDefault' }]],
      [{ password: 'orangepi12345678' }, [{ param: 'password', key: 'app-ssh:errors.passwordDefault' }]],
      [{ password: 'alice1234567890' }, [{ param: 'password', key: 'app-ssh:errors.passwordIsUser' }]],
      [{ password: 'short one' }, [{ param: 'password', key: 'errors:HEARTH_ERR_PASSWORD_TOO_SHORT' }]],
      [{ password: 'iloveyou2026!' }, [{ param: 'password', key: 'errors:HEARTH_ERR_PASSWORD_COMMON' }]],
      [{ password: 'good long pass\nroot:owned' }, [{ param: 'password', key: 'app-ssh:errors.passwordControl' }]],
      [{ password: 'good long pass\u0000word' }, [{ param: 'password', key: 'app-ssh:errors.passwordControl' }]],
      [{ password: 'x'.repeat(1025) }, [{ param: 'password', key: 'errors:fields.tooLong' }]],
      [{ password: '' }, [{ param: 'password', key: 'app-ssh:errors.passwordRequired' }]],
      [{ authorizedKeys: privateKey }, [{ param: 'authorizedKeys', key: 'app-ssh:errors.keyPrivate' }]],
      [{ authorizedKeys: 'hello world' }, [{ param: 'authorizedKeys', key: 'app-ssh:errors.keyInvalid' }]],
      [{ authorizedKeys: `${ed25519}\nssh-ed25519 AAAA$(reboot)` }, [{ param: 'authorizedKeys', key: 'app-ssh:errors.keyInvalid' }]],
      [{ authorizedKeys: `ssh-dss ${ed25519.split(' ')[1]}` }, [{ param: 'authorizedKeys', key: 'app-ssh:errors.keyDsa' }]],
      [{ authorizedKeys: '' }, [{ param: 'authorizedKeys', key: 'app-ssh:errors.noWayToLogIn' }]],
      [{ authorizedKeys: '# only a comment' }, [{ param: 'authorizedKeys', key: 'app-ssh:errors.noWayToLogIn' }]],
      [{ enabled: false, user: '', password }, [{ param: 'password', key: 'app-ssh:errors.passwordWhenOff' }]],
      [{ extra: 1 }, [{ param: 'extra', key: 'errors:fields.unknown' }]],
      [
        { user: 'pi', password: 'raspberry', authorizedKeys: '' },
        [
          { param: 'user', key: 'app-ssh:errors.userReserved' },
          { param: 'authorizedKeys', key: 'app-ssh:errors.noWayToLogIn' },
          { param: 'password', key: 'app-ssh:errors.passwordDefault' },
        ],
      ],
    ];
    for (const [input, expected] of refusals) {
      expect(await box.refused('ssh', { ...ok, ...input }), JSON.stringify(input)).toEqual(expected);
    }
    for (const [, errors] of refusals) for (const { key } of errors) expect(hasTranslation(key), key).toBe(true);

    // Only read-only queries ran (the form's status, validate's account lookups); nothing changed, nothing saved.
    expect((await box.programs()).filter((argv) => !isQuery(argv))).toEqual([]);
    expect(box.file('etc/ssh/sshd_config.d/00-hearth.conf')).toBeUndefined();
    expect(existsSync(box.appliance.paths.systemFile('home'))).toBe(false);
    expect(box.appliance.saved.get('ssh')).toBeUndefined();
    expect(box.appliance.jobs.recent(10)).toEqual([]);
    expect(readFileSync(stateFile, 'utf8')).not.toContain('raspberry');
  });
});
