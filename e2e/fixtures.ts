import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The built CLI (`npm run build:server`); HEARTH_E2E_CLI runs the tests against another build, e.g. an installed release. */
const hearthCli = process.env.HEARTH_E2E_CLI ?? path.join(repoRoot, 'dist', 'server', 'cli', 'hearth.js');
/** A job with chosen output, started from its own process (e2e/support/run-job.mjs). */
const runJobScript = path.join(repoRoot, 'e2e', 'support', 'run-job.mjs');
/** The weekly restore drill, run now (e2e/support/run-drill.mjs). */

/** pino's "error"; 60 is "fatal". */
const errorLevel = 50;
const startTimeoutMs = 20_000;
const stopTimeoutMs = 15_000;

export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface MachineInfo {
  hostname: string;
  mdnsName: string;
  version: string;
  activated: boolean;
  [field: string]: unknown;
}

/** A running `hearth start` on a temporary root, and the CLI pointed at the same root. */
export interface Daemon {
  baseURL: string;
  root: string;
  /** The JSON log lines the daemon wrote so far. */
  logLines(): LogLine[];
  cli(args: string[], input?: string): Promise<CliResult>;
  /** `hearth setup-code`: what the owner reads over SSH. */
  setupCode(): Promise<string>;
  /** `echo … | hearth passwd --stdin`: the way back in for a locked-out owner. */
  resetPassword(newPassword: string): Promise<void>;
  /** `hearth info --json` */
  info(): Promise<MachineInfo>;
  /** Activates through the API (for tests about what comes after); the request context keeps the session cookie. */
  activate(request: APIRequestContext, password: string): Promise<void>;
  /**
   * Runs a job of `appId` in a process of its own on the same root, as `hearth app run`
   * over SSH would, whose log is exactly `lines` (one every `delayMs`): program output
   * the test controls; with `failWith` it then fails. Resolves when the job has ended.
   */
  runJobWithOutput(appId: string, lines: readonly JobOutputLine[], options?: { delayMs?: number; failWith?: string }): Promise<{ id: number; status: string }>;
  /**
   * The weekly restore drill, now, in a process of its own on the same root: the job the
   * scheduler starts on Sundays, without waiting for one. Resolves when it has ended.
   */
  runDrill(): Promise<{ id: number; status: string; errorCode: string | null }>;
}

export interface JobOutputLine {
  stream: 'out' | 'err';
  text: string;
  /** A pause after this line, on top of delayMs. */
  pauseMs?: number;
}

/** Never the real system: every daemon and CLI call of the tests works on a sandbox under its root. */
function testEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, HEARTH_SYSTEM: 'sandbox', HEARTH_LOG_LEVEL: 'info', LANG: 'C.UTF-8', LC_ALL: '' };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function runCli(root: string, args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [hearthCli, ...args, '--root', root], { env: testEnvironment(), timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

async function waitForHealth(baseURL: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hearth start exited with ${child.exitCode} before listening:\n${output()}`);
    try {
      const response = await fetch(`${baseURL}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`hearth start did not answer on ${baseURL} within ${startTimeoutMs} ms:\n${output()}`);
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(force);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

function parseLog(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line): LogLine => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        // Anything on stdout that is not a JSON log line is itself a fault.
        return { level: errorLevel, msg: `not a JSON log line: ${line}` };
      }
    });
}

async function startDaemon(testInfo: TestInfo): Promise<{ daemon: Daemon; shutdown: () => Promise<void> }> {
  if (!existsSync(hearthCli)) throw new Error(`${hearthCli} does not exist: run \`npm run build\` before the browser tests.`);
  const panelIndex = path.join(path.dirname(hearthCli), '..', '..', '..', 'web', 'dist', 'index.html');
  if (!existsSync(panelIndex)) throw new Error(`${panelIndex} does not exist: run \`npm run build:panel\` before the browser tests.`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'hearth-e2e-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [hearthCli, 'start', '--root', root, '--port', String(port), '--host', '127.0.0.1', '--http'], {
    env: testEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;

  try {
    await waitForHealth(baseURL, child, output);
  } catch (error) {
    await stop(child);
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  const daemon: Daemon = {
    baseURL,
    root,
    logLines: () => parseLog(stdout),
    cli: (args, input) => runCli(root, args, input),
    async setupCode() {
      const result = await runCli(root, ['setup-code']);
      expect(result.exitCode, result.stderr).toBe(0);
      const code = result.stdout.trim();
      expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      return code;
    },
    async resetPassword(newPassword) {
      const result = await runCli(root, ['passwd', '--stdin'], `${newPassword}\n`);
      expect(result.exitCode, result.stderr).toBe(0);
    },
    async info() {
      const result = await runCli(root, ['info', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as MachineInfo;
    },
    async activate(request, password) {
      const setupCode = await daemon.setupCode();
      const response = await request.post(`${baseURL}/api/activation`, { data: { setupCode, password }, headers: { origin: baseURL } });
      expect(response.status(), await response.text()).toBe(201);
    },
    runJobWithOutput(appId, lines, options = {}) {
      const spec = JSON.stringify({ appId, lines, delayMs: options.delayMs ?? 0, failWith: options.failWith });
      const distServer = path.resolve(path.dirname(hearthCli), '..');
      return new Promise((resolve, reject) => {
        execFile(process.execPath, [runJobScript, distServer, root, spec], { env: testEnvironment(), timeout: 30_000 }, (error, stdout, stderr) => {
          if (error) return reject(new Error(`run-job.mjs failed: ${error.message}\n${stderr}`));
          resolve(JSON.parse(stdout) as { id: number; status: string });
        });
      });
    },
    async runDrill() {
      // `hearth backup drill`: the job the scheduler's "restore-drill" task starts on Sundays.
      const result = await daemon.cli(['backup', 'drill', '--json']);
      const { job } = JSON.parse(result.stdout) as { job: { id: number; status: string; errorCode: string | null } };
      return { id: job.id, status: job.status, errorCode: job.errorCode };
    },
  };

  const shutdown = async () => {
    const exitCode = await stop(child);
    await testInfo.attach('daemon-stdout.log', { body: stdout, contentType: 'text/plain' });
    await testInfo.attach('daemon-stderr.log', { body: stderr, contentType: 'text/plain' });
    await rm(root, { recursive: true, force: true });
    // Cockpit's rule: a test fails when the server logged an error, however fine the page looked.
    const errors = parseLog(stdout).filter((line) => line.level >= errorLevel);
    expect(errors.map((line) => JSON.stringify(line)), 'the daemon logged errors').toEqual([]);
    expect(exitCode, `hearth start did not stop cleanly on SIGTERM:\n${output()}`).toBe(0);
  };

  return { daemon, shutdown };
}

interface Fixtures {
  daemon: Daemon;
  /** Fails the test when the page threw an uncaught exception. */
  noPageErrors: void;
}

/**
 * `daemon` is test-scoped: every test (one scenario per file) gets a fresh daemon on
 * a fresh root, so no state leaks between files, whichever worker runs them.
 */
export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern
  daemon: async ({}, use, testInfo) => {
    const { daemon, shutdown } = await startDaemon(testInfo);
    try {
      await use(daemon);
    } finally {
      await shutdown();
    }
  },
  baseURL: async ({ daemon }, use) => {
    await use(daemon.baseURL);
  },
  noPageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
      await use();
      expect(errors, 'uncaught exceptions in the page').toEqual([]);
    },
    { auto: true },
  ],
});

/** The job feed's request as the daemon logged it: /api/jobs/events?lang=<the panel's language>. */
export const isJobFeedRequest = (line: LogLine) => line.msg === 'incoming request' && requestPath(line) === '/api/jobs/events';

/** The path of a logged request, without its query. */
export function requestPath(line: LogLine): string | undefined {
  return (line.req as { url?: string } | undefined)?.url?.split('?')[0];
}

/**
 * Opens a panel page that listens to the job feed, and waits until the daemon has
 * taken the feed's request: it reports the jobs that start or end after that moment.
 * (The few milliseconds between the log line and the feed's first look at the jobs
 * are far less than any job's process takes to start.)
 */
export async function gotoWithJobFeed(page: Page, daemon: Daemon, url: string): Promise<void> {
  const before = daemon.logLines().filter(isJobFeedRequest).length;
  await page.goto(url);
  await expect.poll(() => daemon.logLines().filter(isJobFeedRequest).length, { message: 'the page opens the job feed' }).toBeGreaterThan(before);
}

export { expect };
