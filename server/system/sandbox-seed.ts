import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Paths } from '../paths.js';
import { replaceSymlink } from './atomic-write.js';

/**
 * Read-only data of the host that the demo root borrows, so apps that consult it
 * (the timezone app reads the tz database) work in `npm start` as on a board.
 * Links, never copies; nothing of the host is written.
 */
const borrowed = ['usr/share/zoneinfo'];

export async function seedSandboxRoot(paths: Paths): Promise<void> {
  for (const relative of borrowed) {
    const hostPath = path.join('/', relative);
    const inRoot = paths.systemFile(relative);
    if (existsSync(hostPath) && !existsSync(inRoot)) await replaceSymlink(hostPath, inRoot);
  }
}
