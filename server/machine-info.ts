import type { Appliance } from './appliance.js';
import { appVersion } from './paths.js';
import type { SystemInfo } from './schemas/api.js';

/** What the dashboard and `hearth info` say about the machine. */
export async function readMachineInfo(appliance: Appliance): Promise<SystemInfo> {
  const facts = await appliance.system.hostFacts();
  return {
    ...facts,
    mdnsName: `${facts.hostname}.local`,
    version: appVersion,
    // Board detection arrives with board profiles; until then the board is not named.
    board: null,
  };
}
