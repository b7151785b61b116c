import { readFileSync } from 'node:fs';
import { HearthError } from '../errors.js';
import type { ApplianceOptions } from '../appliance.js';
import type { AnyAppDefinition } from '../apps/types.js';
import type { JobRecord } from '../jobs/job-store.js';
import type { SandboxState } from '../system/sandbox.js';
import { createSandboxSystem } from '../system/sandbox.js';
import { testAppliance } from './temp-root.js';

/**
 * An app under test: the real app service, jobs and sandbox system on a temporary
 * root. `run` goes through the same path as the panel and the CLI.
 */
export function appHarness(options: Partial<ApplianceOptions> & { apps?: readonly AnyAppDefinition[] } = {}) {
  const appliance = testAppliance(options);
  const sandbox = createSandboxSystem(appliance.paths);
  const starter = { startedBy: 'cli:test', language: 'en' };
  return {
    appliance,
    /** Runs the app to the end; returns the job and its log lines. */
    async run(id: string, input: Record<string, unknown> = {}, action?: string): Promise<{ job: JobRecord; log: string[] }> {
      const { id: jobId, done } = await appliance.apps.start(id, input, starter, action);
      const job = await done;
      return { job, log: appliance.jobs.linesAfter(jobId, 0).map((line) => line.text) };
    },
    /** The field errors a run is refused with (and asserts it is refused). */
    async refused(id: string, input: Record<string, unknown>): Promise<Array<{ param: string; key: string }>> {
      try {
        await appliance.apps.start(id, input, starter);
      } catch (error) {
        if (error instanceof HearthError && error.code === 'HEARTH_ERR_APP_PARAMS_INVALID') return (error.fields ?? []).map(({ param, key }) => ({ param, key }));
        throw error;
      }
      throw new Error(`${id} accepted ${JSON.stringify(input)}`);
    },
    /** Every host program the sandbox recorded, as argv arrays. */
    async programs(): Promise<string[][]> {
      return (await sandbox.sandboxState()).programs.map((p) => p.argv);
    },
    state(): Promise<SandboxState> {
      return sandbox.sandboxState();
    },
    /** A file under the root, or undefined. */
    file(relative: string): string | undefined {
      try {
        return readFileSync(appliance.paths.systemFile(relative), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
