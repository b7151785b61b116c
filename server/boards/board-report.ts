import type { Translate } from '../i18n.js';
import type { BoardInfo } from '../schemas/board.js';
import type { BoardService } from './board-service.js';

/**
 * The board as the API and `hearth board --json` give it: the profile's facts, the
 * rule and facts of the detection, quirks and warnings translated, and the CPU
 * temperature now (the profile's sensor, else the host's own reading).
 */
export async function boardReport(board: BoardService, t: Translate, hostTemperature?: () => Promise<number | null>): Promise<BoardInfo> {
  const detection = await board.detect();
  const { profile, rule, facts, warnings } = detection;
  const sensor = await board.temperature();
  const temperatureCelsius = sensor.celsius ?? (hostTemperature ? await hostTemperature().catch(() => null) : null);
  return {
    id: profile.id,
    name: profile.name,
    vendor: profile.vendor,
    soc: profile.soc,
    cpu: profile.cpu ?? null,
    architectures: [...profile.architectures],
    generic: Boolean(profile.detection.generic),
    rule: { kind: rule.kind, label: t(`boards:rules.${rule.kind}`), file: rule.file, value: rule.value },
    facts,
    ram: profile.ram,
    network: { ethernetMbps: profile.network.ethernetMbps, ethernetVia: profile.network.ethernetVia ?? null, wifi: profile.network.wifi },
    usb3Ports: profile.usb3Ports,
    usb2Ports: profile.usb2Ports ?? null,
    sata: { ports: profile.sata.ports, via: profile.sata.via ?? null },
    bootMedia: [...profile.bootMedia],
    thermal: profile.thermal,
    temperatureCelsius,
    leds: profile.leds,
    quirks: profile.quirks.map((id) => ({ id, text: t(`boards:quirks.${id}`) })),
    warnings: warnings.map((warning) => ({ key: warning.key, text: t(warning.key, warning.params), params: warning.params })),
    recommended: profile.defaults,
  };
}
