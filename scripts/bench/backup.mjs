#!/usr/bin/env node
// `hearth backup` and `hearth restore` against GNU tar with the same compressor, on a
// reproducible data set made for the run: wall time, MB/s, archive size, peak RSS, the
// ratio to tar, and where hearth's time goes (its job log and progress phases).
// Targets (issue): time within 1.3× of tar with the same compressor; peak RSS of the
// backup process under 150 MB whatever the data size. A measurement, not a test: it
// exits 0 when a target is missed, and says so.
//
// Usage: npm run build:server && node scripts/bench/backup.mjs [size]
//   size / BENCH_SIZE   data set size, e.g. 2G (default), 200M (quick), 500MiB
//   BENCH_COMPRESS      comma list of zstd,gzip,none (default: all three)
//   BENCH_RUNS          runs of each measurement, the median is shown (default 1)
//   BENCH_SEED          seed of the data set (default 1)
//   BENCH_DIR           where the temp directory goes (default: os.tmpdir())
//   BENCH_ENCRYPT=1     also hearth backup/restore zstd with a passphrase (age)
//   BENCH_KEEP=1        keep the temp directory (printed) instead of removing it
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(repo, 'dist/server/cli/hearth.js');
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

// ---------------------------------------------------------------- options

function parseSize(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(String(text));
  if (!match) throw new Error(`not a size: ${text} (e.g. 2G, 200M)`);
  const unit = { '': 1, k: KiB, m: MiB, g: GiB, t: 1024 * GiB }[match[2].toLowerCase()];
  return Math.round(Number(match[1]) * unit);
}

const targetBytes = parseSize(process.argv[2] ?? process.env.BENCH_SIZE ?? '2G');
const compressions = (process.env.BENCH_COMPRESS ?? 'zstd,gzip,none').split(',').map((c) => c.trim()).filter(Boolean);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const seed = Number(process.env.BENCH_SEED ?? 1);
const withEncryption = process.env.BENCH_ENCRYPT === '1';
const keep = process.env.BENCH_KEEP === '1';
const targets = { timeRatio: 1.3, rssMB: 150 };
for (const c of compressions) if (!['zstd', 'gzip', 'none'].includes(c)) throw new Error(`BENCH_COMPRESS: unknown ${c}`);

// ---------------------------------------------------------------- helpers

const fmtS = (s) => (s === undefined ? '—' : s < 10 ? s.toFixed(2) : s.toFixed(1));
const fmtMiB = (bytes) => (bytes === undefined ? '—' : (bytes / MiB).toFixed(bytes < 10 * MiB ? 2 : 1));
const fmtBytes = (b) => (b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : b >= MiB ? `${(b / MiB).toFixed(1)} MiB` : `${(b / KiB).toFixed(1)} KiB`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sh = (argv) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
const firstLine = (text) => (text ?? '').split('\n').find((l) => l.trim()) ?? '?';

function dropCaches() {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

/** Seeded PRNG for every decision (sizes, kinds, words): mulberry32. */
function prng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Incompressible bytes, fast and reproducible: the AES-256-CTR keystream of a key derived from (seed, label). */
function keystream(label) {
  const key = createHash('sha256').update(`hearth-bench:${seed}:${label}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(8 * MiB);
  return (n) => {
    const out = [];
    for (let left = n; left > 0; left -= zeros.length) out.push(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))));
    return out.length === 1 ? out[0] : Buffer.concat(out);
  };
}

/** Text-like bytes: words of a per-stream vocabulary in a skewed (Zipf-like) distribution, numbers, lines. */
function textSource(label) {
  const rand = prng(Number.parseInt(createHash('sha256').update(`text:${seed}:${label}`).digest('hex').slice(0, 8), 16));
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const words = [];
  for (let i = 0; i < 4096; i++) {
    const length = 2 + Math.floor(rand() * rand() * 11);
    let word = '';
    for (let j = 0; j < length; j++) word += letters[Math.floor(rand() * rand() * letters.length)];
    words.push(Buffer.from(word, 'latin1'));
  }
  return (n) => {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    let inLine = 0;
    while (at < n) {
      const r = rand();
      let word;
      if (r < 0.04) word = Buffer.from(String(Math.floor(rand() * 100000)), 'latin1');
      else word = words[Math.floor(r * r * r * words.length)];
      for (let j = 0; j < word.length && at < n; j++) out[at++] = word[j];
      if (at < n) {
        inLine += 1;
        out[at++] = inLine > 8 + rand() * 10 ? 10 : 32;
        if (out[at - 1] === 10) inLine = 0;
      }
    }
    return out;
  };
}

/** About half-compressible bytes (a disk image, a database): random nibbles, 4 bits of entropy per byte. */
function nibbleSource(label) {
  const random = keystream(label);
  return (n) => {
    const bytes = random(n);
    const whole = n - (n % 4);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, whole / 4);
    for (let i = 0; i < words.length; i++) words[i] = (words[i] & 0x0f0f0f0f) | 0x40404040;
    for (let i = whole; i < n; i++) bytes[i] = (bytes[i] & 0x0f) | 0x40;
    return bytes;
  };
}

function writeLarge(file, size, source) {
  const fd = openSync(file, 'w');
  try {
    for (let done = 0; done < size; ) {
      const chunk = source(Math.min(8 * MiB, size - done));
      writeSync(fd, chunk);
      done += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The data set, straight into `dir`: a third in small files (1–64 KiB, half text,
 * half random, in nested directories, ~20 per directory), two thirds in three large
 * files: random (video), half-compressible (disk image), text (log).
 */
function generate(dir) {
  const rand = prng(seed);
  const smallBudget = Math.round(targetBytes / 3);
  const large = [
    { file: 'media/holiday-2023.mkv', share: 0.4, kind: 'random' },
    { file: 'vm/disk.img', share: 0.33, kind: 'nibble' },
    { file: 'logs/archive.log', share: 0.27, kind: 'text' },
  ];
  const tops = [
    { name: 'photos', kind: 'random', ext: 'jpg' },
    { name: 'documents', kind: 'text', ext: 'txt' },
    { name: 'music', kind: 'random', ext: 'flac' },
    { name: 'projects', kind: 'text', ext: 'md' },
  ];
  const random = keystream('small');
  const text = textSource('small');
  const made = new Set();
  const mkdir = (d) => {
    if (!made.has(d)) mkdirSync(d, { recursive: true });
    made.add(d);
  };
  let small = 0;
  let smallBytes = 0;
  const counts = { random: 0, text: 0 };
  while (smallBytes < smallBudget) {
    const top = tops[small % tops.length];
    const leaf = Math.floor(small / tops.length / 20);
    const sub = path.join(dir, top.name, `y${String(2000 + (leaf % 24))}`, `set-${String(Math.floor(leaf / 24)).padStart(3, '0')}`);
    mkdir(sub);
    const size = Math.min(KiB + Math.floor(rand() * 63 * KiB), smallBudget - smallBytes);
    writeFileSync(path.join(sub, `${top.name.slice(0, 3)}-${String(small).padStart(6, '0')}.${top.ext}`), top.kind === 'random' ? random(size) : text(size));
    counts[top.kind] += size;
    small += 1;
    smallBytes += size;
  }
  const largeBudget = targetBytes - smallBytes;
  for (const item of large) {
    const size = Math.round(largeBudget * item.share);
    mkdir(path.join(dir, path.dirname(item.file)));
    const source = item.kind === 'random' ? keystream(item.file) : item.kind === 'nibble' ? nibbleSource(item.file) : textSource(item.file);
    writeLarge(path.join(dir, item.file), size, source);
    item.size = size;
    counts[item.kind] = (counts[item.kind] ?? 0) + size;
  }
  return { smallFiles: small, smallBytes, directories: made.size, large, counts, bytes: targetBytes };
}

// ---------------------------------------------------------------- measuring

/** CPU time the whole machine spent busy so far, in seconds (/proc/stat: all but idle and iowait). */
function machineBusySeconds() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const ticks = fields.map(Number);
    const busy = ticks.reduce((a, b) => a + b, 0) - ticks[3] - ticks[4];
    return busy / 100;
  } catch {
    return NaN;
  }
}

function childrenOf(pid) {
  const found = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) found.push(...text.split(/\s+/).map(Number));
    }
  } catch {}
  return found;
}

function statusKiB(pid, field) {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs argv under /usr/bin/time -v: wall time (hrtime around the whole run), peak RSS
 * as time reports it (the largest of the process and the children it waited for), the
 * main process's own high-water mark, and the peak of the whole tree's RSS summed
 * (sampled every 50 ms: the program and its zstd/gzip running side by side).
 */
function measure(argv, { env, cwd, onTick } = {}) {
  return new Promise((resolve) => {
    const busyBefore = machineBusySeconds();
    const startedAt = performance.timeOrigin + performance.now();
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let mainHwm = 0;
    let treePeak = 0;
    const sample = () => {
      const [main] = childrenOf(child.pid);
      if (!main) return;
      mainHwm = Math.max(mainHwm, statusKiB(main, 'VmHWM'));
      let sum = 0;
      const stack = [main];
      while (stack.length) {
        const pid = stack.pop();
        sum += statusKiB(pid, 'VmRSS');
        stack.push(...childrenOf(pid));
      }
      treePeak = Math.max(treePeak, sum);
      onTick?.();
    };
    const timer = setInterval(sample, 50);
    let seconds;
    child.on('exit', () => {
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearInterval(timer);
    });
    // 'close': exited and its output read to the end.
    child.on('close', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      const cpu = user && system ? Number(user[1]) + Number(system[1]) : undefined;
      // What the rest of the machine did meanwhile: other work on the CPUs skews the figures.
      const others = machineBusySeconds() - busyBefore - (cpu ?? 0);
      resolve({
        cpu,
        othersLoad: Math.max(0, others) / seconds / os.cpus().length,
        seconds,
        startedAt,
        code,
        stdout,
        stderr,
        peakRss: rss ? Number(rss[1]) * KiB : undefined,
        mainHwm: mainHwm * KiB,
        treePeak: treePeak * KiB,
      });
    });
  });
}

function timed(argv, options) {
  const started = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', ...options });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, status: result.status };
}

// ---------------------------------------------------------------- the run

if (!statSync(entry, { throwIfNoEntry: false })) {
  console.error(`${path.relative(process.cwd(), entry)} is missing: run npm run build:server first`);
  process.exit(1);
}
const missing = ['tar', 'zstd', 'gzip', 'du'].filter((p) => sh(['which', p]).status !== 0);
if (sh(['/usr/bin/time', '-v', 'true']).status !== 0) missing.push('/usr/bin/time');
if (missing.includes('tar') || missing.includes('/usr/bin/time')) {
  console.log(`SKIPPED: ${missing.join(', ')} not installed`);
  process.exit(0);
}
const usable = compressions.filter((c) => c !== 'zstd' || !missing.includes('zstd'));

const baseDir = process.env.BENCH_DIR ?? os.tmpdir();
const fsInfo = firstLine(sh(['df', '--output=source,fstype,avail', '-B1', baseDir]).stdout.split('\n').slice(1).join('\n')).trim().split(/\s+/);
const avail = Number(fsInfo[2]);
// Data set + tar's and hearth's archives (≤ data each) + restore staging and the old tree + tar -x.
const needed = targetBytes * 6.5;
const cpuModel = os.cpus()[0]?.model ?? '?';
console.log(`Machine: ${os.cpus().length} CPUs (${cpuModel}), ${fmtBytes(os.totalmem())} RAM, Node ${process.version}, Linux ${os.release()}`);
console.log(`Temp dir: ${baseDir} on ${fsInfo[0]} (${fsInfo[1]}), ${fmtBytes(avail)} free`);
console.log(`Tools: ${firstLine(sh(['tar', '--version']).stdout)}; ${firstLine(sh(['zstd', '--version']).stdout).replace(/\*/g, '').trim()}; ${firstLine(sh(['gzip', '--version']).stdout)}`);
if (avail < needed) {
  console.log(`SKIPPED: a ${fmtBytes(targetBytes)} data set needs about ${fmtBytes(needed)} free in ${baseDir}; set BENCH_SIZE=200M or BENCH_DIR`);
  process.exit(0);
}

const work = mkdtempSync(path.join(baseDir, 'hearth-bench-backup-'));
const root = path.join(work, 'root');
const dataDir = path.join(root, 'srv/hearth');
const backupsDir = path.join(root, 'var/lib/hearth/backups');
const cleanUp = () => {
  if (keep) console.log(`kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

const hearthEnv = { ...process.env, HEARTH_SYSTEM: 'sandbox', LC_ALL: 'C' };
// As the installed `hearth` runs (its shebang passes the same flag to node).
const hearth = (...args) => [process.execPath, '--max-semi-space-size=1', entry, '--root', root, ...args];

try {
  mkdirSync(dataDir, { recursive: true });
  let started = process.hrtime.bigint();
  const data = generate(dataDir);
  const generatedIn = Number(process.hrtime.bigint() - started) / 1e9;
  const dataBytes = data.bytes;
  console.log(
    `Data set (seed ${seed}): ${fmtBytes(dataBytes)} in ${data.smallFiles + data.large.length} files, ${data.directories} directories — ` +
      `${data.smallFiles} small files 1–64 KiB (${fmtBytes(data.smallBytes)}), ` +
      data.large.map((l) => `${l.file} ${fmtBytes(l.size)} (${l.kind})`).join(', ') +
      ` — generated in ${generatedIn.toFixed(1)} s`,
  );
  const canDrop = dropCaches();
  console.log(`Page cache: ${canDrop ? 'dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every measured run' : 'NOT dropped (not root, or no /proc/sys/vm/drop_caches): runs after the first may read from memory'}`);
  console.log(`Runs: ${runs} of each${runs > 1 ? ' (median)' : ''}. Targets: time ≤ ${targets.timeRatio}× tar with the same compressor; peak RSS of the hearth process < ${targets.rssMB} MB (${fmtMiB(targets.rssMB * 1e6)} MiB).`);

  // A first hearth command outside the measurements: creates the database (migrations), so
  // every measured run opens an existing one, as on a box.
  const init = spawnSync(hearth('backups', '--json')[0], hearth('backups', '--json').slice(1), { env: hearthEnv, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`hearth backups failed: ${init.stderr || init.stdout}`);
  const dbFile = path.join(root, 'var/lib/hearth/hearth.db');
  // The floor of any hearth command's memory: Node, the modules, the database, no archive work.
  dropCaches();
  const floor = await measure(hearth('backups', '--json'), { env: hearthEnv });
  console.log(`Floor: \`hearth backups --json\` (no archive work) peaks at ${fmtMiB(floor.mainHwm)} MiB RSS and takes ${fmtS(floor.seconds)} s from a cold cache.`);

  const rows = [];
  const phaseReports = [];

  /** The progress phases of the newest job, by polling the jobs table: when each was first seen. */
  function phaseWatcher() {
    const seen = {};
    let db;
    try {
      db = new Database(dbFile, { readonly: true, fileMustExist: true });
    } catch {
      return { seen, tick() {}, close() {} };
    }
    const lastId = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM jobs').get().id;
    const query = db.prepare('SELECT progress FROM jobs WHERE id > ? ORDER BY id DESC LIMIT 1');
    return {
      seen,
      tick() {
        try {
          const row = query.get(lastId);
          if (!row?.progress) return;
          const progress = JSON.parse(row.progress);
          // Scan reports entries while it walks (total 0), then bytes while it hashes.
          const key = progress.phase === 'scan' ? (progress.total > 0 ? 'hash' : 'walk') : progress.phase;
          seen[key] ??= performance.timeOrigin + performance.now();
        } catch {}
      },
      close: () => db.close(),
    };
  }

  const jobLines = (result) => {
    try {
      const parsed = JSON.parse(result.stdout);
      return { job: parsed.job, lines: parsed.lines.map((l) => ({ ...l, t: Date.parse(l.at) - result.startedAt })) };
    } catch {
      return { job: undefined, lines: [] };
    }
  };
  const lineAt = (lines, pattern) => lines.find((l) => pattern.test(l.text))?.t / 1000;
  const newestArchive = () =>
    readdirSync(backupsDir)
      .filter((n) => n.startsWith('hearth-backup_') && !n.endsWith('.partial'))
      .map((n) => ({ name: n, size: statSync(path.join(backupsDir, n)).size, mtime: statSync(path.join(backupsDir, n)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime)[0];

  function failIf(result, what) {
    if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  }

  async function hearthBackup(compression, passphraseFile) {
    dropCaches();
    const watcher = phaseWatcher();
    const args = ['backup', '--compress', compression, '--json', ...(passphraseFile ? ['--passphrase-file', passphraseFile] : [])];
    const result = await measure(hearth(...args), { env: hearthEnv, onTick: watcher.tick });
    watcher.close();
    failIf(result, `hearth ${args.join(' ')}`);
    const { lines } = jobLines(result);
    const info = lines.filter((l) => l.stream === 'info');
    const rel = (t) => (t === undefined ? undefined : (t - result.startedAt) / 1000);
    const at = {
      first: info[0]?.t / 1000,
      copied: lineAt(info, /^Database copied/),
      walkEnd: rel(watcher.seen.hash),
      writeStart: rel(watcher.seen.write),
      written: lineAt(info, /^Written /),
      verifying: lineAt(info, /^Verifying /),
      verified: lineAt(info, / verified: /),
      done: lineAt(info, /^Backup finished/),
    };
    const phases = {
      'start + du': at.first,
      'db copy': at.copied - at.first,
      scan: at.writeStart - at.copied,
      '(walk)': at.walkEnd - at.copied,
      '(hash)': at.writeStart - at.walkEnd,
      write: at.written - at.writeStart,
      verify: at.verified - at.verifying,
      'exit': result.seconds - at.done,
    };
    const archive = newestArchive();
    return { ...result, archive, phases, write: phases.write };
  }

  async function hearthRestore(name, passphraseFile) {
    dropCaches();
    const args = ['restore', name, '--json', ...(passphraseFile ? ['--passphrase-file', passphraseFile] : [])];
    const result = await measure(hearth(...args), { env: hearthEnv });
    failIf(result, `hearth ${args.join(' ')}`);
    const { lines } = jobLines(result);
    const info = lines.filter((l) => l.stream === 'info');
    const at = {
      first: info[0]?.t / 1000,
      checked: lineAt(info, /^Backup of /),
      extracting: lineAt(info, /^Extracting /),
      swapped: lineAt(info, /^Files swapped in/),
      db: lineAt(info, /^Database restored/),
      done: lineAt(info, /^Restore complete/),
    };
    const phases = {
      'start + recover': at.first,
      'verify (read 1)': at.checked - at.first,
      'extract (read 2, fsync)': at.swapped - at.extracting,
      'db + re-apply + old tree removed': at.done - at.swapped,
      'exit': result.seconds - at.done,
    };
    return { ...result, phases, extract: phases['extract (read 2, fsync)'] };
  }

  const tarCompressor = { zstd: ['-I', 'zstd -q -c -3 -T0'], gzip: ['-z'], none: [] };
  const tarDecompressor = { zstd: ['-I', 'zstd -d -q -c'], gzip: ['-z'], none: [] };
  const tarArchive = (label) => path.join(work, `tar-${label}.tar`);

  async function tarBackup(label, flags) {
    const file = tarArchive(label);
    rmSync(file, { force: true });
    dropCaches();
    const result = await measure(['tar', ...flags, '-cf', file, '-C', path.dirname(dataDir), path.basename(dataDir)]);
    failIf(result, `tar ${flags.join(' ')} -cf`);
    // hearth fsyncs its archive before it reports success: so does tar's row.
    const sync = timed(['sync', file]);
    return { ...result, tarSeconds: result.seconds, syncSeconds: sync.seconds, seconds: result.seconds + sync.seconds, archive: { name: file, size: statSync(file).size } };
  }

  async function tarRestore(label, flags) {
    const into = path.join(work, `tar-x-${label}`);
    rmSync(into, { recursive: true, force: true });
    mkdirSync(into);
    dropCaches();
    const result = await measure(['tar', ...flags, '-xf', tarArchive(label), '-C', into]);
    failIf(result, `tar ${flags.join(' ')} -xf`);
    // hearth fsyncs every file and directory it restores: tar's row includes a sync.
    const sync = timed(['sync']);
    rmSync(into, { recursive: true, force: true });
    return { ...result, tarSeconds: result.seconds, syncSeconds: sync.seconds, seconds: result.seconds + sync.seconds };
  }

  /** Runs `fn` `runs` times; the run with the median time stands for all (its RSS, phases and sizes too). */
  async function repeat(fn) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await fn());
    const m = median(results.map((r) => r.seconds));
    return { ...results.find((r) => r.seconds === m), all: results.map((r) => r.seconds) };
  }

  // Paths given to hearth are on the box: under --root.
  const passphraseFile = '/root/bench-passphrase';
  mkdirSync(path.join(root, 'root'), { recursive: true });
  writeFileSync(path.join(root, passphraseFile), 'correct horse battery staple bench\n', { mode: 0o600 });

  for (const compression of usable) {
    const label = compression;
    const level = { zstd: 'zstd -3 -T0', gzip: 'gzip -6', none: 'none' }[compression];
    // --- backup
    const refs = [];
    if (compression === 'zstd') {
      const plain = await repeat(() => tarBackup('zstd-T1', ['--zstd']));
      refs.push(plain);
      rows.push({ op: 'backup', tool: 'tar --zstd -cf (zstd -3, 1 thread) + sync', comp: 'zstd -3 -T1', r: plain, note: `ref; sync ${fmtS(plain.syncSeconds)} s` });
      rmSync(tarArchive('zstd-T1'), { force: true });
    }
    const tarB = await repeat(() => tarBackup(label, tarCompressor[compression]));
    const tarName = { zstd: "tar -I 'zstd -q -c -3 -T0' -cf + sync", gzip: 'tar -czf + sync', none: 'tar -cf + sync' }[compression];
    rows.push({ op: 'backup', tool: tarName, comp: level, r: tarB, note: `baseline; sync ${fmtS(tarB.syncSeconds)} s` });
    const hB = await repeat(() => hearthBackup(compression));
    rows.push({ op: 'backup', tool: 'hearth backup', comp: level, r: hB, base: tarB, target: true });
    rows.push({ op: 'backup', tool: '  hearth: write phase only', comp: level, r: { seconds: hB.write }, base: tarB, target: 'time' });
    phaseReports.push({ what: `hearth backup --compress ${compression}`, r: hB });
    const hearthArchive = hB.archive.name;
    // --- restore
    const tarR = await repeat(() => tarRestore(label, tarDecompressor[compression]));
    const tarXName = { zstd: "tar -I 'zstd -d -q -c' -xf + sync", gzip: 'tar -xzf + sync', none: 'tar -xf + sync' }[compression];
    rows.push({ op: 'restore', tool: tarXName, comp: level, r: tarR, note: `baseline; sync ${fmtS(tarR.syncSeconds)} s` });
    const hR = await repeat(() => hearthRestore(hearthArchive));
    rows.push({ op: 'restore', tool: 'hearth restore', comp: level, r: hR, base: tarR, target: true });
    rows.push({ op: 'restore', tool: '  hearth: extract phase only', comp: level, r: { seconds: hR.extract }, base: tarR, target: 'time' });
    phaseReports.push({ what: `hearth restore (${compression})`, r: hR });

    if (compression === 'zstd' && withEncryption) {
      const hE = await repeat(() => hearthBackup('zstd', passphraseFile));
      rows.push({ op: 'backup', tool: 'hearth backup + age passphrase', comp: level, r: hE, base: tarB, target: true, note: 'scrypt 2^18 included' });
      phaseReports.push({ what: 'hearth backup --compress zstd --passphrase-file', r: hE });
      const hER = await repeat(() => hearthRestore(hE.archive.name, passphraseFile));
      rows.push({ op: 'restore', tool: 'hearth restore + age passphrase', comp: level, r: hER, base: tarR, target: true });
      phaseReports.push({ what: 'hearth restore (zstd + age)', r: hER });
    }
    rmSync(tarArchive(label), { force: true });
    for (const name of readdirSync(backupsDir)) rmSync(path.join(backupsDir, name), { force: true });
  }

  // ---------------------------------------------------------------- report
  const header = ['op', 'tool', 'compression', 'seconds', 'MB/s', 'CPU s', 'archive', 'peak RSS MiB', 'tree RSS MiB', '× tar', 'time ≤1.3×', 'RSS <150MB', 'notes'];
  const noisy = (r) => r.othersLoad !== undefined && r.othersLoad > 0.05;
  const table = rows.map((row) => {
    const { r } = row;
    const ratio = row.base ? r.seconds / row.base.seconds : undefined;
    const timeOk = ratio === undefined ? '' : ratio <= targets.timeRatio ? 'PASS' : 'FAIL';
    // The backup process itself: its own high-water mark; time -v's figure (largest of it and its children) is shown beside.
    const rssOk = row.target === true ? (r.mainHwm < targets.rssMB * 1e6 ? 'PASS' : 'FAIL') : '';
    return [
      row.op,
      row.tool,
      row.comp,
      fmtS(r.seconds) + (r.all && r.all.length > 1 ? ` (${r.all.map(fmtS).join('/')})` : ''),
      (dataBytes / 1e6 / r.seconds).toFixed(0),
      r.cpu !== undefined ? fmtS(r.cpu) : '',
      r.archive ? `${fmtMiB(r.archive.size)} MiB (${((100 * r.archive.size) / dataBytes).toFixed(0)}%)` : '',
      r.peakRss !== undefined ? `${fmtMiB(r.peakRss)}${row.target === true ? ` (own ${fmtMiB(r.mainHwm)})` : ''}` : '',
      r.treePeak ? fmtMiB(r.treePeak) : '',
      ratio === undefined ? (row.note?.startsWith('ref') ? '' : '1.00') : ratio.toFixed(2),
      timeOk,
      rssOk,
      [row.note, noisy(r) ? `NOISY: other processes kept ${(100 * r.othersLoad).toFixed(0)}% of the CPUs busy` : ''].filter(Boolean).join('; '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((cells) => cells[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  let previousOp = '';
  for (const cells of table) {
    if (previousOp && cells[0] !== previousOp) console.log('');
    previousOp = cells[0];
    console.log(line(cells));
  }
  console.log(
    `\nMB/s: data set bytes (${(dataBytes / 1e6).toFixed(0)} MB) per second, both directions. peak RSS: /usr/bin/time -v (the largest of the process and` +
      ` its children); own: the hearth process alone (VmHWM), which the ${targets.rssMB} MB target applies to; tree: the sum of the` +
      ` process and its children at the same moment (sampled every 50 ms). tar rows include a sync of what they wrote, as hearth fsyncs.`,
  );

  const noisyRows = rows.filter((row) => noisy(row.r));
  if (noisyRows.length) console.log(`\nWARNING: other processes used the CPUs during ${noisyRows.length} measured run(s) (marked NOISY): those figures are pessimistic; run again on a quiet machine.`);
  console.log(`CPU s: user + system time of the process and its children (/usr/bin/time -v); ${os.cpus().length} CPUs give at most ${os.cpus().length} CPU s per second.`);

  console.log('\nWhere hearth spends its time (job log timestamps; scan/write boundary from the job progress, ±0.25 s):');
  for (const { what, r } of phaseReports) {
    const parts = Object.entries(r.phases).map(([name, s]) => `${name} ${Number.isFinite(s) ? fmtS(s) : '?'}`);
    console.log(`  ${what}: ${fmtS(r.seconds)} s = ${parts.join(' · ')}`);
  }

  const failed = rows.filter((row) => row.base).filter((row) => row.r.seconds / row.base.seconds > targets.timeRatio || (row.target === true && row.r.mainHwm >= targets.rssMB * 1e6));
  console.log(failed.length ? `\nTARGETS MISSED: ${failed.map((row) => `${row.op} ${row.tool.trim()} (${row.comp})`).join('; ')}` : '\nAll targets met.');
} finally {
  cleanUp();
}
