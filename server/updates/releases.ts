/**
 * The release channel, as the update state machine uses it. Four calls, in order:
 *
 *   const fetched = await fetchManifest(channelUrl, { channel: 'stable', minSerial });
 *       // https:// or file:// (http:// to loopback only). Verifies the Ed25519 signature
 *       // with <packageRoot>/keys/*.pub of the RUNNING release, then the shape.
 *       // Refuses: HEARTH_ERR_RELEASE_CHANNEL_URL, _CHANNEL_UNREACHABLE, _MANIFEST_TOO_LARGE,
 *       // _MANIFEST_MALFORMED {field}, _SIGNATURE_BAD, _KEY_UNKNOWN, _NO_TRUSTED_KEYS,
 *       // _CHANNEL_MISMATCH, _MANIFEST_REPLAYED. Never looks at the clock.
 *       // Remember fetched.manifest.serial and pass it back as minSerial next time.
 *
 *   const choice = chooseRelease(fetched, { current: appVersion, allowDowngrade, version,
 *                                           allowBreaking, cohort, hold });
 *       // Pure. { kind: 'update', release, bundle, latest, intermediate, downgrade, heldBack }
 *       // or { kind: 'none', reason: 'up-to-date' | 'downgrade-refused' | 'no-bundle-for-arch'
 *       //      | 'unreachable' | 'held-back' | 'not-found', release?, latest?, heldBack }.
 *       // choiceError(choice, { current }) turns the refusals into a HearthError.
 *       // Texts for every reason: updates:choice.<reason> (locales/<lng>/updates.json).
 *
 *   const downloaded = await downloadBundle(choice.bundle, { stagingDir, unpackDir: releasesDir,
 *                                                            onProgress, signal });
 *       // Resumable, streamed, hashed. Free space (download + unpackedSize + margin)
 *       // checked before the first byte. Refuses: HEARTH_ERR_UPDATE_NO_SPACE,
 *       // HEARTH_ERR_BUNDLE_DOWNLOAD_FAILED, _SIZE_MISMATCH, _TRUNCATED (partial kept:
 *       // calling again resumes), _CHECKSUM_MISMATCH (partial removed).
 *
 *   const unpacked = await unpackBundle(downloaded.file, releasesDir, release.version,
 *                                       { unpackedSize: choice.bundle.unpackedSize });
 *       // releases/.<version>.partial → fsync → rename → releases/<version>.
 *       // Refuses: HEARTH_ERR_BUNDLE_TARGET_EXISTS, _UNSAFE_PATH, _WRONG_ARCH, _WRONG_NODE,
 *       // _NOT_HEARTH, _CORRUPT, HEARTH_ERR_UPDATE_NO_SPACE; on failure nothing is left.
 *
 * Everything on disk stays inside the directories given; nothing here takes the
 * maintenance lock or writes the journal — the state machine does.
 */
export { fetchManifest, chooseRelease, choiceError, resolveBundle, checkChannelUrl } from './channel.js';
export type { FetchManifestOptions, FetchedManifest, ChooseOptions, ReleaseChoice, NoReleaseReason, HeldBack, ResolvedBundle } from './channel.js';
export { downloadBundle, checkSpace, freeBytes } from './download.js';
export type { DownloadOptions, DownloadResult } from './download.js';
export { unpackBundle, releaseExists } from './bundle.js';
export type { UnpackOptions, UnpackResult, BundleInfo } from './bundle.js';
export { compareVersions, isVersion, signManifest, manifestFormat } from './manifest.js';
export type { Manifest, Release, BundleRef, Envelope } from './manifest.js';
export { loadTrustedKeys, defaultKeysDir, generateSigningKey, publicKeyId, parsePublicKey } from './keys.js';
export type { TrustedKey } from './keys.js';

import type { Release } from './manifest.js';

/** A release's notes in the owner's language: exact, then the same base language, then English. */
export function releaseNotes(release: Release, language: string): string | undefined {
  const notes = release.notes;
  if (Object.hasOwn(notes, language)) return notes[language];
  const base = language.split('-')[0]?.toLowerCase();
  const sameBase = Object.keys(notes).find((l) => l.split('-')[0]?.toLowerCase() === base);
  if (sameBase) return notes[sameBase];
  return Object.hasOwn(notes, 'en') ? notes.en : Object.values(notes)[0];
}
