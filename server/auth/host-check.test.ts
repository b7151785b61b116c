import { describe, expect, it } from 'vitest';
import { hostnameFromHostHeader, isAllowedHost } from './host-check.js';

describe('Host header check (DNS rebinding)', () => {
  it('accepts the box by address, name, mDNS name, localhost and added names', () => {
    for (const host of ['192.168.1.20:4443', '[fd00::2]:4443', '[::1]', 'nas', 'NAS.local:4443', 'localhost:8080', 'nas.example.home', 'nas.local.']) {
      expect(isAllowedHost(host, 'nas', ['nas.example.home']), host).toBe(true);
    }
  });

  it('refuses every other name', () => {
    for (const host of [undefined, '', 'evil.example', 'nas.evil.example', 'localhost.evil.example', 'evil.example:4443', '[evil', 'nas-2.local']) {
      expect(isAllowedHost(host, 'nas', []), String(host)).toBe(false);
    }
  });

  it('extracts the name from the header', () => {
    expect(hostnameFromHostHeader('Box.Local:443')).toBe('box.local');
    expect(hostnameFromHostHeader('[fe80::1]:80')).toBe('fe80::1');
  });
});
