import type { TFunction } from 'i18next';

export { formatBytes } from '../../server/format';

/** "3 days 4 hours", "5 hours 12 minutes", "7 minutes": the two largest units, translated. */
export function formatUptime(t: TFunction, totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  if (days === 0 && hours === 0 && minutes === 0) return t('panel:duration.lessThanAMinute');
  const parts: string[] = [];
  if (days > 0) parts.push(t('panel:duration.days', { count: days }));
  if (hours > 0) parts.push(t('panel:duration.hours', { count: hours }));
  if (days === 0 && minutes > 0) parts.push(t('panel:duration.minutes', { count: minutes }));
  return parts.join(t('panel:duration.separator'));
}

/** Like df's Use%: used against what the owner can use (reserved blocks left out). */
export function diskUsedPercent(disk: { usedBytes: number; availableBytes: number }): number {
  const usable = disk.usedBytes + disk.availableBytes;
  return usable > 0 ? (disk.usedBytes / usable) * 100 : 0;
}

export function memoryUsedPercent(memory: { totalBytes: number; availableBytes: number }): number {
  return memory.totalBytes > 0 ? ((memory.totalBytes - memory.availableBytes) / memory.totalBytes) * 100 : 0;
}

/**
 * "now", "5 minutes ago", "yesterday" for a time of the box; a date after a week. A
 * time ahead of this device's clock (the two disagree a little) is "now".
 */
export function formatRelativeTime(language: string | undefined, iso: string, nowMs: number): string {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  const seconds = Math.min(0, Math.round((at - nowMs) / 1000));
  const relative = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
  const ago = -seconds;
  if (ago < 45) return relative.format(0, 'second');
  if (ago < 45 * 60) return relative.format(-Math.max(1, Math.round(ago / 60)), 'minute');
  if (ago < 22 * 3_600) return relative.format(-Math.max(1, Math.round(ago / 3_600)), 'hour');
  if (ago < 6 * 86_400) return relative.format(-Math.max(1, Math.round(ago / 86_400)), 'day');
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}
