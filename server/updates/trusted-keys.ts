import path from 'node:path';
import { HearthError } from '../errors.js';
import type { System } from '../system/index.js';
import { defaultKeysDir, loadTrustedKeys, parsePublicKey, publicKeyId, type TrustedKey } from './keys.js';

/**
 * The keys a box trusts to sign release manifests. Installed (the `linux` system), only
 * those its running release shipped (<packageRoot>/keys/*.pub): the release decides which
 * keys may sign the next one (docs/release-format.md, "Trusted keys").
 *
 * In the sandbox (`npm start`, tests, browser tests) also the keys in
 * $ROOT/etc/hearth/release-keys/*.pub: no project key is published yet, so a demo box and
 * a test can only follow a channel signed by a key of their own. Nothing installed reads
 * that directory. Keys there are text: PEM, or the raw key in hex or base64 on one line.
 */
export function trustedKeys(system: System): () => Promise<readonly TrustedKey[]> {
  return async () => {
    if (system.kind !== 'sandbox') return loadTrustedKeys();
    const dir = path.join(system.paths.configDir, 'release-keys');
    const keys: TrustedKey[] = [];
    try {
      keys.push(...loadTrustedKeys());
    } catch (error) {
      if (!(error instanceof HearthError && error.code === 'HEARTH_ERR_RELEASE_NO_TRUSTED_KEYS')) throw error;
    }
    for (const entry of (await system.listDirectory(dir)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.type !== 'file' || !entry.name.endsWith('.pub')) continue;
      const file = path.join(dir, entry.name);
      const key = parsePublicKey(Buffer.from((await system.readFile(file)) ?? '', 'utf8'), file);
      keys.push({ keyid: publicKeyId(key), key, file });
    }
    if (keys.length === 0) throw new HearthError('HEARTH_ERR_RELEASE_NO_TRUSTED_KEYS', { dir: defaultKeysDir });
    return keys;
  };
}
