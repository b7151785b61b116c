import path from 'node:path';
import { Type } from 'typebox';
import { checkNewPassword, passwordMaxLength } from '../../auth/password-policy.js';
import { HearthError, isHearthError, type FieldError } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import type { System } from '../../system/index.js';
import { param } from '../params.js';
import { defineApp, type AppParams } from '../types.js';
import { isKeyProblem, parseAuthorizedKeys } from './ssh-keys.js';

/** Members of this group may log in over SSH (AllowGroups); Hearth keeps one member. */
export const sshGroup = 'hearth-ssh';

/**
 * The drop-in Hearth owns. sshd keeps the FIRST value it reads for a keyword, and
 * Debian's sshd_config includes sshd_config.d/*.conf at its top, in name order: a
 * "50-" file would lose to 50-cloud-init.conf (Ubuntu and cloud images set
 * PasswordAuthentication there), so this one sorts first.
 */
export const dropInFile = 'etc/ssh/sshd_config.d/00-hearth.conf';
const mainConfigFile = 'etc/ssh/sshd_config';
/** Debian's unit (sshd.service is an alias of it). */
const sshService = 'ssh.service';
/** Debian's host keys, as sshd uses them when the configuration names none (and ssh-keygen -A makes them). */
const hostKeyFiles = ['etc/ssh/ssh_host_rsa_key', 'etc/ssh/ssh_host_ecdsa_key', 'etc/ssh/ssh_host_ed25519_key'];

/** A POSIX portable login name, as Debian's useradd accepts it (no "$" machine accounts); empty: none chosen. */
const userPattern = '^([a-z_][a-z0-9_-]{0,31})?$';

/**
 * Accounts that ship with a well-known password on some image, or that scanners try
 * first: Raspberry Pi OS (pi/raspberry), Ubuntu images (ubuntu/ubuntu), BeagleBoard
 * Debian (debian/temppwd), Debian cloud images (admin), NextCloudPi (ncp), DietPi
 * (dietpi/dietpi), Orange Pi (orangepi/orangepi), ODROID (odroid/odroid), Radxa
 * (rock/rock, radxa/radxa), Linaro (linaro/linaro), Arch Linux ARM (alarm/alarm),
 * Khadas (khadas/khadas), OSMC (osmc/osmc), Volumio (volumio/volumio), openHABian
 * (openhabian/openhabian), Mobian (mobian/1234), Kali (kali/kali), Vagrant boxes
 * (vagrant/vagrant), Ubiquiti (ubnt/ubnt), EC2 (ec2-user), and the generic names of
 * every SSH password-guessing list (user, test, guest, administrator, support, toor).
 * System accounts (daemon, www-data, nobody …) are refused by their uid instead.
 */
export const reservedUsers: ReadonlySet<string> = new Set([
  'admin', 'administrator', 'alarm', 'debian', 'dietpi', 'ec2-user', 'guest', 'kali', 'khadas',
  'linaro', 'mobian', 'ncp', 'odroid', 'openhabian', 'orangepi', 'osmc', 'pi', 'radxa', 'rock',
  'support', 'test', 'toor', 'ubnt', 'ubuntu', 'user', 'vagrant', 'volumio',
]);

/**
 * The passwords those images ship with, and a few more every scanner tries; also
 * refused with digits or punctuation added ("raspberry2024!"), like the common list.
 */
export const defaultPasswords: ReadonlySet<string> = new Set([
  'raspberry', 'dietpi', 'temppwd', 'ownyourbits', 'changeme', 'password', 'passw0rd', 'letmein',
  'qwerty', 'hearth', '1234', '12345', '123456', '12345678', '123456789', 'root',
  ...reservedUsers,
]);

/** Normal accounts, by Debian's policy: uids 1000–59999 (below are system accounts, above reserved). */
const firstUserUid = 1000;
const lastUserUid = 59999;

type Params = AppParams<typeof params.properties>;

const params = Type.Object({
  enabled: param.boolean({ default: false }),
  user: param.string({ default: '', pattern: userPattern, maxLength: 32 }),
  password: param.secret({ keep: 'never', maxLength: passwordMaxLength }),
  authorizedKeys: param.text({ default: '', maxLength: 65536 }),
  passwordLogin: param.boolean({ default: false }),
});

interface Account {
  uid: number;
  home: string;
  shell: string;
}

/** getent passwd NAME: the account, or undefined when there is none (exit 2). */
function parsePasswd(stdout: string): Account | undefined {
  const fields = stdout.split('\n')[0]?.split(':');
  if (!fields || fields.length < 7) return undefined;
  return { uid: Number(fields[2]), home: fields[5]!, shell: fields[6]! };
}

async function lookupAccount(run: (argv: string[]) => Promise<{ code: number | null; stdout: string }>, user: string): Promise<Account | undefined> {
  const result = await run(['getent', 'passwd', user]);
  return result.code === 0 ? parsePasswd(result.stdout) : undefined;
}

/** getent group hearth-ssh: the members, or undefined when the group does not exist. */
async function groupMembers(run: (argv: string[]) => Promise<{ code: number | null; stdout: string }>): Promise<string[] | undefined> {
  const result = await run(['getent', 'group', sshGroup]);
  if (result.code !== 0) return undefined;
  return (result.stdout.split('\n')[0]?.split(':')[3] ?? '').split(',').filter(Boolean);
}

/**
 * What the admin's password is refused for, or undefined. chpasswd reads "user:password"
 * lines, so a line break would start another account's line: control characters are
 * refused outright. Then the well-known defaults, then Hearth's own policy (12
 * characters, not a common password).
 */
export async function passwordProblem(password: string, user: string): Promise<FieldError | undefined> {
  const refuse = (key: string, params?: Record<string, string | number>): FieldError => ({ param: 'password', key, ...(params ? { params } : {}) });
  if (/[\u0000-\u001f\u007f]/.test(password)) return refuse('app-ssh:errors.passwordControl');
  const lowered = password.toLowerCase();
  const stem = lowered.replace(/[\d\p{P}\p{S}\s]+$/u, '');
  if (lowered === user || stem === user) return refuse('app-ssh:errors.passwordIsUser');
  if (defaultPasswords.has(lowered) || defaultPasswords.has(stem)) return refuse('app-ssh:errors.passwordDefault');
  try {
    await checkNewPassword(password);
  } catch (error) {
    if (isHearthError(error)) return refuse(`errors:${error.code}`, error.params);
    throw error;
  }
  return undefined;
}

/** The drop-in: the settings Hearth decides, each overriding what the main file says. */
export function renderDropIn({ passwordLogin }: { passwordLogin: boolean }): string {
  return [
    '# Written by Hearth (the ssh app): change these settings there, not here.',
    '# sshd keeps the first value it reads, and this file is read first.',
    // root keeps key logins: `sudo hearth …` or root with a key is how the box is rescued.
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${passwordLogin ? 'yes' : 'no'}`,
    // With PAM, keyboard-interactive would ask for the password even with the above off.
    'KbdInteractiveAuthentication no',
    'PermitEmptyPasswords no',
    // The one admin and root; every other account (pi, a replaced admin …) is refused.
    `AllowGroups ${sshGroup} root`,
    'X11Forwarding no',
    'MaxAuthTries 3',
    'LoginGraceTime 30',
    '',
  ].join('\n');
}

const quote = (file: string) => `"${file}"`;

/** The box's host keys (Debian's three, where the public half is there too). */
async function existingHostKeys(system: System): Promise<string[]> {
  const found: string[] = [];
  for (const key of hostKeyFiles) {
    const file = system.paths.systemFile(key);
    if ((await system.readFile(`${file}.pub`)) !== undefined) found.push(file);
  }
  return found;
}

/**
 * Checks a drop-in with the real `sshd -t` before anything is replaced: a throwaway
 * configuration under the state directory includes the candidate, the box's host keys
 * and the box's own sshd_config (so the whole that sshd will read is checked, hand
 * edits included). sshd refuses to run as root without its privilege separation
 * directory; Debian's unit and init script create /run/sshd before they call
 * `sshd -t`, and so does this. Throws HEARTH_ERR_PROGRAM_FAILED (sshd's own message
 * is in the log) when sshd refuses it; the temporary files are removed either way.
 */
export async function checkDropIn(job: JobContext, content: string): Promise<void> {
  const { system } = job;
  const dir = path.join(system.paths.stateDir, 'sshd-check');
  const candidate = path.join(dir, 'candidate.conf');
  const check = path.join(dir, 'sshd_config');
  let hostKeys = await existingHostKeys(system);
  if (hostKeys.length === 0) {
    // What openssh-server's postinst (and Raspberry Pi OS at first boot) does: sshd
    // cannot start without host keys. -f puts them under the root.
    job.info(job.t('app-ssh:log.hostKeys'));
    await job.run(['mkdir', '-p', system.paths.systemFile('etc/ssh')]);
    await job.run(['ssh-keygen', '-A', '-f', system.paths.root]);
    hostKeys = await existingHostKeys(system);
  }
  const mainConfig = system.paths.systemFile(mainConfigFile);
  const hasMainConfig = (await system.readFile(mainConfig)) !== undefined;
  const lines = [
    '# Written by Hearth to check a new SSH configuration before it is used; removed afterwards.',
    `Include ${quote(candidate)}`,
    ...hostKeys.map((key) => `HostKey ${quote(key)}`),
    // Last: the main file may end in a Match block, which would capture what follows.
    ...(hasMainConfig ? [`Include ${quote(mainConfig)}`] : []),
    '',
  ];
  job.info(job.t('app-ssh:log.checking'));
  try {
    await system.writeFile(candidate, content, { mode: 0o600 });
    await system.writeFile(check, lines.join('\n'), { mode: 0o600 });
    await job.run(['mkdir', '-p', '-m', '0755', system.paths.systemFile('run/sshd')]);
    const result = await job.run(['sshd', '-t', '-f', check], { allowFailure: true });
    if (result.code !== 0) {
      job.info(job.t('app-ssh:log.refused'));
      throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'sshd', code: result.code ?? result.signal ?? 'signal' });
    }
  } finally {
    await system.removeFile(candidate);
    await system.removeFile(check);
  }
}

/** Writes the checked drop-in in place (atomically: the old file or the new one, never half). */
export async function writeDropIn(system: System, content: string): Promise<void> {
  await system.writeFile(system.paths.systemFile(dropInFile), content, { mode: 0o644 });
}

/**
 * Makes `user` the one SSH admin: creates the group and the account if needed, adds
 * it to hearth-ssh and sudo, sets its password (on chpasswd's standard input only),
 * and takes SSH away from any other member of hearth-ssh, whose password is locked
 * too (as NextCloudPi does with the account it replaces).
 */
async function setUpAdmin(job: JobContext, user: string, password: string, account: Account | undefined): Promise<Account> {
  const query = (argv: string[]) => job.run(argv, { allowFailure: true });
  const members = await groupMembers(query);
  if (members === undefined) {
    job.info(job.t('app-ssh:log.creatingGroup', { group: sshGroup }));
    await job.run(['groupadd', '--system', sshGroup]);
  }
  const groups = `${sshGroup},sudo`;
  if (!account) {
    job.info(job.t('app-ssh:log.creatingUser', { user }));
    const home = `/home/${user}`;
    await job.run(['useradd', '--create-home', '--home-dir', home, '--shell', '/bin/bash', '--groups', groups, user]);
    account = { uid: -1, home, shell: '/bin/bash' };
  } else {
    job.info(job.t('app-ssh:log.updatingUser', { user }));
    await job.run(['usermod', '--append', '--groups', groups, user]);
    if (/\/(nologin|false)$/.test(account.shell)) await job.run(['usermod', '--shell', '/bin/bash', user]);
  }
  if (password !== '') {
    job.info(job.t('app-ssh:log.settingPassword', { user }));
    await job.run(['chpasswd'], { input: `${user}:${password}\n` });
  }
  for (const other of (members ?? []).filter((member) => member !== user)) {
    job.info(job.t('app-ssh:log.lockingOther', { user: other }));
    await job.run(['gpasswd', '-d', other, sshGroup]);
    await job.run(['usermod', '--lock', other]);
  }
  return account;
}

/** ~/.ssh/authorized_keys: 0600 in a 0700 .ssh, both owned by the user (sshd's StrictModes). */
async function writeAuthorizedKeys(job: JobContext, user: string, home: string, lines: string[], count: number): Promise<void> {
  const { system } = job;
  const sshDir = system.paths.systemFile(path.posix.join(home, '.ssh'));
  const file = path.join(sshDir, 'authorized_keys');
  const shown = path.posix.join(home, '.ssh/authorized_keys');
  if (count === 0 && lines.length === 0) {
    job.info(job.t('app-ssh:log.removingKeys', { file: shown }));
    await system.removeFile(file);
    return;
  }
  job.info(job.t('app-ssh:log.writingKeys', { count, file: shown }));
  await job.run(['install', '-d', '-m', '0700', sshDir]);
  await system.writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
  // "user:" is the user and its login group.
  await job.run(['chown', `${user}:`, sshDir, file]);
}

export default defineApp({
  id: 'ssh',
  category: 'security',
  kind: 'configure',
  hasInfo: true,
  params,
  async status({ system }) {
    const run = (argv: string[]) => system.run(argv);
    const enabled = (await run(['systemctl', 'is-enabled', sshService])).code === 0 && (await run(['systemctl', 'is-active', sshService])).code === 0;
    const values: Partial<Params> = { enabled };
    const details: Array<{ label: string; value: string }> = [];
    const dropIn = await system.readFile(system.paths.systemFile(dropInFile));
    const passwordSetting = /^\s*PasswordAuthentication\s+(yes|no)\s*$/im.exec(dropIn ?? '');
    if (passwordSetting) values.passwordLogin = passwordSetting[1]!.toLowerCase() === 'yes';
    const user = (await groupMembers(run))?.[0];
    if (user) {
      values.user = user;
      const account = await lookupAccount(run, user);
      if (account) {
        const keys = await system.readFile(system.paths.systemFile(path.posix.join(account.home, '.ssh/authorized_keys')));
        values.authorizedKeys = (keys ?? '').trimEnd();
        const parsed = parseAuthorizedKeys(keys ?? '');
        if (!isKeyProblem(parsed)) details.push({ label: 'app-ssh:details.keys', value: String(parsed.count) });
      }
      if (enabled) details.push({ label: 'app-ssh:details.login', value: `ssh ${user}@${await system.hostname()}.local` });
    }
    return { active: enabled, values, details };
  },
  async validate({ enabled, user, password, authorizedKeys, passwordLogin }, { system }) {
    const errors: FieldError[] = [];
    const run = (argv: string[]) => system.run(argv);
    let account: Account | undefined;
    let userOk = false;
    if (user === 'root') errors.push({ param: 'user', key: 'app-ssh:errors.userRoot' });
    else if (reservedUsers.has(user)) errors.push({ param: 'user', key: 'app-ssh:errors.userReserved', params: { user } });
    else if (user === '') {
      if (enabled) errors.push({ param: 'user', key: 'app-ssh:errors.userRequired' });
    } else {
      account = await lookupAccount(run, user);
      if (account && (account.uid < firstUserUid || account.uid > lastUserUid)) {
        errors.push({ param: 'user', key: 'app-ssh:errors.userSystem', params: { user, uid: account.uid } });
      } else userOk = true;
    }

    const keys = parseAuthorizedKeys(authorizedKeys);
    if (isKeyProblem(keys)) errors.push({ param: 'authorizedKeys', key: keys.key, params: keys.params });
    else if (enabled && keys.count === 0 && !passwordLogin) errors.push({ param: 'authorizedKeys', key: 'app-ssh:errors.noWayToLogIn' });

    if (password !== '') {
      const problem = enabled ? await passwordProblem(password, user) : { param: 'password', key: 'app-ssh:errors.passwordWhenOff' };
      if (problem) errors.push(problem);
    } else if (enabled && userOk) {
      // sudo asks for the password even when the login was with a key; an account
      // without a usable one ("L": locked, or none yet) gets one now.
      const status = account ? (await run(['passwd', '-S', user])).stdout.split(' ')[1] : undefined;
      if (status !== 'P') errors.push({ param: 'password', key: 'app-ssh:errors.passwordRequired', params: { user } });
    }
    return errors;
  },
  async apply({ enabled, user, password, authorizedKeys, passwordLogin }, job) {
    const { system } = job;
    if (!enabled) {
      // The socket too: where SSH was switched to socket activation, it would still answer.
      await job.run(['systemctl', 'disable', '--now', sshService, 'ssh.socket']);
      job.info(job.t('app-ssh:log.disabled'));
      return;
    }
    const keys = parseAuthorizedKeys(authorizedKeys);
    if (isKeyProblem(keys)) throw new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'ssh' }, { fields: [{ param: 'authorizedKeys', ...keys }] });
    const existing = await lookupAccount((argv) => job.run(argv, { allowFailure: true }), user);

    // First what can be refused: nothing on the box has changed if sshd says no.
    const content = renderDropIn({ passwordLogin });
    await checkDropIn(job, content);

    const account = await setUpAdmin(job, user, password, existing);
    await writeAuthorizedKeys(job, user, account.home, keys.lines, keys.count);
    job.info(job.t('app-ssh:log.writing', { file: `/${dropInFile}` }));
    await writeDropIn(system, content);
    await job.run(['systemctl', 'enable', sshService]);
    // Reloads a running sshd (open sessions stay), starts a stopped one.
    await job.run(['systemctl', 'reload-or-restart', sshService]);
    job.info(job.t('app-ssh:log.enabled', { user, host: `${await system.hostname()}.local` }));
  },
});
