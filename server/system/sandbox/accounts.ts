import { fail, ok, type ProgramSimulation } from './simulation.js';
import type { SandboxState } from './state.js';

function optionValue(args: string[], ...names: string[]): string | undefined {
  const index = args.findIndex((a) => names.includes(a));
  return index >= 0 ? args[index + 1] : undefined;
}

function nextUid(state: SandboxState): number {
  return Math.max(999, ...Object.values(state.users).map((u) => u.uid)) + 1;
}

/** id -u NAME / id -nG NAME */
export const id: ProgramSimulation = (args, state) => {
  const name = args.filter((a) => !a.startsWith('-')).pop();
  const user = name ? state.users[name] : undefined;
  if (!user) return fail(1, `id: '${name ?? ''}': no such user`);
  if (args.includes('-nG') || (args.includes('-G') && args.includes('-n'))) return ok(user.groups.join(' ') + '\n');
  return ok(`${user.uid}\n`);
};

/**
 * The groups Debian's base-passwd creates on every system (group.master), with their
 * fixed ids. Other groups are user private groups (gid = uid, as useradd makes them
 * when the id is free) and those created in the sandbox, kept in state.extra.groups.
 */
const debianGroups: Record<string, number> = {
  root: 0, daemon: 1, bin: 2, sys: 3, adm: 4, tty: 5, disk: 6, lp: 7, mail: 8, news: 9, uucp: 10,
  man: 12, proxy: 13, kmem: 15, dialout: 20, fax: 21, voice: 22, cdrom: 24, floppy: 25, tape: 26,
  sudo: 27, audio: 29, dip: 30, 'www-data': 33, backup: 34, operator: 37, list: 38, irc: 39, src: 40,
  shadow: 42, utmp: 43, video: 44, sasl: 45, plugdev: 46, staff: 50, games: 60, users: 100, nogroup: 65534,
};

function createdGroups(state: SandboxState): Record<string, { gid: number }> {
  const extra = state.extra as { groups?: Record<string, { gid: number }> };
  return (extra.groups ??= {});
}

/** Every group of the pretend host: name → gid. */
function groupTable(state: SandboxState): Map<string, number> {
  const table = new Map(Object.entries(debianGroups));
  for (const [name, user] of Object.entries(state.users)) if (user.groups[0] === name && !table.has(name)) table.set(name, user.uid);
  for (const [name, group] of Object.entries(createdGroups(state))) table.set(name, group.gid);
  return table;
}

/** Like shadow's find_new_gid: system groups from SYS_GID_MAX (999) down, others above the highest in use. */
function newGid(state: SandboxState, system: boolean): number {
  const used = new Set([...groupTable(state).values(), ...Object.values(state.users).map((u) => u.uid)]);
  if (system) {
    for (let gid = 999; gid >= 100; gid -= 1) if (!used.has(gid)) return gid;
  }
  return Math.max(999, ...[...used].filter((gid) => gid < 60000)) + 1;
}

/**
 * Real useradd/usermod refuse a group that does not exist; the sandbox is lenient (other
 * apps add users to groups their packages would create) and records such a group as if
 * it existed, so `getent group` still answers consistently.
 */
function registerGroups(state: SandboxState, names: string[]): void {
  const table = groupTable(state);
  for (const name of names) if (!table.has(name)) createdGroups(state)[name] = { gid: newGid(state, false) };
}

function groupLine(state: SandboxState, name: string, gid: number): string {
  // Members are listed for supplementary membership only, as in /etc/group.
  const members = Object.entries(state.users)
    .filter(([user, u]) => u.groups.includes(name) && u.groups[0] !== name && user !== name)
    .map(([user]) => user);
  return `${name}:x:${gid}:${members.join(',')}`;
}

/**
 * getent passwd [NAME] / getent group [NAME|GID]: the same lines as /etc/passwd and
 * /etc/group; exit 2 when a key is not found.
 */
export const getent: ProgramSimulation = (args, state) => {
  const [database, name] = args;
  if (database === 'group') {
    const entries = [...groupTable(state)].filter(([n, gid]) => name === undefined || n === name || String(gid) === name).sort((a, b) => a[1] - b[1]);
    if (entries.length === 0) return { code: 2 };
    return ok(entries.map(([n, gid]) => groupLine(state, n, gid)).join('\n') + '\n');
  }
  if (database !== 'passwd') return fail(1, `getent (sandbox): unsupported database ${database ?? ''}`);
  const entries = Object.entries(state.users).filter(([n]) => !name || n === name);
  if (entries.length === 0) return { code: 2 };
  return ok(entries.map(([n, u]) => `${n}:x:${u.uid}:${u.uid}::${u.home}:${u.shell}`).join('\n') + '\n');
};

/** groupadd [--system|-r] [--force|-f] [--gid|-g GID] NAME */
export const groupadd: ProgramSimulation = (args, state) => {
  const name = args[args.length - 1];
  if (!name || name.startsWith('-')) return fail(2, 'groupadd: missing group name');
  if (!/^[a-z_][a-z0-9_-]*\$?$/.test(name) || name.length > 32) return fail(3, `groupadd: '${name}' is not a valid group name`);
  if (groupTable(state).has(name)) return args.includes('-f') || args.includes('--force') ? ok() : fail(9, `groupadd: group '${name}' already exists`);
  const wanted = optionValue(args, '-g', '--gid');
  if (wanted !== undefined && [...groupTable(state).values()].includes(Number(wanted))) return fail(4, `groupadd: GID '${wanted}' already exists`);
  createdGroups(state)[name] = { gid: wanted !== undefined ? Number(wanted) : newGid(state, args.includes('-r') || args.includes('--system')) };
  return ok();
};

export const useradd: ProgramSimulation = (args, state) => {
  const name = args[args.length - 1];
  if (!name || name.startsWith('-')) return fail(2, 'useradd: missing user name');
  if (state.users[name]) return fail(9, `useradd: user '${name}' already exists`);
  const groups = (optionValue(args, '-G', '--groups') ?? '').split(',').filter(Boolean);
  registerGroups(state, groups);
  state.users[name] = {
    uid: nextUid(state),
    groups: [name, ...groups],
    shell: optionValue(args, '-s', '--shell') ?? '/bin/sh',
    home: `/home/${name}`,
    passwordSet: false,
    locked: false,
  };
  return ok();
};

export const usermod: ProgramSimulation = (args, state) => {
  const name = args[args.length - 1];
  const user = name ? state.users[name] : undefined;
  if (!user) return fail(6, `usermod: user '${name ?? ''}' does not exist`);
  const groups = optionValue(args, '-G', '--groups');
  if (groups !== undefined) {
    const wanted = groups.split(',').filter(Boolean);
    registerGroups(state, wanted);
    user.groups = args.includes('-a') || args.includes('--append') ? [...new Set([...user.groups, ...wanted])] : [name!, ...wanted];
  }
  if (args.includes('-L') || args.includes('--lock')) user.locked = true;
  if (args.includes('-U') || args.includes('--unlock')) user.locked = false;
  const shell = optionValue(args, '-s', '--shell');
  if (shell) user.shell = shell;
  return ok();
};

export const userdel: ProgramSimulation = (args, state) => {
  const name = args[args.length - 1];
  if (!name || !state.users[name]) return fail(6, `userdel: user '${name ?? ''}' does not exist`);
  delete state.users[name];
  return ok();
};

/** gpasswd -d USER GROUP */
export const gpasswd: ProgramSimulation = (args, state) => {
  const index = args.indexOf('-d');
  const name = index >= 0 ? args[index + 1] : undefined;
  const group = index >= 0 ? args[index + 2] : undefined;
  const user = name ? state.users[name] : undefined;
  if (!user || !group) return fail(3, 'gpasswd: unknown user or group');
  user.groups = user.groups.filter((g) => g !== group);
  return ok();
};

/**
 * chpasswd reads "user:password" lines on standard input. The password itself is not
 * kept. A new hash replaces a locked one ("!…"), so the account is unlocked too.
 */
export const chpasswd: ProgramSimulation = (_args, state, input) => {
  for (const line of (input ?? '').split('\n').filter(Boolean)) {
    const name = line.slice(0, line.indexOf(':'));
    const user = state.users[name];
    if (!user) return fail(1, `chpasswd: line 1: user '${name}' does not exist`);
    user.passwordSet = true;
    user.locked = false;
  }
  return ok();
};

/**
 * passwd -l / -u NAME, and passwd -S NAME: "NAME STATUS DATE MIN MAX WARN INACTIVE",
 * STATUS P (usable password) or L (locked, or no password yet: useradd leaves "!").
 */
export const passwd: ProgramSimulation = (args, state) => {
  const name = args[args.length - 1];
  const user = name ? state.users[name] : undefined;
  if (!user) return fail(1, `passwd: user '${name ?? ''}' does not exist`);
  if (args.includes('-S') || args.includes('--status')) {
    const status = user.passwordSet && !user.locked ? 'P' : 'L';
    return ok(`${name} ${status} ${new Date().toISOString().slice(0, 10)} 0 99999 7 -1\n`);
  }
  if (args.includes('-l')) user.locked = true;
  else if (args.includes('-u')) user.locked = false;
  else return fail(1, 'passwd (sandbox): only -l, -u and -S are simulated');
  return ok();
};
