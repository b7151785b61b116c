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

/** getent passwd NAME (the only database Hearth asks) */
export const getent: ProgramSimulation = (args, state) => {
  const [database, name] = args;
  if (database !== 'passwd') return fail(1, `getent (sandbox): unsupported database ${database ?? ''}`);
  const entries = Object.entries(state.users).filter(([n]) => !name || n === name);
  if (entries.length === 0) return { code: 2 };
  return ok(entries.map(([n, u]) => `${n}:x:${u.uid}:${u.uid}::${u.home}:${u.shell}`).join('\n') + '\n');
};

export const useradd: ProgramSimulation = (args, state) => {
  const name = args[args.length - 1];
  if (!name || name.startsWith('-')) return fail(2, 'useradd: missing user name');
  if (state.users[name]) return fail(9, `useradd: user '${name}' already exists`);
  const groups = (optionValue(args, '-G', '--groups') ?? '').split(',').filter(Boolean);
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

/** chpasswd reads "user:password" lines on standard input. The password itself is not kept. */
export const chpasswd: ProgramSimulation = (_args, state, input) => {
  for (const line of (input ?? '').split('\n').filter(Boolean)) {
    const name = line.slice(0, line.indexOf(':'));
    const user = state.users[name];
    if (!user) return fail(1, `chpasswd: line 1: user '${name}' does not exist`);
    user.passwordSet = true;
  }
  return ok();
};

/** passwd -l / -u NAME */
export const passwd: ProgramSimulation = (args, state) => {
  const name = args[args.length - 1];
  const user = name ? state.users[name] : undefined;
  if (!user) return fail(1, `passwd: user '${name ?? ''}' does not exist`);
  if (args.includes('-l')) user.locked = true;
  else if (args.includes('-u')) user.locked = false;
  else return fail(1, 'passwd (sandbox): only -l and -u are simulated');
  return ok();
};
