import net from 'node:net';
import type { Paths } from './paths.js';
import type { System } from './system/index.js';

/**
 * The panel's HTTPS certificate: self-signed, generated on first start (as every peer
 * appliance does until the owner sets up a real one), valid for the box's names and
 * addresses. The private key is written 0600 before the certificate that names it.
 */
export async function ensureTlsCertificate(system: System, paths: Paths): Promise<{ key: string; cert: string; created: boolean }> {
  const [key, cert] = await Promise.all([system.readFile(paths.tlsKey), system.readFile(paths.tlsCert)]);
  if (key && cert) return { key, cert, created: false };

  const facts = await system.hostFacts();
  const names = [...new Set([facts.hostname, `${facts.hostname}.local`, 'localhost'])];
  const addresses = [...new Set(['127.0.0.1', '::1', ...facts.addresses.map((a) => a.address.replace(/%.*$/, ''))])];
  const notBefore = new Date(Date.now() - 24 * 3_600_000);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + 5);
  // Loaded only here: once the certificate exists the daemon never needs it again.
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: facts.hostname }, { name: 'organizationName', value: 'Hearth appliance' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.map((value) => ({ type: 2 as const, value })),
          ...addresses.filter((ip) => net.isIP(ip)).map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await system.writeFile(paths.tlsKey, pems.private, { mode: 0o600 });
  await system.writeFile(paths.tlsCert, pems.cert, { mode: 0o644 });
  return { key: pems.private, cert: pems.cert, created: true };
}
