import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { packageRoot } from '../../paths.js';

/*
 * Real releases, a real install, a launcher run as systemd would run it: the parts of
 * the update process tests (end-to-end, power cut, disk full, benchmark).
 *
 *   const releases = await testReleases();          // v1…v4 built once with scripts/release
 *   const root = await installedRoot(releases, '1.0.0');   // scripts/install.sh into a temp root
 *   const box = new Supervisor(root); box.start(); await box.healthy('1.0.0');
 */

export const repo = packageRoot;
const releaseScript = path.join(repo, 'scripts/release.mjs');
const installScript = path.join(repo, 'scripts/install.sh');

export const versions = { v1: '1.0.0', v2: '2.0.0', v3: '3.0.0', v4: '4.0.0' } as const;

export interface TestReleases {
  dir: string;
  /** The signing key (PKCS#8 PEM) and its public half, which every release trusts. */
  key: string;
  publicKey: string;
  bundle(version: string): string;
  releaseJson(version: string): string;
  /** The schema version each release migrates to. */
  schema: Record<string, number>;
}

function sha256Tree(hash: ReturnType<typeof createHash>, dir: string) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const info = statSync(full);
    if (info.isDirectory()) sha256Tree(hash, full);
    else {
      hash.update(`${path.relative(repo, full)}\0`);
      hash.update(readFileSync(full));
    }
  }
}

/** What the releases are built from: the compiled server, the panel, the scripts they carry. */
function inputsKey(): string {
  const hash = createHash('sha256');
  for (const dir of ['dist/server', 'web/dist', 'locales', 'keys']) sha256Tree(hash, path.join(repo, dir));
  for (const file of ['package.json', 'package-lock.json', 'scripts/launcher', 'scripts/launcher.mjs', 'scripts/install.sh', 'scripts/systemd/hearth.service', 'scripts/release.mjs']) {
    hash.update(file);
    hash.update(readFileSync(path.join(repo, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

function run(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: options.cwd ?? repo, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Migrations appended to the compiled list (the release's own code, as a maintainer would write them). */
function migrationOverlay(dir: string, added: ReadonlyArray<{ sql: string; description: string }>) {
  const compiled = readFileSync(path.join(repo, 'dist/server/store/migrations.js'), 'utf8');
  const marker = '\n];\nexport const latestSchemaVersion';
  if (!compiled.includes(marker)) throw new Error('dist/server/store/migrations.js changed shape; update the test overlay');
  const extra = added
    .map((m) => `\nmigrations.push({ version: migrations[migrations.length - 1].version + 1, description: ${JSON.stringify(m.description)}, sql: ${JSON.stringify(m.sql)} });`)
    .join('');
  const patched = compiled.replace(marker, `\n];${extra}\nexport const latestSchemaVersion`);
  mkdirSync(path.join(dir, 'dist/server/store'), { recursive: true });
  writeFileSync(path.join(dir, 'dist/server/store/migrations.js'), patched);
}

/** A release that dies at start right after opening (and migrating) the database, with no chance to say why. */
function crashOverlay(dir: string, version: string) {
  const compiled = readFileSync(path.join(repo, 'dist/server/main.js'), 'utf8');
  const marker = 'appliance = createAppliance({ root: options.root, systemKind: options.systemKind });';
  if (!compiled.includes(marker)) throw new Error('dist/server/main.js changed shape; update the test overlay');
  const patched = compiled.replace(marker, `${marker}\n        process.stderr.write('hearth ${version} crashes at start\\n');\n        process.exit(70);`);
  mkdirSync(path.join(dir, 'dist/server'), { recursive: true });
  writeFileSync(path.join(dir, 'dist/server/main.js'), patched);
}

const baseSchema = () => {
  const compiled = readFileSync(path.join(repo, 'dist/server/store/migrations.js'), 'utf8');
  return Math.max(...[...compiled.matchAll(/version: (\d+),/g)].map((m) => Number(m[1])));
};

/**
 * Four real releases of this checkout, built with scripts/release once per set of inputs
 * and kept in the temp directory for every test file and run that follows:
 *   1.0.0  as it is;
 *   2.0.0  with one more (harmless) migration: its database is newer than 1.0.0 can open;
 *   3.0.0  2.0.0 plus a migration that throws;
 *   4.0.0  2.0.0 plus another harmless migration, and a crash at start after migrating.
 * Each trusts the test key. Needs `npm run build` (dist/ and web/dist/) first.
 */
export async function testReleases(): Promise<TestReleases> {
  if (!existsSync(path.join(repo, 'dist/server/cli/hearth.js')) || !existsSync(path.join(repo, 'web/dist/index.html'))) {
    throw new Error('run `npm run build` first: the releases are built from dist/ and web/dist/');
  }
  const base = path.join(os.tmpdir(), 'hearth-update-test-releases');
  const dir = path.join(base, inputsKey());
  const schema = baseSchema();
  const result: TestReleases = {
    dir,
    key: path.join(dir, 'key'),
    publicKey: path.join(dir, 'key.pub'),
    bundle: (version) => path.join(dir, 'out', `hearth-${version}-${process.arch}.tar.gz`),
    releaseJson: (version) => path.join(dir, 'out', `hearth-${version}-${process.arch}.release.json`),
    schema: { [versions.v1]: schema, [versions.v2]: schema + 1, [versions.v3]: schema + 2, [versions.v4]: schema + 2 },
  };
  if (existsSync(path.join(dir, '.complete'))) return result;

  // One builder at a time across test files running in parallel; the others wait for it.
  mkdirSync(base, { recursive: true });
  const lock = path.join(base, `${path.basename(dir)}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(path.join(dir, '.complete'))) return result;
      // A lock older than five minutes was left by a killed run.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (existsSync(path.join(dir, '.complete'))) return result;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const cache = path.join(base, 'cache');
    run([process.execPath, releaseScript, 'keygen', '--out', result.key]);
    const overlays = path.join(dir, 'overlays');
    const v2Migration = { sql: 'CREATE TABLE test_v2_marker (id INTEGER PRIMARY KEY);', description: 'test release 2.0.0' };
    const v2 = path.join(overlays, 'v2');
    migrationOverlay(v2, [v2Migration]);
    const v3 = path.join(overlays, 'v3');
    migrationOverlay(v3, [v2Migration, { sql: 'INSERT INTO test_no_such_table VALUES (1);', description: 'test release 3.0.0: a migration that throws' }]);
    const v4 = path.join(overlays, 'v4');
    migrationOverlay(v4, [v2Migration, { sql: 'CREATE TABLE test_v4_marker (id INTEGER PRIMARY KEY);', description: 'test release 4.0.0' }]);
    crashOverlay(v4, versions.v4);
    for (const [version, overlay] of [
      [versions.v1, undefined],
      [versions.v2, v2],
      [versions.v3, v3],
      [versions.v4, v4],
    ] as const) {
      const args = [process.execPath, releaseScript, 'build', '--version', version, '--out', path.join(dir, 'out'), '--trust-key', result.publicKey, '--no-build', '--cache', cache];
      if (overlay) args.push('--overlay', overlay);
      run(args);
    }
    writeFileSync(path.join(dir, '.complete'), new Date().toISOString());
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return result;
}

/** A channel directory holding these releases, signed with the test key. */
export function makeChannel(releases: TestReleases, channelDir: string, list: readonly string[]): string {
  for (const version of list) run([process.execPath, releaseScript, 'sign', '--key', releases.key, '--channel', channelDir, '--release', releases.releaseJson(version)]);
  return path.join(channelDir, 'manifest.json');
}

/** scripts/install.sh into `root` (no systemctl: the test plays systemd). */
export function install(root: string, bundle: string): void {
  run(['bash', installScript, '--root', root, bundle]);
}

export function currentOf(root: string): string | undefined {
  try {
    return readlinkSync(path.join(root, 'opt/hearth/current')).replace(/^releases\//, '');
  } catch {
    return undefined;
  }
}

/** The releases a box has (not what the launcher set aside for deletion, nor partial unpacks: dot-names). */
export function releasesOf(root: string): string[] {
  return readdirSync(path.join(root, 'opt/hearth/releases'))
    .filter((name) => !name.startsWith('.'))
    .sort();
}

export function journalOf(root: string): Record<string, unknown> | undefined {
  const file = path.join(root, 'var/lib/hearth-update/journal.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : undefined;
}

export function historyOf(root: string): Array<Record<string, unknown>> {
  const file = path.join(root, 'var/lib/hearth-update/history.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, unknown>>) : [];
}

/** The database opens (read-only), passes integrity_check, and is at this schema version. */
export function databaseState(root: string): { schema: number; integrity: string; tables: string[] } {
  const db = new Database(path.join(root, 'var/lib/hearth/hearth.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      schema: db.pragma('user_version', { simple: true }) as number,
      integrity: String(db.pragma('integrity_check', { simple: true })),
      tables: (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'test_%' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name),
    };
  } finally {
    db.close();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Environment of every Hearth process of a test box: the sandbox system, loopback, this node first on PATH. */
export function boxEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    HEARTH_SYSTEM: 'sandbox',
    HEARTH_HOST: '127.0.0.1',
    HEARTH_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** GET /api/health of a box (its own self-signed certificate). */
export function health(port: number, timeoutMs = 2000): Promise<{ status: number; version?: string }> {
  return new Promise((resolve) => {
    const request = https.get({ host: '127.0.0.1', port, path: '/api/health', rejectUnauthorized: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, version: (JSON.parse(body) as { version?: string }).version });
        } catch {
          resolve({ status: response.statusCode ?? 0 });
        }
      });
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve({ status: 0 }));
  });
}

/**
 * Plays systemd for one box: runs $ROOT/opt/hearth/launcher (Restart=always: whenever it
 * exits it is started again at once), in a process group of its own so that a power cut
 * (cut()) kills the launcher, the daemon, the log capture and the trial watchdog alike.
 */
export class Supervisor {
  readonly root: string;
  port = 0;
  output = '';
  starts = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private wanted = false;
  /** Environments for the next starts, one each (fault points in the launcher or the daemon of that start). */
  private queued: Array<Record<string, string>> = [];
  private readonly env: Record<string, string>;
  private readonly born = Date.now();
  /** Every start's process group: a start's trial watchdog outlives the start (as on a box, until systemd stops the unit). */
  private readonly groups = new Set<number>();

  constructor(root: string, env: Record<string, string> = {}) {
    this.root = root;
    this.env = env;
  }

  /** Environment for the next start only (a fault point in the launcher or the daemon); called again, for the start after it. */
  once(env: Record<string, string>): this {
    this.queued.push(env);
    return this;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.wanted = true;
    this.spawn();
  }

  private spawn() {
    const env = boxEnv({ HEARTH_PORT: String(this.port), ...this.env, ...(this.queued.shift() ?? {}) });
    this.starts++;
    const child = spawn('bash', [path.join(this.root, 'opt/hearth/launcher')], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (child.pid) this.groups.add(child.pid);
    const stamp = () => `[${((Date.now() - this.born) / 1000).toFixed(2)}s] `;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += stamp() + chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += stamp() + chunk.toString()));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.output += `${stamp()}[supervisor: exited ${code ?? signal}]\n`;
        if (this.child === child) this.child = undefined;
        resolve();
        // Restart=always (RestartSec is 2 s on a box; no wait here).
        if (this.wanted && !this.child) setImmediate(() => this.wanted && !this.child && this.spawn());
      });
    });
  }

  /** The pid of the running launcher/daemon (one process: the launcher execs the daemon). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private killGroup(signal: NodeJS.Signals) {
    const pid = this.child?.pid;
    if (pid) {
      try {
        process.kill(-pid, signal);
      } catch {
        // gone
      }
    }
  }

  /** A power cut: everything of the box dies at once; nothing restarts until boot(). */
  async cut(): Promise<void> {
    this.wanted = false;
    this.killGroup('SIGKILL');
    await this.exited;
  }

  /** Power back: systemd starts the unit. */
  async boot(): Promise<void> {
    await this.start();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    this.killGroup('SIGTERM');
    const timer = setTimeout(() => this.killGroup('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
    // What is left of every start: its capture, its trial watchdog (systemd kills the unit's cgroup).
    for (const group of this.groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone
      }
    }
    this.groups.clear();
  }

  /** Waits until /api/health answers with `version` (and, when given, until `until` holds too). */
  async healthy(version: string, options: { timeoutMs?: number; until?: () => boolean } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const answer = await health(this.port, 1000);
      if (answer.status === 200 && answer.version === version && (!options.until || options.until())) return;
      if (Date.now() > deadline) throw new Error(`box ${this.root} did not answer as ${version} (last: ${JSON.stringify(answer)}):\n${this.output.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Runs an update job as the CLI would, with the running release's code
 * (current/dist/server/updates/launcher-tool.js update). Resolves with how it ended.
 */
export function runUpdater(root: string, channel: string, options: { fault?: string; version?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const tool = path.join(root, 'opt/hearth/current/dist/server/updates/launcher-tool.js');
  const args = [tool, 'update', '--root', root, '--channel', channel, ...(options.version ? ['--version', options.version] : [])];
  const child = spawn(process.execPath, args, { env: boxEnv({ ...(options.fault ? { HEARTH_FAULT_AT: options.fault } : {}), ...options.env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** A channel over real HTTP on 127.0.0.1 serving a directory; `beforeBundle` runs when a bundle is asked for (a disk filling up meanwhile). */
export async function serveDirectory(dir: string, hooks: { beforeBundle?: () => void } = {}): Promise<{ url: (file: string) => string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const name = path.basename(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    const file = path.join(dir, name);
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    if (name.endsWith('.tar.gz')) hooks.beforeBundle?.();
    response.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (file) => `http://127.0.0.1:${port}/${file}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** mount -t tmpfs of `size` at `dir` (root only); returns the unmount. undefined when this process may not mount. */
export function mountTmpfs(dir: string, size: string): (() => void) | undefined {
  mkdirSync(dir, { recursive: true });
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  return () => {
    spawnSync('umount', ['-l', dir]);
  };
}

/** Seeds the owner's data directory with a few files (what must never change). */
export function seedData(root: string): string {
  const data = path.join(root, 'srv/hearth');
  mkdirSync(path.join(data, 'photos'), { recursive: true });
  writeFileSync(path.join(data, 'photos/cat.jpg'), Buffer.alloc(256 * 1024, 9));
  writeFileSync(path.join(data, 'notes.txt'), 'the owner wrote this\n');
  return data;
}

/**
 * A copy of a stopped box: its state, data and configuration copied, its releases
 * hard-linked (a release is never written once unpacked), so a test gets a box of its
 * own in a fraction of an install.
 */
export function cloneRoot(template: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-box-'));
  for (const name of readdirSync(template)) {
    if (name === 'opt') continue;
    run(['cp', '-a', '--reflink=auto', path.join(template, name), path.join(root, name)]);
  }
  const install = path.join(template, 'opt/hearth');
  mkdirSync(path.join(root, 'opt/hearth'), { recursive: true });
  for (const name of readdirSync(install)) {
    run(['cp', name === 'releases' ? '-al' : '-a', path.join(install, name), path.join(root, 'opt/hearth', name)]);
  }
  return root;
}

/** The process serving a box runs this release's code (its command line names releases/<version>/). */
export function runningRelease(pid: number | undefined): string | undefined {
  if (!pid) return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const entry = argv.find((arg) => arg.endsWith('/dist/server/cli/hearth.js'));
    return entry ? /\/releases\/([^/]+)\/dist\//.exec(entry)?.[1] : undefined;
  } catch {
    return undefined;
  }
}
