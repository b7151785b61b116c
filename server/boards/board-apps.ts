import { boardAvailability } from '../apps/availability.js';
import type { AnyAppDefinition } from '../apps/types.js';
import type { BoardService } from './board-service.js';
import type { BoardProfile } from './types.js';

/**
 * The board's recommended settings for the apps that have them: the swap file's
 * size and place, zram's share of RAM and compressor, logs in RAM or not.
 */
export function boardDefaultsFor(appId: string, profile: BoardProfile): Record<string, unknown> | undefined {
  const { swap, zram, logsInRam } = profile.defaults;
  if (appId === 'swapfile') return swap ? { enabled: true, path: swap.path, sizeMiB: swap.sizeMiB } : { enabled: false };
  if (appId === 'zram') return { enabled: zram.enabled, percentOfRam: zram.percentOfRam, algorithm: zram.algorithm };
  if (appId === 'logs-in-ram') return { enabled: logsInRam };
  return undefined;
}

/**
 * The apps as this board sees them: unavailable (with the reason) when the profile
 * hides them or the board lacks what they need, and — until the owner has saved an
 * app once — the board's recommendations as the form's starting values. What the
 * system really has (the status) still wins over a recommendation, and anything the
 * owner saved wins over both.
 */
export function withBoard(apps: readonly AnyAppDefinition[], board: BoardService): AnyAppDefinition[] {
  return apps.map((app) => ({
    ...app,
    async availability(env) {
      const fromBoard = boardAvailability(app, (await board.detect()).profile);
      if (!fromBoard.available) return fromBoard;
      return app.availability ? app.availability(env) : { available: true };
    },
    async status(env) {
      const status = await app.status(env);
      const recommended = boardDefaultsFor(app.id, (await board.detect()).profile);
      if (!recommended || env.saved.get(app.id) !== undefined) return status;
      return { ...status, values: { ...recommended, ...status.values } };
    },
  }));
}
