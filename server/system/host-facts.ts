import os from 'node:os';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import type { HostFacts, NetworkAddress } from './types.js';

/**
 * Facts for the dashboard. Node's os module answers most of them; systeminformation
 * is used where it knows the kernel's quirks better than a hand-written parser:
 * MemAvailable (not "free", which counts the page cache as used) and the CPU
 * thermal sensor, whose location differs between boards.
 */
export async function readHostFacts(hostname: string, dataDir: string): Promise<HostFacts> {
  // Loaded on the first dashboard view, not at start: most of the time nobody is looking.
  const { default: si } = await import('systeminformation');
  const [memory, temperature, disk] = await Promise.all([si.mem(), si.cpuTemperature(), diskUsage(dataDir)]);
  const [one = 0, five = 0, fifteen = 0] = os.loadavg();
  return {
    hostname,
    uptimeSeconds: Math.floor(os.uptime()),
    load: [one, five, fifteen],
    cpuCount: os.availableParallelism(),
    memory: { totalBytes: memory.total, availableBytes: memory.available },
    disk,
    addresses: networkAddresses(),
    cpuTemperatureCelsius: typeof temperature.main === 'number' && Number.isFinite(temperature.main) ? temperature.main : null,
  };
}

async function diskUsage(dir: string): Promise<HostFacts['disk']> {
  const info = await statfsOfNearestExisting(dir);
  const totalBytes = info.blocks * info.bsize;
  const freeBytes = info.bfree * info.bsize;
  return {
    path: dir,
    totalBytes,
    usedBytes: totalBytes - freeBytes,
    // bavail, not bfree: blocks reserved for root are not available to the owner's files.
    availableBytes: info.bavail * info.bsize,
  };
}

/** The data directory may not exist yet on a fresh box; its filesystem is its parent's. */
async function statfsOfNearestExisting(dir: string) {
  let current = path.resolve(dir);
  for (;;) {
    try {
      return await statfs(current);
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

function networkAddresses(): NetworkAddress[] {
  const addresses: NetworkAddress[] = [];
  for (const [name, entries] of Object.entries(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      addresses.push({ interface: name, family: entry.family, address: entry.address });
    }
  }
  return addresses;
}
