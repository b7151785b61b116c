import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { System } from '../system/index.js';

/**
 * Seals the secrets an app must keep (an SMTP password, say) so the database never
 * holds them in plain text: AES-256-GCM with a key kept apart from the database, in
 * $STATE/secret.key (0600). A copy of hearth.db alone reveals nothing.
 */
const version = 'v1';

export function createSecretBox(system: System) {
  const keyFile = path.join(system.paths.stateDir, 'secret.key');
  let key: Buffer | undefined;

  async function loadKey(): Promise<Buffer> {
    if (key) return key;
    const stored = (await system.readFile(keyFile))?.trim();
    if (stored) {
      key = Buffer.from(stored, 'base64');
      if (key.length !== 32) throw new Error(`${keyFile} does not hold a 256-bit key`);
    } else {
      key = randomBytes(32);
      await system.writeFile(keyFile, key.toString('base64') + '\n', { mode: 0o600 });
    }
    return key;
  }

  return {
    async seal(plain: string): Promise<string> {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', await loadKey(), iv);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [version, iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join(':');
    },
    async open(sealed: string): Promise<string> {
      const [v, iv, tag, data] = sealed.split(':');
      if (v !== version || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', await loadKey(), Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
