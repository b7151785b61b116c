/**
 * What the sandbox pretends the host is: the services, accounts, swap areas … that
 * simulated programs changed, and every such program that ran, in order. Kept in
 * $ROOT/var/lib/hearth/sandbox-state.json so the demo and the tests can see it.
 */
export interface SandboxRecord {
  at: string;
  argv: string[];
}

export interface SandboxUser {
  uid: number;
  groups: string[];
  shell: string;
  home: string;
  passwordSet: boolean;
  locked: boolean;
}

export interface SandboxState {
  programs: SandboxRecord[];
  services: Record<string, { enabled: boolean; active: boolean }>;
  hostname?: string;
  timezone?: string;
  users: Record<string, SandboxUser>;
  swaps: string[];
  /** Free-form state for simulations that need more (kernel modules, zram devices …). */
  extra: Record<string, unknown>;
}

export function emptySandboxState(): SandboxState {
  return {
    programs: [],
    services: {},
    users: { root: { uid: 0, groups: ['root'], shell: '/bin/bash', home: '/root', passwordSet: true, locked: false } },
    swaps: [],
    extra: {},
  };
}

/** Fills what an older state file lacks. */
export function normalizeSandboxState(raw: Partial<SandboxState>): SandboxState {
  const empty = emptySandboxState();
  return { ...empty, ...raw, users: { ...empty.users, ...raw.users }, extra: raw.extra ?? {} };
}
