#!/usr/bin/env node
// Cold start to the first successful /api/health, and resident memory: idle, after a burst
// of dashboard requests, and the peak (/usr/bin/time -v). Compared in the same run with
// bare Node (`node -e` with a timer), the floor no Node daemon can go below.
// Usage: npm run build:server && node scripts/bench/daemon-startup.mjs [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(repo, 'dist/server/cli/hearth.js');
const runs = Number(process.argv[2] ?? 5);

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function underTime(argv) {
  const child = spawn('/usr/bin/time', ['-v', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise((resolve) => child.on('exit', () => resolve(stderr)));
  return { child, done };
}

/** The process /usr/bin/time started (its only child). */
async function innerPid(timePid) {
  for (;;) {
    try {
      const children = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim();
      if (children) return Number(children.split(' ')[0]);
    } catch {}
    await wait(1);
  }
}

async function measureHearth(nodeFlags) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'));
  const port = await freePort();
  const started = process.hrtime.bigint();
  const { child, done } = underTime([process.execPath, ...nodeFlags, entry, 'start', '--root', root, '--port', String(port), '--http']);
  const pid = await innerPid(child.pid);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {}
    await wait(2);
  }
  const coldStartMs = Number(process.hrtime.bigint() - started) / 1e6;
  await wait(3000);
  const idle = rssKiB(pid);
  // A dashboard left open polls; a burst of unauthenticated API calls exercises the guards.
  for (let i = 0; i < 300; i++) await fetch(`${url}/api/activation`);
  await wait(1000);
  const afterBurst = rssKiB(pid);
  process.kill(pid, 'SIGTERM');
  const report = await done;
  rmSync(root, { recursive: true, force: true });
  const peak = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)[1]);
  return { coldStartMs, idle, afterBurst, peak };
}

async function measureBareNode() {
  const started = process.hrtime.bigint();
  const { child, done } = underTime([process.execPath, '-e', 'setInterval(() => {}, 1000); console.log("up")']);
  const pid = await innerPid(child.pid);
  await wait(3000);
  const idle = rssKiB(pid);
  process.kill(pid, 'SIGTERM');
  const report = await done;
  const peak = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)[1]);
  return { startMs: Number(process.hrtime.bigint() - started) / 1e6, idle, peak };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mib = (kib) => (kib / 1024).toFixed(1);

console.log(`Node ${process.version}, ${os.cpus().length} CPUs, ${mib(os.totalmem() / 1024)} MiB RAM, ${runs} runs each (median)`);
// V8's young generation reserves up to 3 × 16 MiB by default; a small semi-space trades a
// little GC throughput, which an idle appliance does not need, for resident memory.
for (const flags of [[], ['--max-semi-space-size=1']]) {
  const hearth = [];
  for (let i = 0; i < runs; i++) hearth.push(await measureHearth(flags));
  console.log(`\nhearth start ${flags.join(' ') || '(default V8 flags)'}`);
  console.log(`  cold start to first /api/health 200: ${median(hearth.map((r) => r.coldStartMs)).toFixed(0)} ms  (runs: ${hearth.map((r) => r.coldStartMs.toFixed(0)).join(', ')})`);
  console.log(`  idle RSS:                            ${mib(median(hearth.map((r) => r.idle)))} MiB`);
  console.log(`  RSS after 300 API requests:          ${mib(median(hearth.map((r) => r.afterBurst)))} MiB`);
  console.log(`  peak RSS (/usr/bin/time -v):         ${mib(median(hearth.map((r) => r.peak)))} MiB`);
}
const bare = await measureBareNode();
console.log(`\nreference: bare node idle RSS:         ${mib(bare.idle)} MiB (peak ${mib(bare.peak)} MiB)`);
