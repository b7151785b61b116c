import { describe, expect, it } from 'vitest';
import { createAccessPolicy, isLanAddress, normalizeAddress, parseCidr } from './network-access.js';

describe('LAN guard', () => {
  const lan = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.20', '169.254.10.10', '100.64.0.1', '100.127.255.254', '::1', 'fd12:3456::1', 'fc00::1', 'fe80::1', 'fe80::1%eth0', '::ffff:192.168.1.5'];
  const wan = ['8.8.8.8', '172.32.0.1', '172.15.255.255', '192.169.0.1', '100.128.0.1', '100.63.255.255', '2001:4860::8888', '::ffff:8.8.8.8', 'not-an-ip', '', '0.0.0.0'];

  it.each(lan)('lets %s in', (address) => expect(isLanAddress(address)).toBe(true));
  it.each(wan)('keeps %s out', (address) => expect(isLanAddress(address)).toBe(false));

  it('normalizes IPv4-mapped IPv6 and zones', () => {
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('fe80::1%wlan0')).toBe('fe80::1');
  });

  it("adds the owner's allowlist and reports what it could not parse", () => {
    const policy = createAccessPolicy(['8.8.8.0/24', '2001:db8::/32', 'nonsense', '1.2.3.4/33']);
    expect(policy.allows('8.8.8.8')).toBe(true);
    expect(policy.allows('8.8.9.8')).toBe(false);
    expect(policy.allows('2001:db8::5')).toBe(true);
    expect(policy.allows('192.168.0.2')).toBe(true);
    expect(policy.invalid).toEqual(['nonsense', '1.2.3.4/33']);
  });

  it('parses CIDRs strictly', () => {
    expect(parseCidr('10.8.0.0/24')).toEqual({ address: '10.8.0.0', prefix: 24, family: 'ipv4' });
    expect(parseCidr('10.8.0.0')).toBeUndefined();
    expect(parseCidr('10.8.0.0/24; rm -rf /')).toBeUndefined();
  });
});
