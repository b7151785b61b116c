/**
 * Runs the weekly restore drill now, on a Hearth root, from a process of its own: the
 * very job the scheduler's "restore-drill" task starts on Sundays (the newest archive
 * read back in full, its database checked), without waiting for the clock. Nothing is
 * faked: a damaged archive fails it, the owner is notified and the box records it.
 *
 *   node run-drill.mjs <dist/server> <root>
 *
 * Prints {"id":N,"status":"failed","errorCode":"HEARTH_ERR_…"} when the job has ended.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [distServer, root] = process.argv.slice(2);
if (!distServer || !root) {
  console.error('usage: run-drill.mjs <dist/server> <root>');
  process.exit(2);
}
const { createAppliance } = await import(pathToFileURL(path.join(distServer, 'appliance.js')).href);

const appliance = createAppliance({ root, systemKind: 'sandbox' });
try {
  // As the scheduler starts it (server/backup/backup-service.ts, "restore-drill").
  const { done } = appliance.backups.drill({ startedBy: 'scheduler', language: 'en' });
  const job = await done;
  process.stdout.write(JSON.stringify({ id: job.id, status: job.status, errorCode: job.errorCode }) + '\n');
} finally {
  await appliance.runner.idle();
  appliance.close();
}
