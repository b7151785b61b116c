import type { Appliance } from './appliance.js';
import { appVersion } from './paths.js';
import type { SystemInfo } from './schemas/api.js';

/** What the dashboard and `hearth info` say about the machine. */
export async function readMachineInfo(appliance: Appliance): Promise<SystemInfo> {
  const [facts, detection, temperature] = await Promise.all([appliance.system.hostFacts(), appliance.board.detect(), appliance.board.temperature()]);
  return {
    ...facts,
    mdnsName: `${facts.hostname}.local`,
    version: appVersion,
    board: detection.profile.name,
    // The board profile's own sensor where it names one; the host's guess otherwise.
    cpuTemperatureCelsius: temperature.celsius ?? facts.cpuTemperatureCelsius,
    cpuTemperatureWarnCelsius: temperature.warnCelsius,
  };
}
