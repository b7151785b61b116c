import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chpasswd, getent, groupadd, passwd, useradd, usermod } from './accounts.js';
import { emptySandboxState } from './state.js';

describe('sandbox accounts', () => {
  it('answers getent group like /etc/group: gid, supplementary members only, exit 2 when unknown', () => {
    const state = emptySandboxState();
    expect(getent(['group', 'sudo'], state, undefined)).toEqual({ code: 0, stdout: 'sudo:x:27:\n' });
    expect(getent(['group', 'hearth-ssh'], state, undefined)).toEqual({ code: 2 });
    expect(groupadd(['--system', 'hearth-ssh'], state, undefined).code).toBe(0);
    expect(groupadd(['-r', 'other'], state, undefined).code).toBe(0);
    expect(useradd(['--create-home', '--groups', 'hearth-ssh,sudo', 'alice'], state, undefined).code).toBe(0);
    expect(useradd(['bob'], state, undefined).code).toBe(0);
    expect(getent(['group', 'hearth-ssh'], state, undefined)).toEqual({ code: 0, stdout: 'hearth-ssh:x:999:alice\n' });
    expect(getent(['group', '998'], state, undefined)).toEqual({ code: 0, stdout: 'other:x:998:\n' });
    // A user private group: gid = uid, and its user is not listed as a member.
    expect(getent(['group', 'alice'], state, undefined)).toEqual({ code: 0, stdout: 'alice:x:1000:\n' });
    expect(getent(['group', 'sudo'], state, undefined)).toEqual({ code: 0, stdout: 'sudo:x:27:alice\n' });
    expect(usermod(['--append', '--groups', 'hearth-ssh', 'bob'], state, undefined).code).toBe(0);
    expect(getent(['group', 'hearth-ssh'], state, undefined).stdout).toBe('hearth-ssh:x:999:alice,bob\n');
    const all = getent(['group'], state, undefined).stdout!.trim().split('\n');
    expect(all[0]).toBe('root:x:0:');
    expect(all).toContain('bob:x:1001:');
    // passwd lookups are as before.
    expect(getent(['passwd', 'alice'], state, undefined)).toEqual({ code: 0, stdout: 'alice:x:1000:1000::/home/alice:/bin/sh\n' });
    expect(getent(['passwd', 'nobody-here'], state, undefined)).toEqual({ code: 2 });
  });

  it('gives the group line of base-passwd as the real getent does on this Debian host', () => {
    const real = execFileSync('getent', ['group', 'sudo'], { encoding: 'utf8' });
    const simulated = getent(['group', 'sudo'], emptySandboxState(), undefined).stdout!;
    // The host may have members in its sudo group; name, password and gid are fixed by base-passwd.
    expect(simulated.split(':').slice(0, 3)).toEqual(real.split(':').slice(0, 3));
  });

  it('refuses groupadd of an existing or invalid name as groupadd does (exit 9, 3, 4), unless -f', () => {
    const state = emptySandboxState();
    expect(groupadd(['sudo'], state, undefined)).toEqual({ code: 9, stderr: "groupadd: group 'sudo' already exists\n" });
    expect(groupadd(['-f', 'sudo'], state, undefined).code).toBe(0);
    expect(groupadd(['Bad;Name'], state, undefined).code).toBe(3);
    expect(groupadd(['-g', '27', 'again'], state, undefined).code).toBe(4);
    expect(groupadd(['users2'], state, undefined).code).toBe(0);
    expect(getent(['group', 'users2'], state, undefined).stdout).toBe('users2:x:1000:\n');
  });

  it('reports passwd -S like shadow (L until a password is set; chpasswd unlocks; -L locks)', () => {
    const state = emptySandboxState();
    useradd(['carol'], state, undefined);
    const status = () => passwd(['-S', 'carol'], state, undefined).stdout!.split(' ').slice(0, 2).join(' ');
    expect(passwd(['-S', 'carol'], state, undefined).stdout).toMatch(/^carol L \d{4}-\d{2}-\d{2} 0 99999 7 -1\n$/);
    expect(chpasswd([], state, 'carol:secret words here\n').code).toBe(0);
    expect(status()).toBe('carol P');
    usermod(['--lock', 'carol'], state, undefined);
    expect(status()).toBe('carol L');
    chpasswd([], state, 'carol:another secret\n');
    expect(status()).toBe('carol P');
    expect(JSON.stringify(state)).not.toContain('secret');
    expect(passwd(['-S', 'nobody-here'], state, undefined).code).toBe(1);
  });
});
