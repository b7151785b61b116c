import { Type } from 'typebox';
import { param } from '../params.js';
import { defineApp } from '../types.js';

/** One RFC 1123 label: letters, digits and inner hyphens, at most 63 characters. */
const hostnamePattern = '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$';

/** Debian names the box on 127.0.1.1 in /etc/hosts; keep every other line as it is. */
export function hostsWithName(current: string | undefined, name: string): string {
  const lines = (current ?? '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n')
    .split('\n')
    .filter((line, index, all) => !(index === all.length - 1 && line === ''));
  const entry = `127.0.1.1\t${name}`;
  const at = lines.findIndex((line) => /^127\.0\.1\.1\s/.test(line));
  if (at >= 0) lines.splice(at, 1, entry);
  else lines.splice(lines.findIndex((line) => /^127\.0\.0\.1\s/.test(line)) + 1, 0, entry);
  return lines.join('\n') + '\n';
}

export default defineApp({
  id: 'hostname',
  category: 'config',
  kind: 'configure',
  params: Type.Object({
    hostname: param.string({ default: 'hearth', pattern: hostnamePattern, maxLength: 63 }),
  }),
  async status({ system }) {
    const hostname = await system.hostname();
    return { active: null, values: { hostname }, details: [{ label: 'app-hostname:details.mdns', value: `${hostname}.local` }] };
  },
  async validate({ hostname }) {
    // RFC 1123 allows a leading digit, but an all-digit name reads as an address.
    return /^\d+$/.test(hostname) ? [{ param: 'hostname', key: 'app-hostname:errors.allDigits' }] : [];
  },
  async apply({ hostname }, job) {
    const name = hostname.toLowerCase();
    const { system } = job;
    job.info(job.t('app-hostname:log.writing', { file: '/etc/hostname' }));
    await system.writeFile(system.paths.systemFile('etc/hostname'), `${name}\n`);
    job.info(job.t('app-hostname:log.writing', { file: '/etc/hosts' }));
    const hostsFile = system.paths.systemFile('etc/hosts');
    await system.writeFile(hostsFile, hostsWithName(await system.readFile(hostsFile), name));
    await job.run(['hostnamectl', 'set-hostname', name]);
    // Avahi announces the new <name>.local; try-restart does nothing where it is not running.
    await job.run(['systemctl', 'try-restart', 'avahi-daemon.service']);
    job.info(job.t('app-hostname:log.done', { name, mdns: `${name}.local` }));
  },
});
