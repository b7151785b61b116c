import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from './paths.js';

describe('resolvePaths', () => {
  it('derives every location from the one root', () => {
    const paths = resolvePaths('/tmp/box');
    expect(paths.database).toBe('/tmp/box/var/lib/hearth/hearth.db');
    expect(paths.tlsKey).toBe('/tmp/box/var/lib/hearth/tls/key.pem');
    expect(paths.setupCode).toBe('/tmp/box/var/lib/hearth/setup-code');
    expect(paths.configDir).toBe('/tmp/box/etc/hearth');
    for (const value of Object.values(paths)) {
      if (typeof value === 'string') expect(value.startsWith('/tmp/box')).toBe(true);
    }
  });

  it('is the real filesystem when the root is /', () => {
    const paths = resolvePaths('/');
    expect(paths.database).toBe('/var/lib/hearth/hearth.db');
    expect(paths.systemFile('etc/hostname')).toBe('/etc/hostname');
  });

  it('maps system files under the root and refuses to leave it', () => {
    const paths = resolvePaths('relative/root');
    expect(paths.systemFile('/etc/hostname')).toBe(path.resolve('relative/root/etc/hostname'));
    expect(() => paths.systemFile('../etc/passwd')).toThrow(/escapes the root/);
    expect(() => paths.systemFile('etc/../../outside')).toThrow(/escapes the root/);
  });
});
