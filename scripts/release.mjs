#!/usr/bin/env node
/**
 * Makes Hearth releases: builds a bundle of this checkout, signs a channel's manifest,
 * makes signing keys. The format is in docs/release-format.md; this file repeats what
 * it must (it runs without a build of the server), and server/updates/*.test.ts check
 * that the appliance accepts what it writes.
 *
 *   scripts/release keygen --out KEY
 *       KEY (private, PKCS#8 PEM, 0600) and KEY.pub (SPKI PEM); prints the key id.
 *
 *   scripts/release build --version X [--notes-en T] [--notes-zh-CN T] [--breaking]
 *                         [--minimum-from V] [--out DIR] [--trust-key PUB]... [--overlay DIR]
 *                         [--no-build | --git REF] [--cache DIR]
 *       DIR/hearth-X-<arch>.tar.gz and DIR/hearth-X-<arch>.release.json (what `sign` adds
 *       to a manifest). For the architecture of THIS machine only: better-sqlite3's native
 *       binary is the one built here; build on each architecture you publish for.
 *       The compiled server and panel, and the production node_modules, are cached under
 *       --cache (default var/release-cache) by the hash of their inputs, so a second
 *       build of the same sources (another version number) only packs.
 *       --no-build packs the checkout's existing dist/ and web/dist/ instead of compiling.
 *       --git REF builds the committed sources of REF (exported into the cache) instead of
 *       the working tree; node_modules still come from the checkout (same lock file).
 *       --trust-key adds a public key to the bundle's keys/ (tests: a v1 that trusts the
 *       test key). --overlay copies DIR's files over the bundle's (tests: a release whose
 *       migration throws).
 *
 *   scripts/release sign --key KEY [--key KEY2] --channel DIR [--release FILE.release.json]...
 *                        [--channel-name stable] [--published-at ISO] [--cohorts all|0-9,20]
 *                        [--version V]
 *       Adds (or updates) each release in DIR/manifest.json (created when missing), copies
 *       its bundle next to it, raises the serial and signs with every --key. Without
 *       --release, --version V re-signs an existing release's metadata (--cohorts to widen
 *       a staged rollout).
 */
import { execFile as execFileCallback } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, cp, lstat, mkdir, open, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

const execFile = promisify(execFileCallback);
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const versionPattern =
  /^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(?:-((?:0|[1-9][0-9]{0,8}|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]{0,8}|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
const bundleFormat = 1;
const manifestFormat = 1;
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

class UsageError extends Error {}

function fail(message) {
  throw new UsageError(message);
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

// ------------------------------------------------------------------ versions

function compareVersions(a, b) {
  const pa = versionPattern.exec(a);
  const pb = versionPattern.exec(b);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (pa[4] === undefined || pb[4] === undefined) return pa[4] === pb[4] ? 0 : pa[4] === undefined ? 1 : -1;
  const x = pa[4].split('.');
  const y = pb[4].split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const xn = /^[0-9]+$/.test(x[i]);
    const yn = /^[0-9]+$/.test(y[i]);
    if (xn && yn) return Math.sign(Number(x[i]) - Number(y[i]));
    if (xn !== yn) return xn ? -1 : 1;
    return x[i] < y[i] ? -1 : 1;
  }
  return Math.sign(x.length - y.length);
}

function requireVersion(value, flag) {
  if (typeof value !== 'string' || !versionPattern.test(value)) fail(`${flag} must be a version like 1.2.3 or 1.3.0-rc.1 (got ${value ?? 'nothing'})`);
  return value;
}

// ------------------------------------------------------------------ keys

function keyIdOf(key) {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(spkiPrefix.length);
  return createHash('sha256').update(raw).digest('hex');
}

async function keygen(args) {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  if (!values.out) fail('keygen needs --out KEY');
  const out = path.resolve(values.out);
  for (const file of [out, `${out}.pub`]) if (existsSync(file)) fail(`${file} exists; not overwritten`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  await chmod(out, 0o600);
  await writeFile(`${out}.pub`, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644, flag: 'wx' });
  const keyid = keyIdOf(publicKey);
  log(`private key: ${out} (keep it secret, off the build machine when not signing)`);
  log(`public key:  ${out}.pub (ship it in keys/ of the release before the one it signs)`);
  process.stdout.write(`${keyid}\n`);
}

async function readPublicKey(file) {
  const content = await readFile(file);
  const text = content.toString('latin1').trim();
  let key;
  try {
    if (text.startsWith('-----BEGIN PUBLIC KEY-----')) key = createPublicKey({ key: text, format: 'pem' });
    else {
      const raw = content.length === 32 ? content : /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, 'base64') : undefined;
      if (!raw) throw new Error('not a key');
      key = createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: 'der', type: 'spki' });
    }
  } catch {
    fail(`${file} is not an Ed25519 public key (PEM SPKI, or 32 raw bytes)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') fail(`${file} is not an Ed25519 public key`);
  return key;
}

async function readPrivateKey(file) {
  const info = await stat(file).catch(() => fail(`no key at ${file}`));
  if (info.mode & 0o077) log(`warning: ${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`);
  let key;
  try {
    key = createPrivateKey(await readFile(file));
  } catch {
    fail(`${file} is not a private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') fail(`${file} is not an Ed25519 private key`);
  return key;
}

// ------------------------------------------------------------------ build: inputs and caches

async function run(argv, options = {}) {
  try {
    return await execFile(argv[0], argv.slice(1), { cwd: checkout, maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${argv.join(' ')} failed (${error.code ?? error.signal}):\n${output}`);
  }
}

/** Every regular file below `dir` (relative, sorted), skipping the named directories. */
async function listFiles(dir, skip = new Set()) {
  const out = [];
  const walk = async (at, relative) => {
    const entries = await readdir(at, { withFileTypes: true }).catch((error) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (skip.has(rel) || entry.name === 'node_modules') continue;
      if (entry.isDirectory()) await walk(path.join(at, entry.name), rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  await walk(dir, '');
  return out;
}

/** What the compiled server and panel depend on: their sources, the compiler settings, the locked dependencies. */
async function sourceHash(src) {
  const hash = createHash('sha256');
  const inputs = [
    ...(await listFiles(path.join(src, 'server'))).map((f) => `server/${f}`),
    ...(await listFiles(path.join(src, 'web'), new Set(['dist']))).map((f) => `web/${f}`),
    ...(await listFiles(path.join(src, 'locales'))).map((f) => `locales/${f}`),
    'tsconfig.json',
    'package-lock.json',
  ];
  for (const file of inputs) {
    hash.update(`${file}\0`);
    hash.update(await readFile(path.join(src, file)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

/**
 * The sources of a commit (--git REF), exported once into the cache: a build of what
 * was committed, untouched by whatever is being edited in the working tree.
 */
async function exportCommit(cacheDir, ref) {
  const { stdout } = await run(['git', 'rev-parse', '--verify', `${ref}^{commit}`]).catch(() => fail(`--git ${ref}: not a commit of ${checkout}`));
  const commit = stdout.trim();
  const final = path.join(cacheDir, `src-${commit.slice(0, 20)}`);
  if (!existsSync(path.join(final, '.complete'))) {
    const temp = `${final}.tmp-${process.pid}`;
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    const archive = `${temp}.tar`;
    await run(['git', 'archive', '--format=tar', '-o', archive, commit]);
    await run(['tar', '-xf', archive, '-C', temp]);
    await rm(archive, { force: true });
    // The compilers resolve their plugins and types from the checkout's node_modules.
    await symlink(path.join(checkout, 'node_modules'), path.join(temp, 'node_modules'));
    await writeFile(path.join(temp, '.complete'), `${commit}\n`);
    await publish(temp, final);
    await pruneCache(cacheDir, 'src-', 3);
  }
  return { dir: final, commit };
}

/** Moves a finished temp directory into the cache; another build that got there first wins. */
async function publish(temp, final) {
  try {
    await rename(temp, final);
  } catch (error) {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await rm(temp, { recursive: true, force: true });
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Keeps the newest `keep` cache entries of a kind (by mtime); older builds go. */
async function pruneCache(cacheDir, prefix, keep) {
  const entries = [];
  for (const name of await readdir(cacheDir).catch(() => [])) {
    if (!name.startsWith(prefix)) continue;
    const builder = /\.tmp-(\d+)$/.exec(name);
    if (builder) {
      // Left by a build that died: its process is gone.
      if (!processAlive(Number(builder[1]))) await rm(path.join(cacheDir, name), { recursive: true, force: true });
      continue;
    }
    entries.push({ name, mtime: (await stat(path.join(cacheDir, name))).mtimeMs });
  }
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const old of entries.slice(keep)) await rm(path.join(cacheDir, old.name), { recursive: true, force: true });
}

/** dist/ and web/dist/ compiled from the current sources, cached by their hash. */
async function compiled(cacheDir, src) {
  const key = await sourceHash(src);
  const final = path.join(cacheDir, `build-${key}`);
  if (existsSync(path.join(final, '.complete'))) {
    log(`compiled server and panel: cached (${key})`);
    return { dir: final, key };
  }
  const temp = `${final}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  const started = Date.now();
  // A release must type-check: tsc's errors fail the build (it would emit all the same).
  await run([process.execPath, path.join(checkout, 'node_modules/typescript/bin/tsc'), '-p', path.join(src, 'tsconfig.json'), '--outDir', path.join(temp, 'dist')], { cwd: src }).catch(async (error) => {
    await rm(temp, { recursive: true, force: true });
    throw error;
  });
  await run([process.execPath, path.join(checkout, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(src, 'web/vite.config.ts'), '--outDir', path.join(temp, 'web/dist'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: src });
  await writeFile(path.join(temp, '.complete'), `${new Date().toISOString()}\n`);
  await publish(temp, final);
  await pruneCache(cacheDir, 'build-', 3);
  log(`compiled server and panel in ${((Date.now() - started) / 1000).toFixed(1)} s (${key})`);
  return { dir: final, key };
}

/**
 * The production node_modules for this architecture: a copy of the checkout's with
 * the dev and optional dependencies pruned (offline: nothing is downloaded, the native binaries are
 * the ones built here), better-sqlite3 slimmed to its binary. Cached by the lock file,
 * the architecture and the Node ABI.
 */
async function productionModules(cacheDir) {
  const lock = await readFile(path.join(checkout, 'package-lock.json'));
  const pkg = JSON.parse(await readFile(path.join(checkout, 'package.json'), 'utf8'));
  const key = createHash('sha256')
    .update(lock)
    .update(JSON.stringify([pkg.dependencies, pkg.overrides, process.arch, process.versions.modules, 'slim-2']))
    .digest('hex')
    .slice(0, 20);
  const final = path.join(cacheDir, `modules-${key}`);
  if (existsSync(path.join(final, '.complete'))) {
    log(`production node_modules: cached (${key})`);
    return path.join(final, 'node_modules');
  }
  if (!existsSync(path.join(checkout, 'node_modules/better-sqlite3'))) fail('node_modules is missing: run npm ci first');
  const started = Date.now();
  const temp = `${final}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true });
  await copyFile(path.join(checkout, 'package.json'), path.join(temp, 'package.json'));
  await copyFile(path.join(checkout, 'package-lock.json'), path.join(temp, 'package-lock.json'));
  // cp -a keeps modes and links and reflinks where the file system can; fs.cp elsewhere.
  await run(['cp', '-a', '--reflink=auto', `${path.join(checkout, 'node_modules')}/.`, path.join(temp, 'node_modules')]).catch(async () => {
    await cp(path.join(checkout, 'node_modules'), path.join(temp, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  });
  // Optional dependencies go too: in the production graph they are the optional peers of
  // i18next and react-i18next (typescript, @types/node: 25 MB nothing runs). A future
  // dependency with an optional native part would need to be kept here by name.
  await run(['npm', 'prune', '--omit=dev', '--omit=optional', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: temp });
  // better-sqlite3 needs only its compiled binary at run time (build/Release/better_sqlite3.node via `bindings`).
  const sqlite = path.join(temp, 'node_modules/better-sqlite3');
  const binary = path.join(sqlite, 'build/Release/better_sqlite3.node');
  if (!existsSync(binary)) fail(`${binary} is missing: better-sqlite3 was not built for this machine`);
  const keepBinary = path.join(temp, 'better_sqlite3.node');
  await rename(binary, keepBinary);
  for (const part of ['build', 'deps', 'src']) await rm(path.join(sqlite, part), { recursive: true, force: true });
  await mkdir(path.dirname(binary), { recursive: true });
  await rename(keepBinary, binary);
  await writeFile(path.join(temp, '.complete'), `${new Date().toISOString()}\n`);
  await publish(temp, final);
  await pruneCache(cacheDir, 'modules-', 2);
  log(`production node_modules prepared in ${((Date.now() - started) / 1000).toFixed(1)} s (${key})`);
  return path.join(final, 'node_modules');
}

// ------------------------------------------------------------------ build: the bundle

/**
 * Adds `source` (a file or a directory tree) to the bundle under `name`. Symbolic
 * links are kept when they stay inside the bundle (node_modules/.bin), skipped otherwise.
 */
async function addTree(entries, name, source) {
  const info = await lstat(source).catch(() => undefined);
  if (!info) return;
  if (info.isSymbolicLink()) {
    const target = await readlink(source);
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), target));
    if (path.isAbsolute(target) || resolved.startsWith('../') || resolved === '..') {
      log(`skipped ${name}: a link leading outside the bundle (${target})`);
      return;
    }
    entries.set(name, { type: 'symlink', linkname: target });
  } else if (info.isDirectory()) {
    entries.set(name, { type: 'directory' });
    for (const child of await readdir(source)) await addTree(entries, `${name}/${child}`, path.join(source, child));
  } else if (info.isFile()) {
    entries.set(name, { type: 'file', source, size: info.size, executable: (info.mode & 0o111) !== 0 });
  }
}

/** Bytes a tree takes on disk once unpacked, rounded up to 4 KiB blocks: what the box checks free space for. */
function diskEstimate(entries) {
  let total = 0;
  for (const entry of entries.values()) total += entry.type === 'file' ? Math.ceil(Math.max(entry.size ?? entry.content.length, 1) / 4096) * 4096 : 4096;
  return total;
}

async function gitCommit() {
  try {
    const { stdout } = await execFile('git', ['rev-parse', 'HEAD'], { cwd: checkout });
    const { stdout: dirty } = await execFile('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: checkout });
    return `${stdout.trim()}${dirty.trim() ? '-dirty' : ''}`;
  } catch {
    return undefined;
  }
}

/** Writes the tar.gz: bundle.json first, then every entry in name order; returns size and sha256. */
async function writeBundle(file, entries, mtime) {
  const pack = tar.pack();
  const hash = createHash('sha256');
  let size = 0;
  const tee = new Transform({
    transform(chunk, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const temp = `${file}.tmp-${process.pid}`;
  const writing = pipeline(pack, createGzip({ level: 6 }), tee, createWriteStream(temp, { mode: 0o644 }));
  writing.catch(() => {});
  const names = [...entries.keys()].sort((a, b) => (a === 'bundle.json' ? -1 : b === 'bundle.json' ? 1 : Buffer.compare(Buffer.from(a), Buffer.from(b))));
  const add = (header, content) =>
    new Promise((resolve, reject) => {
      pack.entry(header, content, (error) => (error ? reject(error) : resolve()));
    });
  try {
    for (const name of names) {
      const entry = entries.get(name);
      const base = { name, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root' };
      if (entry.type === 'directory') await add({ ...base, type: 'directory', mode: 0o755 });
      else if (entry.type === 'symlink') await add({ ...base, type: 'symlink', linkname: entry.linkname, mode: 0o777 });
      else {
        const content = entry.content ?? (await readFile(entry.source));
        await add({ ...base, type: 'file', mode: entry.executable ? 0o755 : 0o644, size: content.length }, content);
      }
      // The tar stream does not wait for gzip: keep what waits in memory small.
      while (pack.readableLength > 8 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    pack.finalize();
    await writing;
    const handle = await open(temp, 'r');
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    pack.destroy(error);
    await writing.catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  return { size, sha256: hash.digest('hex') };
}

async function build(args) {
  const { values } = parseArgs({
    args,
    options: {
      version: { type: 'string' },
      'notes-en': { type: 'string' },
      'notes-zh-CN': { type: 'string' },
      breaking: { type: 'boolean', default: false },
      'minimum-from': { type: 'string' },
      out: { type: 'string' },
      'trust-key': { type: 'string', multiple: true, default: [] },
      overlay: { type: 'string', multiple: true, default: [] },
      'no-build': { type: 'boolean', default: false },
      git: { type: 'string' },
      cache: { type: 'string' },
    },
  });
  if (values.git !== undefined && values['no-build']) fail('--git and --no-build do not go together: --git compiles the commit');
  const started = Date.now();
  const version = requireVersion(values.version, '--version');
  const minimumFrom = values['minimum-from'] === undefined ? undefined : requireVersion(values['minimum-from'], '--minimum-from');
  if (minimumFrom && compareVersions(minimumFrom, version) > 0) fail(`--minimum-from ${minimumFrom} is newer than the release ${version}`);
  const outDir = path.resolve(values.out ?? path.join(checkout, 'var/release'));
  const cacheDir = path.resolve(values.cache ?? path.join(checkout, 'var/release-cache'));
  await mkdir(cacheDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  for (const [prefix, keep] of [['src-', 3], ['build-', 3], ['modules-', 2]]) await pruneCache(cacheDir, prefix, keep);
  const arch = process.arch;

  // The sources: the working tree, or a commit exported into the cache (--git REF).
  let src = checkout;
  let commit;
  if (values.git !== undefined) ({ dir: src, commit } = await exportCommit(cacheDir, values.git));
  else commit = await gitCommit();

  let distDir;
  let panelDir;
  if (values['no-build']) {
    distDir = path.join(checkout, 'dist');
    panelDir = path.join(checkout, 'web/dist');
    for (const needed of [path.join(distDir, 'server/cli/hearth.js'), path.join(panelDir, 'index.html')]) {
      if (!existsSync(needed)) fail(`--no-build: ${path.relative(checkout, needed)} is missing; run npm run build`);
    }
  } else {
    const { dir } = await compiled(cacheDir, src);
    distDir = path.join(dir, 'dist');
    panelDir = path.join(dir, 'web/dist');
  }
  const modules = await productionModules(cacheDir);

  const pkg = JSON.parse(await readFile(path.join(src, 'package.json'), 'utf8'));
  if (pkg.name !== 'hearth') fail(`${src}/package.json is not Hearth's`);
  pkg.version = version;

  const entries = new Map();
  await addTree(entries, 'dist', distDir);
  entries.set('web', { type: 'directory' });
  await addTree(entries, 'web/dist', panelDir);
  await addTree(entries, 'locales', path.join(src, 'locales'));
  await addTree(entries, 'boards', path.join(src, 'boards'));
  await addTree(entries, 'node_modules', modules);
  await addTree(entries, 'package-lock.json', path.join(src, 'package-lock.json'));
  for (const name of ['README.md', 'LICENSE']) await addTree(entries, name, path.join(src, name));
  // What installs and starts a release (made by the updater's side of the project), when present.
  entries.set('scripts', { type: 'directory' });
  for (const name of (await readdir(path.join(src, 'scripts'))).sort()) {
    if (name.startsWith('launcher') || name === 'install.sh' || name === 'systemd') await addTree(entries, `scripts/${name}`, path.join(src, 'scripts', name));
  }
  entries.set('keys', { type: 'directory' });
  for (const name of (await readdir(path.join(src, 'keys')).catch(() => [])).filter((n) => n.endsWith('.pub')).sort()) {
    await readPublicKey(path.join(src, 'keys', name));
    await addTree(entries, `keys/${name}`, path.join(src, 'keys', name));
  }
  for (const file of values['trust-key']) {
    const key = await readPublicKey(file);
    const name = `keys/${keyIdOf(key).slice(0, 16)}.pub`;
    entries.set(name, { type: 'file', content: Buffer.from(key.export({ format: 'pem', type: 'spki' })), executable: false });
  }
  for (const overlay of values.overlay) {
    const root = path.resolve(overlay);
    if (!(await stat(root).catch(() => undefined))?.isDirectory()) fail(`--overlay ${overlay} is not a directory`);
    for (const child of await readdir(root)) await addTree(entries, child, path.join(root, child));
  }
  entries.set('package.json', { type: 'file', content: Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`), executable: false });
  if (!entries.has('dist/server/cli/hearth.js')) fail('the build has no dist/server/cli/hearth.js');

  const builtAt = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date(Math.floor(Date.now() / 1000) * 1000);
  const info = {
    format: bundleFormat,
    name: 'hearth',
    version,
    arch,
    platform: process.platform,
    nodeAbi: process.versions.modules,
    node: process.versions.node,
    builtAt: builtAt.toISOString(),
    ...(commit ? { commit } : {}),
  };
  entries.set('bundle.json', { type: 'file', content: Buffer.from(`${JSON.stringify(info, null, 2)}\n`), executable: false });

  const base = `hearth-${version}-${arch}`;
  const bundleFile = path.join(outDir, `${base}.tar.gz`);
  const unpackedSize = diskEstimate(entries);
  const { size, sha256 } = await writeBundle(bundleFile, entries, builtAt);
  const notes = {};
  if (values['notes-en'] !== undefined) notes.en = values['notes-en'];
  if (values['notes-zh-CN'] !== undefined) notes['zh-CN'] = values['notes-zh-CN'];
  const release = {
    version,
    arch,
    bundle: path.basename(bundleFile),
    size,
    sha256,
    unpackedSize,
    breaking: values.breaking,
    ...(minimumFrom ? { minimumFrom } : {}),
    notes,
    nodeAbi: process.versions.modules,
  };
  const releaseFile = path.join(outDir, `${base}.release.json`);
  await writeFile(releaseFile, `${JSON.stringify(release, null, 2)}\n`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(`built ${bundleFile}: ${mib(size)} (${entries.size} entries, ${mib(unpackedSize)} unpacked) in ${seconds} s`);
  log(`  for ${arch} / Node ABI ${process.versions.modules} (Node ${process.versions.node}) only: native modules are this machine's.`);
  process.stdout.write(`${releaseFile}\n`);
}

// ------------------------------------------------------------------ sign

function parseCohorts(value) {
  if (value === undefined || value === 'all') return 'all';
  const cohorts = new Set();
  for (const part of value.split(',')) {
    const range = /^(\d{1,2})(?:-(\d{1,2}))?$/.exec(part.trim());
    if (!range) fail(`--cohorts: "${part}" is not a cohort (0-99) or a range like 0-9`);
    const from = Number(range[1]);
    const to = Number(range[2] ?? range[1]);
    if (to < from) fail(`--cohorts: ${part} is an empty range`);
    for (let c = from; c <= to; c++) cohorts.add(c);
  }
  return [...cohorts].sort((a, b) => a - b);
}

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

async function writeAtomic(file, content) {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

async function signChannel(args) {
  const { values } = parseArgs({
    args,
    options: {
      key: { type: 'string', multiple: true, default: [] },
      channel: { type: 'string' },
      release: { type: 'string', multiple: true, default: [] },
      'channel-name': { type: 'string' },
      'published-at': { type: 'string' },
      cohorts: { type: 'string' },
      version: { type: 'string' },
    },
  });
  if (values.key.length === 0) fail('sign needs --key KEY (repeat it to sign with several keys)');
  if (!values.channel) fail('sign needs --channel DIR');
  if (values.release.length === 0 && !values.version) fail('sign needs --release FILE.release.json, or --version V to re-sign an existing release');
  const keys = [];
  for (const file of values.key) keys.push(await readPrivateKey(file));
  const channelDir = path.resolve(values.channel);
  await mkdir(channelDir, { recursive: true });
  const manifestFile = path.join(channelDir, 'manifest.json');
  let publishedAt;
  if (values['published-at'] !== undefined) {
    const at = new Date(values['published-at']);
    if (Number.isNaN(at.getTime())) fail(`--published-at ${values['published-at']} is not a date`);
    publishedAt = at.toISOString().replace(/\.000Z$/, 'Z');
  }
  const cohorts = values.cohorts === undefined ? undefined : parseCohorts(values.cohorts);

  let manifest;
  if (existsSync(manifestFile)) {
    const envelope = JSON.parse(await readFile(manifestFile, 'utf8'));
    manifest = JSON.parse(envelope.signed);
    if (manifest.format !== manifestFormat) fail(`${manifestFile} has format ${manifest.format}; this script writes ${manifestFormat}`);
    if (values['channel-name'] && values['channel-name'] !== manifest.channel) fail(`${manifestFile} is the channel "${manifest.channel}", not "${values['channel-name']}"`);
  } else {
    const name = values['channel-name'] ?? 'stable';
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(name)) fail(`--channel-name ${name}: lower-case letters, digits and dashes`);
    manifest = { format: manifestFormat, channel: name, serial: 0, releases: [] };
  }

  for (const releaseFile of values.release) {
    const built = JSON.parse(await readFile(releaseFile, 'utf8'));
    requireVersion(built.version, `${releaseFile}: version`);
    const source = path.join(path.dirname(path.resolve(releaseFile)), built.bundle);
    const target = path.join(channelDir, built.bundle);
    if (path.resolve(source) !== path.resolve(target)) {
      const temp = `${target}.tmp-${process.pid}`;
      await copyFile(source, temp);
      await rename(temp, target);
    }
    const actual = await sha256File(target);
    if (actual !== built.sha256) fail(`${target}: sha256 ${actual} is not the built ${built.sha256}`);
    let release = manifest.releases.find((r) => r.version === built.version);
    if (!release) {
      release = { version: built.version, publishedAt: publishedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), breaking: false, cohorts: 'all', notes: {}, bundles: {} };
      manifest.releases.push(release);
    }
    release.breaking = built.breaking === true;
    if (built.minimumFrom) release.minimumFrom = built.minimumFrom;
    else delete release.minimumFrom;
    release.notes = { ...release.notes, ...built.notes };
    release.bundles[built.arch] = { url: built.bundle, size: built.size, sha256: built.sha256, unpackedSize: built.unpackedSize };
    log(`${release.version} (${built.arch}): ${built.bundle}, ${mib(built.size)}`);
  }
  if (values.version) {
    const release = manifest.releases.find((r) => r.version === values.version);
    if (!release) fail(`${manifestFile} has no release ${values.version}`);
  }
  // Options that describe one release apply to the ones named on this command line.
  const named = new Set([values.version, ...(await Promise.all(values.release.map(async (f) => JSON.parse(await readFile(f, 'utf8')).version)))]);
  for (const release of manifest.releases) {
    if (!named.has(release.version)) continue;
    if (publishedAt) release.publishedAt = publishedAt;
    if (cohorts !== undefined) release.cohorts = cohorts;
  }
  manifest.releases.sort((a, b) => compareVersions(b.version, a.version));
  manifest.serial += 1;

  const signed = JSON.stringify(manifest, null, 2);
  const bytes = Buffer.from(signed, 'utf8');
  const envelope = { signed, signatures: keys.map((key) => ({ keyid: keyIdOf(key), sig: signBytes(null, bytes, key).toString('base64') })) };
  await writeAtomic(manifestFile, `${JSON.stringify(envelope, null, 2)}\n`);
  log(`signed ${manifestFile}: channel ${manifest.channel}, serial ${manifest.serial}, ${manifest.releases.length} release(s), key(s) ${envelope.signatures.map((s) => s.keyid.slice(0, 16)).join(', ')}`);
  process.stdout.write(`${manifestFile}\n`);
}

// ------------------------------------------------------------------ main

const usage = `usage:
  scripts/release keygen --out KEY
  scripts/release build --version X [--notes-en T] [--notes-zh-CN T] [--breaking] [--minimum-from V]
                        [--out DIR] [--trust-key PUB]... [--overlay DIR]... [--no-build | --git REF] [--cache DIR]
  scripts/release sign --key KEY [--key KEY]... --channel DIR [--release FILE.release.json]...
                       [--channel-name NAME] [--published-at ISO] [--cohorts all|0-9,20] [--version V]`;

const commands = { keygen, build, sign: signChannel };
const [command, ...rest] = process.argv.slice(2);
try {
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`${usage}\n`);
  } else if (!Object.hasOwn(commands, command)) {
    fail(`unknown command "${command}"\n${usage}`);
  } else {
    await commands[command](rest);
  }
} catch (error) {
  if (error instanceof UsageError || error?.code?.startsWith?.('ERR_PARSE_ARGS')) {
    log(`release: ${error.message}`);
    process.exitCode = 2;
  } else {
    log(`release: ${error?.stack ?? error}`);
    process.exitCode = 1;
  }
}
