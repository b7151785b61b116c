import { existsSync } from 'node:fs';
import path from 'node:path';
import { fixtureById } from '../boards/fixtures/definitions.js';
import type { Paths } from '../paths.js';
import { replaceSymlink, writeFileAtomic } from './atomic-write.js';

/**
 * Read-only data of the host that the demo root borrows, so apps that consult it
 * (the timezone app reads the tz database) work in `npm start` as on a board.
 * Links, never copies; nothing of the host is written.
 */
const borrowed = ['usr/share/zoneinfo'];

/** The board `npm start` pretends to be: its files come from the detection fixtures (server/boards/fixtures/). */
export const demoBoard = 'raspberrypi-4b';

export async function seedSandboxRoot(paths: Paths): Promise<void> {
  for (const relative of borrowed) {
    const hostPath = path.join('/', relative);
    const inRoot = paths.systemFile(relative);
    if (existsSync(hostPath) && !existsSync(inRoot)) await replaceSymlink(hostPath, inRoot);
  }
  await seedDemoBoard(paths);
}

/**
 * On first start the demo root gets a Raspberry Pi 4's /proc/device-tree, /proc/cpuinfo,
 * /proc/meminfo and thermal sensor, so the dashboard shows a real board. Done once
 * (sandbox-board.json records it): a file changed by hand afterwards stays changed.
 */
async function seedDemoBoard(paths: Paths): Promise<void> {
  const marker = path.join(paths.stateDir, 'sandbox-board.json');
  const fixture = fixtureById(demoBoard);
  if (existsSync(marker) || !fixture) return;
  for (const [relative, content] of Object.entries(fixture.files)) {
    const file = paths.systemFile(relative);
    if (!existsSync(file)) await writeFileAtomic(file, content);
  }
  await writeFileAtomic(marker, JSON.stringify({ fixture: fixture.id, arch: fixture.arch }, null, 2) + '\n');
}
