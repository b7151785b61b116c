import { createAppliance } from '../../appliance.js';
import { boardReport } from '../../boards/board-report.js';
import { formatBytes } from '../../format.js';
import type { CliContext } from '../context.js';
import { resolveRoot, resolveSystemKind } from '../options.js';

/** `hearth board [--json]` — the board, the rule that recognised it, the facts read, and what suits it. */
export async function boardCommand(ctx: CliContext, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    const { t } = ctx;
    const [report, { problems }] = await Promise.all([
      boardReport(appliance.board, t, async () => (await appliance.system.hostFacts()).cpuTemperatureCelsius),
      appliance.board.profiles(),
    ]);
    if (options.json) {
      ctx.stdout(JSON.stringify({ ...report, problems }, null, 2) + '\n');
      return 0;
    }
    const unknown = t('boards:cli.unknown');
    const none = t('boards:cli.none');
    const count = (n: number | null) => (n === null ? unknown : n === 0 ? none : String(n));
    const { facts, network, sata } = report;
    const rows: Array<[string, string]> = [
      [t('boards:cli.board'), `${report.name} (${report.id})`],
      [t('boards:cli.vendor'), report.vendor],
      [t('boards:cli.soc'), report.soc],
      ...(report.cpu ? [[t('boards:cli.cpu'), report.cpu] as [string, string]] : []),
      [
        t('boards:cli.rule'),
        report.rule.file
          ? t('boards:cli.ruleValue', { rule: report.rule.label, value: report.rule.value, file: report.rule.file })
          : t('boards:cli.ruleValueNoFile', { rule: report.rule.label, value: report.rule.value }),
      ],
      ...(facts.model ? [[t('boards:cli.model'), facts.model] as [string, string]] : []),
      ...(facts.piRevision
        ? [[
            t('boards:cli.revision'),
            t('boards:cli.revisionValue', {
              code: facts.piRevision.code,
              type: facts.piRevision.typeName ?? '?',
              revision: facts.piRevision.boardRevision ?? '?',
              memory: facts.piRevision.memoryMiB ?? '?',
              manufacturer: facts.piRevision.manufacturer ?? '?',
            }),
          ] as [string, string]]
        : []),
      ...(facts.armbian ? [[t('boards:cli.armbian'), [facts.armbian.boardName, facts.armbian.board && `BOARD=${facts.armbian.board}`, facts.armbian.version].filter(Boolean).join(', ')] as [string, string]] : []),
      ...(facts.dmi ? [[t('boards:cli.dmi'), [facts.dmi.sysVendor, facts.dmi.productName, facts.dmi.boardName].filter(Boolean).join(' / ')] as [string, string]] : []),
      [t('boards:cli.arch'), facts.arch],
      [t('boards:cli.ram'), ram(t, facts.memTotalBytes, facts.nominalRamMiB)],
      [t('boards:cli.ethernet'), ethernet(t, report)],
      [t('boards:cli.wifi'), network.wifi ?? (report.generic ? unknown : none)],
      [t('boards:cli.usb3'), count(report.usb3Ports)],
      [t('boards:cli.sata'), sata.ports && sata.via ? t('boards:cli.sataVia', { ports: sata.ports, via: t(`boards:via.${sata.via}`) }) : count(sata.ports)],
      [t('boards:cli.boot'), report.bootMedia.length ? report.bootMedia.map((m) => t(`boards:panel.media.${m}`)).join(', ') : unknown],
      [t('boards:cli.temperature'), temperature(t, report.temperatureCelsius, report.thermal.warnCelsius)],
      [t('boards:cli.recommended'), recommended(t, report.recommended)],
    ];
    const width = Math.max(...rows.map(([label]) => [...label].length));
    for (const [label, value] of rows) ctx.stdout(`${label.padEnd(width)}  ${value}\n`);
    const list = (title: string, items: string[]) => {
      if (items.length) ctx.stdout(`\n${title}\n${items.map((item) => `  - ${item}\n`).join('')}`);
    };
    list(t('boards:cli.quirks'), report.quirks.map((q) => q.text));
    list(t('boards:cli.warnings'), report.warnings.map((w) => w.text));
    list(t('boards:cli.problems'), problems.map((p) => t('boards:problem', { ...p })));
    return 0;
  } finally {
    appliance.close();
  }
}

type T = CliContext['t'];

function ram(t: T, memTotalBytes: number | null, nominalMiB: number | null): string {
  if (memTotalBytes === null) return t('boards:cli.unknown');
  const total = formatBytes(memTotalBytes);
  return nominalMiB ? t('boards:cli.ramNominal', { total, nominal: nominalMiB }) : t('boards:cli.ramValue', { total });
}

function ethernet(t: T, report: { generic: boolean; network: { ethernetMbps: number | null; ethernetVia: string | null } }): string {
  const { ethernetMbps, ethernetVia } = report.network;
  if (ethernetMbps === null) return report.generic ? t('boards:cli.unknown') : t('boards:cli.none');
  return ethernetVia && ethernetVia !== 'soc' ? t('boards:cli.ethernetVia', { speed: ethernetMbps, via: t(`boards:via.${ethernetVia}`) }) : t('boards:cli.ethernetSpeed', { speed: ethernetMbps });
}

function temperature(t: T, celsius: number | null, limit: number): string {
  if (celsius === null) return t('boards:cli.unknown');
  const shown = Math.round(celsius * 10) / 10;
  return celsius > limit ? t('boards:cli.temperatureHot', { celsius: shown, limit }) : t('boards:cli.temperatureValue', { celsius: shown, limit });
}

function recommended(t: T, r: { swap: { sizeMiB: number; path: string } | null; zram: { enabled: boolean; percentOfRam: number; algorithm: string }; logsInRam: boolean }): string {
  return [
    r.swap ? t('boards:cli.recommendSwap', { size: r.swap.sizeMiB, path: r.swap.path }) : t('boards:cli.recommendNoSwap'),
    r.zram.enabled ? t('boards:cli.recommendZram', { percent: r.zram.percentOfRam, algorithm: r.zram.algorithm }) : t('boards:cli.recommendZramOff'),
    ...(r.logsInRam ? [t('boards:cli.recommendLogs')] : []),
  ].join('; ');
}
