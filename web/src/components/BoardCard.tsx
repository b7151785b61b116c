import { useTranslation } from 'react-i18next';
import type { BoardInfo } from '../../../server/schemas/board';
import { api } from '../api/endpoints';
import { formatBytes } from '../format';
import { useApiData } from '../hooks/useApiData';
import { BoardIcon } from './BoardIcon';
import { ErrorMessage } from './ErrorMessage';
import '../board.css';

/**
 * The board this box runs on (GET /api/board): name, vendor, SoC, RAM, what it has
 * for a NAS (Ethernet, USB 3, SATA), how it boots, its quirks, and how it was
 * recognised. Fetched once and again when the language changes: none of it moves.
 */
export function BoardCard() {
  const { t } = useTranslation();
  const { data, problem } = useApiData('board', (options) => api.board({ ...options, background: true }));
  if (problem) {
    return (
      <section className="card card-wide" aria-labelledby="board-heading">
        <h2 id="board-heading">{t('boards:panel.heading')}</h2>
        <ErrorMessage problem={problem} />
      </section>
    );
  }
  return data ? <BoardFacts board={data} /> : null;
}

function BoardFacts({ board }: { board: BoardInfo }) {
  const { t } = useTranslation();
  const unknown = t('boards:panel.unknown');
  const none = t('boards:panel.none');
  const orUnknown = (value: string | null, absent = none) => value ?? (board.generic ? unknown : absent);
  const count = (n: number | null) => (n === null ? unknown : n === 0 ? none : String(n));
  const { facts, network, sata } = board;

  const ram =
    facts.memTotalBytes === null
      ? unknown
      : facts.nominalRamMiB
        ? t('boards:panel.ramNominal', { total: formatBytes(facts.memTotalBytes), nominal: facts.nominalRamMiB })
        : t('boards:panel.ramUsable', { total: formatBytes(facts.memTotalBytes) });
  const ethernet =
    network.ethernetMbps === null
      ? orUnknown(null)
      : network.ethernetVia && network.ethernetVia !== 'soc'
        ? t('boards:panel.ethernetVia', { speed: network.ethernetMbps, via: t(`boards:via.${network.ethernetVia}`) })
        : t('boards:panel.ethernetSpeed', { speed: network.ethernetMbps });
  const sataText =
    sata.ports === null
      ? unknown
      : sata.ports === 0
        ? none
        : sata.via && sata.via !== 'soc'
          ? t('boards:panel.sataVia', { count: sata.ports, via: t(`boards:via.${sata.via}`) })
          : t('boards:panel.sataPorts', { count: sata.ports });
  const rows: Array<[string, string]> = [
    [t('boards:panel.vendor'), board.vendor],
    [t('boards:panel.soc'), board.soc],
    ...(board.cpu ? [[t('boards:panel.cpu'), board.cpu] as [string, string]] : []),
    [t('boards:panel.ram'), ram],
    [t('boards:panel.ethernet'), ethernet],
    [t('boards:panel.wifi'), orUnknown(network.wifi)],
    [t('boards:panel.usb3'), count(board.usb3Ports)],
    [t('boards:panel.sata'), sataText],
    [t('boards:panel.boot'), board.bootMedia.length ? board.bootMedia.map((m) => t(`boards:panel.media.${m}`)).join(', ') : unknown],
  ];

  return (
    <section className="card card-wide board-card" aria-labelledby="board-heading">
      <p className="card-kicker">{t('boards:panel.heading')}</p>
      <div className="board-card-head">
        <BoardIcon label={t('boards:panel.icon')} />
        <h2 id="board-heading">{board.name}</h2>
      </div>
      <dl className="facts">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {board.quirks.length > 0 && (
        <ul className="board-notes" aria-label={t('boards:panel.quirks')}>
          {board.quirks.map((quirk) => (
            <li key={quirk.id}>{quirk.text}</li>
          ))}
        </ul>
      )}
      {board.warnings.length > 0 && (
        <div className="board-warnings" role="note" aria-label={t('boards:panel.warnings')}>
          {board.warnings.map((warning, i) => (
            <p key={i}>{warning.text}</p>
          ))}
        </div>
      )}
      <p className="board-detected">
        <strong>{t('boards:cli.recommended')}:</strong> {recommendation(t, board.recommended)}
      </p>
      <p className="muted board-detected">{t('boards:panel.detectedBy', { rule: board.rule.label, value: board.rule.value })}</p>
    </section>
  );
}

/** The board's recommended settings in one line; the swap-file and zram forms start from them. */
function recommendation(t: (key: string, params?: Record<string, unknown>) => string, r: BoardInfo['recommended']): string {
  return [
    r.swap ? t('boards:cli.recommendSwap', { size: r.swap.sizeMiB, path: r.swap.path }) : t('boards:cli.recommendNoSwap'),
    r.zram.enabled ? t('boards:cli.recommendZram', { percent: r.zram.percentOfRam, algorithm: r.zram.algorithm }) : t('boards:cli.recommendZramOff'),
    ...(r.logsInRam ? [t('boards:cli.recommendLogs')] : []),
  ].join('; ');
}
