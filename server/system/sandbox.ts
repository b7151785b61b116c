import os from 'node:os';
import path from 'node:path';
import type { Paths } from '../paths.js';
import { readHostFacts } from './host-facts.js';
import { localFiles } from './local-files.js';
import { runProgram } from './run-program.js';
import type { RunOptions, RunResult, System } from './types.js';

/**
 * Programs that would change the host the demo and the tests run on. The sandbox
 * records them in a state file instead of running them; every other program
 * (tar, openssl, sha256sum, …) runs for real.
 */
const hostChangingPrograms = new Set([
  'systemctl', 'hostnamectl', 'timedatectl', 'localectl', 'reboot', 'shutdown', 'poweroff', 'halt',
  'apt', 'apt-get', 'dpkg', 'useradd', 'usermod', 'userdel', 'chpasswd', 'passwd',
  'mount', 'umount', 'swapon', 'swapoff', 'mkswap', 'fdisk', 'sfdisk', 'parted', 'sgdisk', 'wipefs',
  'ip', 'nmcli', 'iw', 'wpa_cli', 'ufw', 'nft', 'iptables', 'sysctl', 'modprobe',
]);

function isHostChanging(program: string): boolean {
  const name = path.basename(program);
  return hostChangingPrograms.has(name) || name.startsWith('mkfs');
}

export interface SandboxRecord {
  at: string;
  argv: string[];
}

/** The sandbox over ./var/root, used by `npm start` from a checkout and by most tests. */
export function createSandboxSystem(paths: Paths): System {
  const files = localFiles(paths);

  // Records are appended by read-modify-write; one at a time so none is lost.
  let recording: Promise<unknown> = Promise.resolve();
  function record(argv: readonly string[]): Promise<RunResult> {
    const next = recording.then(() => append(argv));
    recording = next.catch(() => {});
    return next;
  }

  async function append(argv: readonly string[]): Promise<RunResult> {
    const previous = await files.readFile(paths.sandboxState);
    const state: { programs: SandboxRecord[] } = previous ? JSON.parse(previous) : { programs: [] };
    state.programs.push({ at: new Date().toISOString(), argv: [...argv] });
    await files.writeFile(paths.sandboxState, JSON.stringify(state, null, 2) + '\n');
    return { code: 0, signal: null, stdout: '', stderr: '', simulated: true };
  }

  // The hostname app writes $ROOT/etc/hostname in the sandbox; the box is called what it wrote.
  async function hostname() {
    const written = (await files.readFile(paths.systemFile('etc/hostname')))?.trim();
    return written || os.hostname();
  }

  return {
    kind: 'sandbox',
    paths,
    ...files,
    run(argv: readonly string[], options?: RunOptions) {
      const [program] = argv;
      if (program && isHostChanging(program)) return record(argv);
      return runProgram(argv, options);
    },
    hostname,
    async hostFacts() {
      return readHostFacts(await hostname(), paths.dataDir);
    },
  };
}
