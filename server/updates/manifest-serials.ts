import type { SettingsStore } from '../store/settings.js';
import { fetchManifest, type FetchManifestOptions, type FetchedManifest } from './channel.js';

/**
 * fetchManifest with replay protection: every manifest is signed with a serial raised at
 * each signing, and a box refuses one older than the highest it accepted from the same
 * channel — an attacker who serves an old, validly signed manifest cannot hold the box
 * on a release with a known flaw (TUF's "freeze attack"). Remembered per channel URL.
 */
export async function fetchRemembered(settings: SettingsStore, url: string, options: Omit<FetchManifestOptions, 'minSerial'> = {}): Promise<FetchedManifest> {
  const seen = settings.get('updates.manifestSerials');
  const minSerial = Object.hasOwn(seen, url) ? seen[url] : undefined;
  const fetched = await fetchManifest(url, { ...options, ...(minSerial !== undefined ? { minSerial } : {}) });
  if (minSerial === undefined || fetched.manifest.serial > minSerial) {
    // The newest channels first; a box that switched channels many times forgets the oldest.
    const kept = Object.entries(seen).filter(([other]) => other !== url).slice(-31);
    settings.set('updates.manifestSerials', Object.fromEntries([...kept, [url, fetched.manifest.serial]]));
  }
  return fetched;
}
