#!/usr/bin/env node
// Snapshot create time for a state directory of 10 MB and of 1 GB, with each driver:
// btrfs (a real Btrfs on a loop device, the state a subvolume) and copy (the normal file
// system here). Also the rollback: the job that stages it, and the start that swaps it in.
// Target (issue 5): a btrfs snapshot's time independent of the size, within 2× from
// 10 MB to 1 GB. Caches are flushed and dropped before each measurement. A measurement,
// not a test: it exits 0 when a target is missed, and says so.
//
// Usage: npm run build:server && node scripts/bench/snapshot.mjs
//   BENCH_SIZES    comma list of state sizes (default 10M,1G)
//   BENCH_RUNS     creates per size and driver, the median is shown (default 3)
//   BENCH_DRIVERS  comma list of btrfs,copy (default both; btrfs needs root and loop devices)
//   BENCH_DIR      where the temp directories go (default: os.tmpdir())
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(repo, 'dist/server');
if (!existsSync(path.join(dist, 'appliance.js'))) {
  console.error('snapshot bench: run `npm run build:server` first');
  process.exit(2);
}
const { createAppliance } = await import(pathToFileURL(path.join(dist, 'appliance.js')).href);
const { recoverSnapshots } = await import(pathToFileURL(path.join(dist, 'snapshots/index.js')).href);

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
function parseSize(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) throw new Error(`not a size: ${text}`);
  return Math.round(Number(match[1]) * { '': 1, k: 1024, m: MiB, g: GiB }[match[2].toLowerCase()]);
}
const sizes = (process.env.BENCH_SIZES ?? '10M,1G').split(',').map((s) => ({ text: s.trim(), bytes: parseSize(s) }));
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const drivers = (process.env.BENCH_DRIVERS ?? 'btrfs,copy').split(',').map((d) => d.trim());
const base = process.env.BENCH_DIR ?? os.tmpdir();
const targetRatio = 2;

const run = (argv) => {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${argv.join(' ')}: ${result.stderr || result.error}`);
  return result.stdout;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => (ms / 1000).toFixed(3);
function coldCaches() {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3\n');
  } catch {
    // not root: the page cache stays warm
  }
}

/** A state directory of about `bytes`: the database plus app state in 16 MiB files of random data. */
function fillState(stateDir, bytes) {
  const dir = path.join(stateDir, 'app-state');
  mkdirSync(dir, { recursive: true });
  const chunk = randomBytes(MiB);
  let left = bytes;
  for (let n = 0; left > 0; n += 1) {
    const size = Math.min(left, 16 * MiB);
    const fd = openSync(path.join(dir, `blob-${String(n).padStart(4, '0')}.bin`), 'w');
    for (let written = 0; written < size; written += MiB) writeSync(fd, chunk, 0, Math.min(MiB, size - written));
    closeSync(fd);
    left -= size;
  }
}

function btrfsRoot(bytes) {
  const dir = mkdtempSync(path.join(base, 'hearth-bench-btrfs-'));
  const image = path.join(dir, 'btrfs.img');
  const root = path.join(dir, 'root');
  mkdirSync(root);
  run(['truncate', '-s', String(Math.max(2 * bytes + 2 * GiB, 3 * GiB)), image]);
  run(['mkfs.btrfs', '-q', image]);
  run(['mount', '-o', 'loop', image, root]);
  mkdirSync(path.join(root, 'var/lib'), { recursive: true });
  run(['btrfs', 'subvolume', 'create', path.join(root, 'var/lib/hearth')]);
  return {
    root,
    remove() {
      if (spawnSync('umount', [root]).status !== 0) spawnSync('umount', ['--lazy', root]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function copyRoot() {
  const root = mkdtempSync(path.join(base, 'hearth-bench-copy-'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

async function measure(driver, size) {
  const box = driver === 'btrfs' ? btrfsRoot(size.bytes) : copyRoot();
  const systemKind = driver === 'btrfs' ? 'linux' : 'sandbox';
  try {
    let appliance = createAppliance({ root: box.root, systemKind });
    fillState(appliance.paths.stateDir, size.bytes);
    const creates = [];
    let last;
    for (let i = 0; i < runs; i += 1) {
      coldCaches();
      const started = performance.now();
      last = await appliance.snapshots.create({ reason: 'manual', label: `bench ${i + 1}` });
      creates.push(performance.now() - started);
    }
    if (last.driver !== driver) throw new Error(`expected the ${driver} driver, got ${last.driver}`);
    coldCaches();
    let started = performance.now();
    await appliance.snapshots.rollback(last.id);
    const stage = performance.now() - started;
    appliance.close();
    coldCaches();
    started = performance.now();
    const outcome = await recoverSnapshots({ root: box.root, systemKind, log: () => {} });
    const swap = performance.now() - started;
    if (outcome !== 'applied') throw new Error(`rollback not applied: ${outcome}`);
    appliance = createAppliance({ root: box.root, systemKind });
    const fileSystem = (await appliance.system.fileSystemOf(appliance.paths.stateDir)).type;
    appliance.close();
    return { driver, size: size.text, fileSystem, create: median(creates), all: creates, sizeBytes: last.sizeBytes, stage, swap };
  } finally {
    box.remove();
  }
}

const results = [];
for (const driver of drivers) {
  if (driver === 'btrfs' && (!existsSync('/dev/loop-control') || process.getuid?.() !== 0)) {
    console.log('btrfs: skipped (needs root and /dev/loop-control)');
    continue;
  }
  for (const size of sizes) {
    const result = await measure(driver, size);
    results.push(result);
    console.log(
      `${driver.padEnd(5)} ${size.text.padStart(4)} state on ${result.fileSystem.padEnd(5)}  create ${seconds(result.create)} s (median of ${runs}: ${result.all.map(seconds).join(', ')})` +
        `  snapshot size ${result.sizeBytes === null ? 'shared' : `${(result.sizeBytes / MiB).toFixed(1)} MiB`}  rollback: stage ${seconds(result.stage)} s, swap at start ${seconds(result.swap)} s`,
    );
  }
}

const btrfs = results.filter((r) => r.driver === 'btrfs');
if (btrfs.length >= 2) {
  const [small, big] = [btrfs[0], btrfs[btrfs.length - 1]];
  const ratio = big.create / small.create;
  console.log(`btrfs ${big.size} / ${small.size}: ${ratio.toFixed(2)}× (target ≤ ${targetRatio}×) ${ratio <= targetRatio ? 'met' : 'MISSED'}`);
}
const copy = results.filter((r) => r.driver === 'copy');
if (copy.length >= 2) {
  const [small, big] = [copy[0], copy[copy.length - 1]];
  console.log(`copy  ${big.size} / ${small.size}: ${(big.create / small.create).toFixed(1)}× (a copy is O(bytes) on ${big.fileSystem}; no target)`);
}
