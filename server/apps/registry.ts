import type { AnyAppDefinition } from './types.js';
import hostname from './config/hostname.js';
import timezone from './config/timezone.js';
import notifications from './config/notifications.js';
import backups from './backups/backups.js';
import snapshots from './backups/snapshots.js';
import configExport from './backups/config-export.js';
import configImport from './backups/config-import.js';
import swapfile from './system/swapfile.js';
import zram from './system/zram.js';
import logsInRam from './system/logs-in-ram.js';
import power from './system/power.js';
import storageFormat from './system/storage-format.js';
import storageAutomount from './system/storage-automount.js';
import datadir from './system/datadir.js';
import panelAccess from './security/panel-access.js';
import ssh from './security/ssh.js';
import updates from './updates/updates.js';

/**
 * Every config app, in the order the menu lists them within a category. Adding an
 * app: its file under server/apps/<category>/, one line here, its texts in
 * locales/<lng>/app-<id>.json, its test next to it (docs/architecture.md).
 */
export const allApps: readonly AnyAppDefinition[] = [
  backups,
  snapshots,
  configExport,
  configImport,
  hostname,
  timezone,
  notifications,
  panelAccess,
  ssh,
  swapfile,
  zram,
  logsInRam,
  storageFormat,
  storageAutomount,
  datadir,
  power,
  updates,
];
