import os from 'node:os';
import path from 'node:path';
import type { System } from '../system/index.js';
import { readBoardInput } from './board-files.js';
import { builtInFallback, detectBoard } from './detect.js';
import { loadProfiles, type LoadedProfiles } from './profiles.js';
import type { BoardDetection, BoardProfile } from './types.js';

export interface BoardServiceOptions {
  system: System;
  /** Tests and `hearth board` on another board's files: the directory of profiles and the schema. */
  profilesDir?: string;
  schemaFile?: string;
  /** os.arch() of the box; tests give the fixture's. */
  arch?: string;
}

export interface CpuTemperature {
  celsius: number | null;
  /** The profile's sensor file (as the board names it), when that is what was read. */
  sensor: string | null;
  warnCelsius: number;
  throttleCelsius: number | null;
  criticalCelsius: number | null;
}

/** What `npm start` pretends to run on: written by the sandbox seed next to the sandbox state. */
export const sandboxBoardFile = (system: System) => path.join(system.paths.stateDir, 'sandbox-board.json');

/**
 * The board this appliance runs on: profiles loaded once, detection run once (at
 * daemon start, or when a CLI command asks) and kept. Never throws: an unreadable
 * file or a broken profile ends in a generic profile with a warning.
 */
export function createBoardService(options: BoardServiceOptions) {
  const { system } = options;
  let loading: Promise<LoadedProfiles> | undefined;
  let detecting: Promise<BoardDetection> | undefined;
  let detected: BoardDetection | undefined;

  function profiles(): Promise<LoadedProfiles> {
    loading ??= loadProfiles(options.profilesDir, options.schemaFile).catch((error: Error) => ({
      profiles: [],
      problems: [{ file: 'schema.json', field: '', message: error.message }],
    }));
    return loading;
  }

  async function arch(): Promise<string> {
    if (options.arch) return options.arch;
    if (system.kind === 'sandbox') {
      const pretend = await system.readFile(sandboxBoardFile(system)).catch(() => undefined);
      try {
        const value = pretend ? (JSON.parse(pretend) as { arch?: unknown }).arch : undefined;
        if (typeof value === 'string' && value) return value;
      } catch {
        // A damaged demo file: the real architecture will do.
      }
    }
    return os.arch();
  }

  async function run(): Promise<BoardDetection> {
    const [{ profiles: list }, boxArch] = await Promise.all([profiles(), arch()]);
    try {
      return detectBoard(list, await readBoardInput(system), boxArch);
    } catch (error) {
      const profile = list.find((p) => p.detection.generic === 'fallback') ?? builtInFallback;
      return {
        profile,
        rule: { kind: 'fallback', file: null, value: boxArch },
        facts: { arch: boxArch, model: null, compatible: [], piRevision: null, armbian: null, dmi: null, memTotalBytes: null, nominalRamMiB: null },
        warnings: [{ key: 'boards:warnings.readFailed', params: { detail: (error as Error).message } }],
      };
    }
  }

  return {
    profiles,
    /** The detection, run once and kept. */
    detect(): Promise<BoardDetection> {
      detecting ??= run().then((result) => (detected = result));
      return detecting;
    },
    /** Forget the kept detection and read the files again. */
    redetect(): Promise<BoardDetection> {
      detecting = undefined;
      return this.detect();
    },
    /** The kept detection, if it ran already. */
    current(): BoardDetection | undefined {
      return detected;
    },
    /** The CPU temperature from the profile's sensor, with the profile's limits. */
    async temperature(): Promise<CpuTemperature> {
      const { profile } = await this.detect();
      return { ...(await readSensor(system, profile)), warnCelsius: profile.thermal.warnCelsius, throttleCelsius: profile.thermal.throttleCelsius, criticalCelsius: profile.thermal.criticalCelsius };
    },
  };
}

export type BoardService = ReturnType<typeof createBoardService>;

/** The sensor holds millidegrees Celsius ("48686\n"); anything else reads as no value. */
async function readSensor(system: System, profile: BoardProfile): Promise<{ celsius: number | null; sensor: string | null }> {
  const sensor = profile.thermal.sensor;
  if (!sensor) return { celsius: null, sensor: null };
  const text = await system.readFile(system.paths.systemFile(sensor)).catch(() => undefined);
  const value = text?.trim();
  if (!value || !/^-?\d+$/.test(value)) return { celsius: null, sensor };
  return { celsius: Number(value) / 1000, sensor };
}
