import net from 'node:net';

/**
 * DNS rebinding defence: a page on evil.example whose name resolves to the box's
 * address must not be able to talk to the panel, so a request must name the box
 * itself in its Host header: an IP address, localhost, the hostname, <hostname>.local,
 * or a name the owner added.
 */
export function hostnameFromHostHeader(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end > 0 ? trimmed.slice(1, end) : undefined;
  }
  const [name] = trimmed.split(':');
  return name ? name.replace(/\.$/, '') : undefined;
}

export function isAllowedHost(host: string | undefined, boxHostname: string, extraNames: readonly string[]): boolean {
  const name = hostnameFromHostHeader(host);
  if (!name) return false;
  if (net.isIP(name) !== 0) return true;
  const box = boxHostname.toLowerCase();
  const allowed = new Set(['localhost', box, `${box}.local`, ...extraNames.map((n) => n.toLowerCase())]);
  return allowed.has(name);
}
