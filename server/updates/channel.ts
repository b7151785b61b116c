import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HearthError } from '../errors.js';
import { formatBytes } from '../format.js';
import { loadTrustedKeys, type TrustedKey } from './keys.js';
import { compareVersions, parseEnvelope, verifyEnvelope, type BundleRef, type Manifest, type Release } from './manifest.js';

/*
 * A release channel is a URL serving the signed manifest. Fetching it never trusts
 * the transport: the signature decides. Choosing a release is a pure function of the
 * verified manifest and the running version, so every refusal can be tested and
 * explained without a network.
 */

export interface FetchManifestOptions {
  /** The keys to trust; default: <packageRoot>/keys/*.pub of the running release. */
  keys?: readonly TrustedKey[];
  /** The channel name the box is set to ("stable"); a manifest of another channel is refused. */
  channel?: string;
  /** The highest serial this box has accepted before; an older manifest is a replay and refused. */
  minSerial?: number;
  /** Largest manifest read (default 1 MiB). */
  maxBytes?: number;
  /** Whole fetch, connect to last byte (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FetchedManifest {
  /** The URL it came from (after redirects): relative bundle URLs resolve against it. */
  url: string;
  manifest: Manifest;
  /** The trusted key whose signature verified. */
  keyid: string;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * https:// and file:// are channels; plain http:// only to this box itself (tests, a
 * local mirror behind a proxy). Integrity never depends on the scheme — the manifest
 * is signed and every bundle hashed — but a release channel in clear text over the
 * network would tell every router what the box runs and when it updates.
 */
export function checkChannelUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HearthError('HEARTH_ERR_RELEASE_CHANNEL_URL', { url: String(url).slice(0, 300) });
  }
  const ok =
    parsed.protocol === 'https:' ||
    (parsed.protocol === 'file:' && (parsed.host === '' || parsed.host === 'localhost')) ||
    (parsed.protocol === 'http:' && (loopbackHosts.has(parsed.hostname) || /^127\.\d+\.\d+\.\d+$/.test(parsed.hostname)));
  if (!ok || parsed.username || parsed.password) throw new HearthError('HEARTH_ERR_RELEASE_CHANNEL_URL', { url: parsed.href.slice(0, 300) });
  return parsed;
}

function unreachable(url: string, reason: string): HearthError {
  return new HearthError('HEARTH_ERR_RELEASE_CHANNEL_UNREACHABLE', { url, reason });
}

/** The reason a fetch failed, in a word a log or a panel can show (the undici cause says more than "fetch failed"). */
export function fetchFailureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return String(cause?.code ?? cause?.message ?? (error as Error).message ?? error).slice(0, 200);
}

/** Reads at most `maxBytes` of a file: URL. */
async function readFileUrl(url: URL, maxBytes: number): Promise<Buffer> {
  const handle = await open(fileURLToPath(url), 'r').catch((error: NodeJS.ErrnoException) => {
    throw unreachable(url.href, error.code ?? error.message);
  });
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new HearthError('HEARTH_ERR_RELEASE_MANIFEST_TOO_LARGE', { url: url.href, limit: formatBytes(maxBytes) });
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw unreachable(url.href, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  } finally {
    await handle.close();
  }
}

/** GETs at most `maxBytes` over HTTP(S), refusing early on a Content-Length over the cap. */
async function readHttpUrl(url: URL, maxBytes: number, signal: AbortSignal): Promise<{ body: Buffer; finalUrl: URL }> {
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow', headers: { accept: 'application/json' } });
  } catch (error) {
    throw unreachable(url.href, fetchFailureReason(error));
  }
  // A redirect may not leave the schemes a channel may use (https → http to a stranger).
  const finalUrl = checkChannelUrl(response.url || url.href);
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw unreachable(url.href, `HTTP ${response.status}`);
  }
  const tooLarge = () => new HearthError('HEARTH_ERR_RELEASE_MANIFEST_TOO_LARGE', { url: url.href, limit: formatBytes(maxBytes) });
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body ?? []) {
      length += chunk.length;
      if (length > maxBytes) throw tooLarge();
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw unreachable(url.href, fetchFailureReason(error));
  }
  return { body: Buffer.concat(chunks), finalUrl };
}

/**
 * Fetches the channel's manifest (https:// with node's fetch, file:// from disk),
 * verifies its signature with the trusted keys and checks its shape, channel and
 * serial. Rejects with the HearthError that says what is wrong; never looks at the clock.
 */
export async function fetchManifest(url: string, options: FetchManifestOptions = {}): Promise<FetchedManifest> {
  const parsed = checkChannelUrl(url);
  const keys = options.keys ?? loadTrustedKeys();
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let body: Buffer;
  let finalUrl = parsed;
  if (parsed.protocol === 'file:') body = await readFileUrl(parsed, maxBytes);
  else ({ body, finalUrl } = await readHttpUrl(parsed, maxBytes, signal));
  const envelope = parseEnvelope(body.toString('utf8'));
  const { manifest, keyid } = verifyEnvelope(envelope, keys);
  if (options.channel !== undefined && manifest.channel !== options.channel) {
    throw new HearthError('HEARTH_ERR_RELEASE_CHANNEL_MISMATCH', { expected: options.channel, found: manifest.channel });
  }
  if (options.minSerial !== undefined && manifest.serial < options.minSerial) {
    throw new HearthError('HEARTH_ERR_RELEASE_MANIFEST_REPLAYED', { serial: manifest.serial, seen: options.minSerial });
  }
  return { url: finalUrl.href, manifest, keyid };
}

// ---------------------------------------------------------------- choosing

/** A bundle ready to download: its URL made absolute against the manifest's. */
export interface ResolvedBundle extends BundleRef {
  version: string;
  arch: string;
}

export interface ChooseOptions {
  /** The running version. */
  current: string;
  /** Default: process.arch. */
  arch?: string;
  /** Take an older release than the running one (the owner asked for it). Default false. */
  allowDowngrade?: boolean;
  /** A specific release the owner asked for, instead of the newest allowed. Cohorts, breaking and `hold` do not apply to it. */
  version?: string;
  /**
   * Cross a release marked breaking. Default false: the choice stops below the first
   * breaking release above the running one and lists it in heldBack. Pass true when
   * the owner said yes.
   */
  allowBreaking?: boolean;
  /** The box's cohort (0–99): releases not open to it are held back. Undefined: cohorts are not considered (canary, owner). */
  cohort?: number;
  /** More policy (soak time …): a reason to hold a release back, or undefined to allow it. */
  hold?: (release: Release) => string | undefined;
}

export interface HeldBack {
  version: string;
  /** 'breaking', 'cohort', or what `hold` returned. */
  reason: string;
}

export type NoReleaseReason =
  /** The running version is the newest (or newer than every release). */
  | 'up-to-date'
  /** Every release is older than the running one and allowDowngrade was not given. */
  | 'downgrade-refused'
  /** Newer releases exist, none with a bundle for this architecture. */
  | 'no-bundle-for-arch'
  /** Newer releases exist, all need a newer running version (minimumFrom). */
  | 'unreachable'
  /** Newer releases exist, every one held back by policy (see heldBack). */
  | 'held-back'
  /** The asked-for version is not in the manifest. */
  | 'not-found';

export type ReleaseChoice =
  | {
      kind: 'update';
      release: Release;
      bundle: ResolvedBundle;
      /** The newest release in the manifest (may be beyond `release`: intermediate, held back). */
      latest: Release;
      /** True when `release` is a stepping stone: the newest is not reachable directly from the running version. */
      intermediate: boolean;
      downgrade: boolean;
      heldBack: HeldBack[];
    }
  | {
      kind: 'none';
      reason: NoReleaseReason;
      latest?: Release;
      /** The release the reason is about (the newest newer one, the asked-for one). */
      release?: Release;
      heldBack: HeldBack[];
    };

/** The release's bundle for `arch`, with its URL absolute (relative URLs are relative to the manifest). */
export function resolveBundle(fetched: Pick<FetchedManifest, 'url'>, release: Release, arch: string): ResolvedBundle | undefined {
  const bundle = Object.hasOwn(release.bundles, arch) ? release.bundles[arch] : undefined;
  if (!bundle) return undefined;
  return { ...bundle, url: new URL(bundle.url, fetched.url).href, version: release.version, arch };
}

function reachableFrom(release: Release, current: string): boolean {
  return release.minimumFrom === undefined || compareVersions(current, release.minimumFrom) >= 0;
}

/**
 * The release to install, or why there is none. Without `version`: the newest release
 * newer than `current` that has a bundle for this architecture, is not held back
 * (breaking, cohort, `hold`), and accepts `current` as its starting point — or, when
 * the newest needs a newer starting point (minimumFrom), the newest one that does
 * accept it (an intermediate step; the next check continues from there).
 */
export function chooseRelease(fetched: Pick<FetchedManifest, 'url' | 'manifest'>, options: ChooseOptions): ReleaseChoice {
  const arch = options.arch ?? process.arch;
  const current = options.current;
  const releases = [...fetched.manifest.releases].sort((a, b) => compareVersions(b.version, a.version));
  const latest = releases[0];
  const none = (reason: NoReleaseReason, release?: Release, heldBack: HeldBack[] = []): ReleaseChoice => ({
    kind: 'none',
    reason,
    ...(latest ? { latest } : {}),
    ...(release ? { release } : {}),
    heldBack,
  });
  const take = (release: Release, extra: { intermediate?: boolean; heldBack?: HeldBack[] } = {}): ReleaseChoice => ({
    kind: 'update',
    release,
    bundle: resolveBundle(fetched, release, arch)!,
    latest: latest!,
    intermediate: extra.intermediate ?? false,
    downgrade: compareVersions(release.version, current) < 0,
    heldBack: extra.heldBack ?? [],
  });

  if (options.version !== undefined) {
    const wanted = releases.find((r) => r.version === options.version);
    if (!wanted) return none('not-found');
    const order = compareVersions(wanted.version, current);
    if (order === 0) return none('up-to-date', wanted);
    if (order < 0 && !options.allowDowngrade) return none('downgrade-refused', wanted);
    if (!resolveBundle(fetched, wanted, arch)) return none('no-bundle-for-arch', wanted);
    if (order > 0 && !reachableFrom(wanted, current)) return none('unreachable', wanted);
    return take(wanted);
  }

  const newer = releases.filter((r) => compareVersions(r.version, current) > 0);
  if (newer.length === 0) {
    // Every release is the running one or older: a channel that pulled the running release.
    const older = releases.find((r) => compareVersions(r.version, current) < 0 && resolveBundle(fetched, r, arch));
    if (!latest || compareVersions(latest.version, current) >= 0 || !older) return none('up-to-date');
    return options.allowDowngrade ? take(older) : none('downgrade-refused', older);
  }
  const withBundle = newer.filter((r) => resolveBundle(fetched, r, arch));
  if (withBundle.length === 0) return none('no-bundle-for-arch', newer[0]);

  const heldBack: HeldBack[] = [];
  // The first breaking release above the running one caps what may be taken without the owner.
  const ascending = [...withBundle].reverse();
  const firstBreaking = options.allowBreaking ? undefined : ascending.find((r) => r.breaking);
  const allowed = withBundle.filter((release) => {
    if (firstBreaking && compareVersions(release.version, firstBreaking.version) >= 0) {
      if (release === firstBreaking) heldBack.push({ version: release.version, reason: 'breaking' });
      return false;
    }
    if (options.cohort !== undefined && release.cohorts !== 'all' && !release.cohorts.includes(options.cohort)) {
      heldBack.push({ version: release.version, reason: 'cohort' });
      return false;
    }
    const held = options.hold?.(release);
    if (held !== undefined) {
      heldBack.push({ version: release.version, reason: held });
      return false;
    }
    return true;
  });
  if (allowed.length === 0) return none('held-back', withBundle[0], heldBack);
  const reachable = allowed.find((r) => reachableFrom(r, current));
  if (!reachable) return none('unreachable', allowed[allowed.length - 1], heldBack);
  return take(reachable, { intermediate: reachable !== allowed[0], heldBack });
}

/**
 * The error to show when the owner asked for an update and the choice says there is
 * none for a reason that is a refusal (up-to-date and held-back are not errors).
 */
export function choiceError(choice: Extract<ReleaseChoice, { kind: 'none' }>, options: { current: string; arch?: string; version?: string }): HearthError | undefined {
  const version = choice.release?.version ?? options.version ?? '';
  switch (choice.reason) {
    case 'not-found':
      return new HearthError('HEARTH_ERR_RELEASE_NOT_FOUND', { version });
    case 'downgrade-refused':
      return new HearthError('HEARTH_ERR_RELEASE_DOWNGRADE', { version, current: options.current });
    case 'no-bundle-for-arch':
      return new HearthError('HEARTH_ERR_RELEASE_NO_BUNDLE_FOR_ARCH', { version, arch: options.arch ?? process.arch });
    case 'unreachable':
      return new HearthError('HEARTH_ERR_RELEASE_NOT_REACHABLE', { version, current: options.current, minimumFrom: choice.release?.minimumFrom ?? '' });
    default:
      return undefined;
  }
}
