import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every filesystem location of the appliance, derived from one root.
 * Installed on a board the root is `/`; from a checkout it is `./var/root`,
 * and every test gets a temporary one. No other module builds an absolute path.
 */
export interface Paths {
  root: string;
  /** Configuration the owner may edit by hand: $ROOT/etc/hearth */
  configDir: string;
  /** Appliance state: $ROOT/var/lib/hearth */
  stateDir: string;
  database: string;
  tlsDir: string;
  tlsKey: string;
  tlsCert: string;
  setupCode: string;
  backupsDir: string;
  /** Snapshots of the state directory: $ROOT/var/lib/hearth-snapshots, outside what a rollback swaps */
  snapshotsDir: string;
  /**
   * Where the owner's files live (the NAS share): $ROOT/srv/hearth, or the directory on a
   * drive that `dataLink` points to once the datadir app moved them there. Read at each use,
   * so a move applies at once to everything (backups, restore, the dashboard).
   */
  readonly dataDir: string;
  /** $ROOT/srv/hearth as such: the data directory itself, or a symbolic link to it on a drive (server/storage/data-location.ts) */
  dataLink: string;
  logDir: string;
  /** Login successes and failures, one line each, for fail2ban */
  authLog: string;
  /** Programs the sandbox did not run, and what they would have changed */
  sandboxState: string;
  /** Installed code: $ROOT/opt/hearth (releases/<version>/, the `current` link, the launcher); see updates/layout.ts */
  installDir: string;
  /** Update journal, history, staging and start logs: $ROOT/var/lib/hearth-update, outside what a state rollback restores */
  updateDir: string;
  /** Any system file, e.g. systemFile('etc/hostname') */
  systemFile(relative: string): string;
}

export function resolvePaths(root: string): Paths {
  const absoluteRoot = path.resolve(root);
  const under = (...parts: string[]) => path.join(absoluteRoot, ...parts);
  const stateDir = under('var/lib/hearth');
  const tlsDir = path.join(stateDir, 'tls');
  const logDir = under('var/log/hearth');
  const dataLink = under('srv/hearth');
  return {
    root: absoluteRoot,
    configDir: under('etc/hearth'),
    stateDir,
    database: path.join(stateDir, 'hearth.db'),
    tlsDir,
    tlsKey: path.join(tlsDir, 'key.pem'),
    tlsCert: path.join(tlsDir, 'cert.pem'),
    setupCode: path.join(stateDir, 'setup-code'),
    backupsDir: path.join(stateDir, 'backups'),
    // Beside the state, not in it: a rollback swaps the state directory as a whole (server/snapshots/).
    snapshotsDir: under('var/lib/hearth-snapshots'),
    get dataDir() {
      return followDataLink(dataLink);
    },
    dataLink,
    logDir,
    authLog: path.join(logDir, 'auth.log'),
    sandboxState: path.join(stateDir, 'sandbox-state.json'),
    installDir: under('opt/hearth'),
    updateDir: under('var/lib/hearth-update'),
    systemFile(relative: string) {
      const resolved = path.resolve(absoluteRoot, relative.replace(/^\/+/, ''));
      if (!isInside(absoluteRoot, resolved)) throw new Error(`path escapes the root: ${relative}`);
      return resolved;
    },
  };
}

/**
 * The data directory behind $ROOT/srv/hearth: the link's target (kept relative, so it holds
 * under any root), or the path itself when it is a directory or missing. A link whose drive
 * is absent still names its target: writers then fail instead of filling the system disk.
 */
function followDataLink(link: string): string {
  try {
    return path.resolve(path.dirname(link), readlinkSync(link));
  } catch {
    return link;
  }
}

/** True when `candidate` is `root` or below it (works for root = "/" too). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  const escapes = relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative);
  return !escapes;
}

function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'hearth') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the hearth package root');
    dir = parent;
  }
}

/** The directory holding package.json, locales/ and web/dist, wherever the code runs from. */
export const packageRoot = findPackageRoot();

export const localesDir = path.join(packageRoot, 'locales');
export const panelDir = path.join(packageRoot, 'web', 'dist');

/**
 * A source checkout has the TypeScript sources next to package.json; an installed
 * release (/opt/hearth/releases/<version>) ships only the compiled code.
 */
export const runningFromCheckout = existsSync(path.join(packageRoot, 'server', 'app.ts'));

export function defaultRoot(): string {
  return runningFromCheckout ? path.join(packageRoot, 'var', 'root') : '/';
}

export const appVersion: string = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
