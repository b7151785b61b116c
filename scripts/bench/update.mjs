#!/usr/bin/env node
// Downtime of an update and time to roll back, with real releases (scripts/release), a real
// install (scripts/install.sh) and the launcher run as systemd runs it (restarted at once
// when it exits; systemd waits RestartSec=2 s more on a box — add it to what is printed).
//
//   downtime   last answer of /api/health from the old version → first answer of the new,
//              polled every 20 ms on loopback while `launcher-tool.js update` runs;
//   rollback   an update to a release that crashes at start (3 starts, then the launcher
//              rolls back: `current`, then the state from the pre-update snapshot):
//              last answer of the old version → first answer of the old version again;
//              and the launcher's own rollback step, from its log.
//
// Usage: npm run build:server && node scripts/bench/update.mjs [runs]   (dist/server/main.js is patched for the crashing release)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runs = Number(process.argv[2] ?? 3);
const work = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-update-'));
const release = (...args) => run([process.execPath, path.join(repo, 'scripts/release.mjs'), ...args]);

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd: repo, maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) throw new Error(`${argv.join(' ')}: ${result.stderr || result.stdout}`);
  return result.stdout;
}

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

function health(port) {
  return new Promise((resolve) => {
    const request = https.get({ host: '127.0.0.1', port, path: '/api/health', rejectUnauthorized: false, timeout: 500 }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        try {
          resolve(response.statusCode === 200 ? JSON.parse(body).version : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

const env = (port) => ({
  PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
  HOME: process.env.HOME ?? '/root',
  LANG: 'C.UTF-8',
  HEARTH_SYSTEM: 'sandbox',
  HEARTH_HOST: '127.0.0.1',
  HEARTH_PORT: String(port),
  HEARTH_LOG_LEVEL: 'warn',
});

/** systemd's part: the launcher, started again whenever it exits. */
function supervise(root, port) {
  let child;
  let wanted = true;
  let log = '';
  const start = () => {
    child = spawn('bash', [path.join(root, 'opt/hearth/launcher')], { env: env(port), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stamp = (chunk) => (log += chunk.toString().replace(/^(?=.)/gm, `[${Date.now()}] `));
    child.stdout.on('data', stamp);
    child.stderr.on('data', stamp);
    child.on('exit', (code, signal) => {
      log += `[${Date.now()}] exited ${code ?? signal}\n`;
      if (wanted) setImmediate(start);
    });
  };
  start();
  return {
    log: () => log,
    stop() {
      wanted = false;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}

/** Polls /api/health until `until` says so; returns the answers with their times. */
async function watch(port, until) {
  const answers = [];
  for (;;) {
    const at = Date.now();
    const version = await health(port);
    answers.push({ at, version });
    if (until(answers)) return answers;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function gap(answers, from, to) {
  const firstNew = answers.findIndex((a) => a.version === to && answers.slice(0, answers.indexOf(a)).some((b) => b.version !== from));
  const lastOld = answers.slice(0, firstNew).findLastIndex((a) => a.version === from);
  return { lastOld: answers[lastOld].at, firstNew: answers[firstNew].at, seconds: (answers[firstNew].at - answers[lastOld].at) / 1000 };
}

/** The time of the first log line after `after` matching `pattern`. */
function logTime(log, pattern, after = 0) {
  for (const match of log.matchAll(/^\[(\d+)\] (.*)$/gm)) if (Number(match[1]) >= after && pattern.test(match[2])) return Number(match[1]);
  return NaN;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// ------------------------------------------------------------------ releases
console.log(`building releases in ${work} …`);
const key = path.join(work, 'key');
release('keygen', '--out', key);
const out = path.join(work, 'out');
const crash = path.join(work, 'overlay-crash');
const main = readFileSync(path.join(repo, 'dist/server/main.js'), 'utf8');
const marker = 'appliance = createAppliance({ root: options.root, systemKind: options.systemKind });';
if (!main.includes(marker)) throw new Error('dist/server/main.js changed shape');
mkdirSync(path.join(crash, 'dist/server'), { recursive: true });
writeFileSync(path.join(crash, 'dist/server/main.js'), main.replace(marker, `${marker}\nprocess.exit(70);`));
const builds = [
  ['1.0.0'],
  ['2.0.0'],
  ['3.0.0', '--overlay', crash],
];
// The checkout's build when there is one (npm run build); otherwise scripts/release compiles into its cache.
const prebuilt = existsSync(path.join(repo, 'web/dist/index.html')) ? ['--no-build'] : [];
for (const [version, ...extra] of builds) release('build', '--version', version, '--out', out, '--trust-key', `${key}.pub`, ...prebuilt, ...extra);
const bundle = (version) => path.join(out, `hearth-${version}-${process.arch}.tar.gz`);

const downtimes = [];
const stops = [];
const starts = [];
const failedUpdates = [];
const rollbacks = [];
const rollbackSteps = [];
for (let i = 0; i < runs; i++) {
  const root = path.join(work, `box-${i}`);
  run(['bash', path.join(repo, 'scripts/install.sh'), '--root', root, bundle('1.0.0')]);
  const channel = path.join(work, `channel-${i}`);
  release('sign', '--key', key, '--channel', channel, '--release', path.join(out, `hearth-2.0.0-${process.arch}.release.json`));
  const port = await freePort();
  const box = supervise(root, port);
  await watch(port, (answers) => answers.at(-1).version === '1.0.0');

  const updater = (version) =>
    spawn(process.execPath, [path.join(root, 'opt/hearth/current/dist/server/updates/launcher-tool.js'), 'update', '--root', root, '--channel', pathToFileURL(path.join(channel, 'manifest.json')).href, '--version', version], { env: env(port), stdio: 'ignore' });

  updater('2.0.0');
  const update = gap(await watch(port, (answers) => answers.at(-1).version === '2.0.0'), '1.0.0', '2.0.0');
  downtimes.push(update.seconds);
  // Where the downtime goes: the old daemon stopping, then the launcher and the new daemon starting.
  const exited = logTime(box.log(), /^exited/, update.lastOld);
  stops.push((exited - update.lastOld) / 1000);
  starts.push((update.firstNew - exited) / 1000);

  release('sign', '--key', key, '--channel', channel, '--release', path.join(out, `hearth-3.0.0-${process.arch}.release.json`));
  updater('3.0.0');
  const failed = gap(await watch(port, (answers) => answers.at(-1).version === '2.0.0' && answers.some((a) => a.version !== '2.0.0')), '2.0.0', '2.0.0');
  failedUpdates.push(failed.seconds);
  const log = box.log();
  const begun = logTime(log, /hearth-launcher: rolling back/);
  const ended = logTime(log, /hearth-launcher: rolled back/);
  rollbackSteps.push((ended - begun) / 1000);
  rollbacks.push((failed.firstNew - begun) / 1000);
  box.stop();
  console.log(
    `run ${i + 1}: update downtime ${update.seconds.toFixed(2)} s (old daemon stops ${stops.at(-1).toFixed(2)} s, launcher + new daemon up ${starts.at(-1).toFixed(2)} s); ` +
      `rollback ${rollbacks.at(-1).toFixed(2)} s (its own step ${rollbackSteps.at(-1).toFixed(2)} s); whole failed update ${failed.seconds.toFixed(2)} s`,
  );
}

console.log('');
console.log(`update downtime (old version's last answer → new version's first), median of ${runs}: ${median(downtimes).toFixed(2)} s  (target < 5 s)`);
console.log(`  old daemon stopping ${median(stops).toFixed(2)} s, launcher + new daemon until it answers ${median(starts).toFixed(2)} s`);
console.log(`rollback (the launcher decides → the old version answers again), median: ${median(rollbacks).toFixed(2)} s  (target < 10 s)`);
console.log(`  of which the launcher's own step (link back, state from the snapshot): ${median(rollbackSteps).toFixed(2)} s`);
console.log(`whole failed update (old version's last answer → its first again: three crashing starts and the rollback), median: ${median(failedUpdates).toFixed(2)} s`);
console.log('on a box add systemd RestartSec (2 s) per restart: one for an update, four for a failed update with three starts');
rmSync(work, { recursive: true, force: true });
