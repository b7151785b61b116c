import { createAppliance } from '../../appliance.js';
import { formatBytes } from '../../format.js';
import { readMachineInfo } from '../../machine-info.js';
import type { CliContext } from '../context.js';
import { resolveRoot, resolveSystemKind } from '../options.js';

/** `hearth info [--json]` — like ncp-info: what this box is and how it is doing. */
export async function infoCommand(ctx: CliContext, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    const machine = await readMachineInfo(appliance);
    const activatedAt = appliance.settings.get('activation.activatedAt');
    if (options.json) {
      ctx.stdout(JSON.stringify({ ...machine, activated: activatedAt !== null, activatedAt, root: appliance.paths.root }, null, 2) + '\n');
      return 0;
    }
    const { t } = ctx;
    // As df's Use%: blocks reserved for root count neither as used nor as available.
    const usable = machine.disk.usedBytes + machine.disk.availableBytes;
    const percent = usable ? Math.round((machine.disk.usedBytes / usable) * 100) : 0;
    const rows: Array<[string, string]> = [
      [t('cli:info.version'), machine.version],
      [t('cli:info.board'), machine.board ?? t('cli:info.boardUnknown')],
      [t('cli:info.hostname'), `${machine.hostname} (${machine.mdnsName})`],
      [
        t('cli:info.addresses'),
        machine.addresses.length ? machine.addresses.map((a) => `${a.address} (${a.interface})`).join(', ') : t('cli:info.noAddresses'),
      ],
      [
        t('cli:info.disk'),
        t('cli:info.diskUsage', {
          used: formatBytes(machine.disk.usedBytes),
          total: formatBytes(machine.disk.totalBytes),
          percent,
          available: formatBytes(machine.disk.availableBytes),
          path: machine.disk.path,
        }),
      ],
      [t('cli:info.activation'), activatedAt ? t('cli:info.activated', { at: activatedAt }) : t('cli:info.notActivated')],
    ];
    const width = Math.max(...rows.map(([label]) => [...label].length));
    for (const [label, value] of rows) ctx.stdout(`${label.padEnd(width)}  ${value}\n`);
    return 0;
  } finally {
    appliance.close();
  }
}
