import net from 'node:net';

/**
 * Who may reach the panel at all. The LAN is: loopback, RFC 1918, link-local,
 * carrier-grade NAT (100.64/10, which Tailscale and some ISPs' home routers use) and
 * IPv6 ULA and link-local. The owner can add CIDRs (a VPN range, say).
 */
const lanRanges: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
];

const lan = new net.BlockList();
for (const [address, prefix, family] of lanRanges) lan.addSubnet(address, prefix, family);

/** "::ffff:192.168.1.5" (an IPv4 client on a dual-stack socket) → "192.168.1.5". */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1]! : address;
  // Strip an IPv6 zone ("fe80::1%eth0").
  return plain.replace(/%.*$/, '');
}

function check(list: net.BlockList, address: string): boolean {
  const plain = normalizeAddress(address);
  const family = net.isIP(plain);
  if (family === 0) return false;
  return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

export function isLanAddress(address: string): boolean {
  return check(lan, address);
}

/** Parses "10.8.0.0/24" or "2001:db8::/32"; undefined if it is not a CIDR. */
export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!match) return undefined;
  const address = match[1]!;
  const prefix = Number(match[2]);
  const family = net.isIP(address);
  if (family === 4 && prefix <= 32) return { address, prefix, family: 'ipv4' };
  if (family === 6 && prefix <= 128) return { address, prefix, family: 'ipv6' };
  return undefined;
}

/** The panel's access policy: the LAN plus the owner's allowlist. Invalid entries are reported, not applied. */
export function createAccessPolicy(allowedNetworks: readonly string[]) {
  const extra = new net.BlockList();
  const invalid: string[] = [];
  for (const cidr of allowedNetworks) {
    const parsed = parseCidr(cidr);
    if (parsed) extra.addSubnet(parsed.address, parsed.prefix, parsed.family);
    else invalid.push(cidr);
  }
  return {
    invalid,
    allows(address: string): boolean {
      return isLanAddress(address) || check(extra, address);
    },
  };
}

/** A single address ("192.168.1.2") or a CIDR, as the owner writes proxies. */
export function parseAddressOrCidr(entry: string) {
  return parseCidr(entry) ?? parseCidr(`${entry.trim()}/${entry.includes(':') ? 128 : 32}`);
}

/** The reverse proxies whose X-Forwarded-For is believed. */
export function createProxyTrust(entries: readonly string[]) {
  const list = new net.BlockList();
  for (const entry of entries) {
    const parsed = parseAddressOrCidr(entry);
    if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return (address: string) => check(list, address);
}

export function isLoopback(address: string): boolean {
  const plain = normalizeAddress(address);
  return plain === '::1' || plain.startsWith('127.');
}
