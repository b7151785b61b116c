/**
 * Runs a job on a Hearth root from a process of its own, the way `hearth app run`
 * does over SSH (the same appliance, runner and job tables), but with log lines the
 * test chooses: no app prints markup or escape sequences on purpose, and the browser
 * tests must show that such output stays text.
 *
 *   node run-job.mjs <dist/server> <root> '{"appId":"hostname","lines":[{"stream":"out","text":"…","pauseMs":1000}],"delayMs":200}'
 *
 * With "failWith":"…" the job throws after its lines and ends failed.
 * Prints {"id":N,"status":"succeeded"} when the job has ended.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const [distServer, root, spec] = process.argv.slice(2);
if (!distServer || !root || !spec) {
  console.error('usage: run-job.mjs <dist/server> <root> <json spec>');
  process.exit(2);
}
const { appId, action = 'apply', lines, delayMs = 0, startedBy = 'cli:e2e', failWith } = JSON.parse(spec);
const load = (file) => import(pathToFileURL(path.join(distServer, file)).href);
const { createAppliance } = await load('appliance.js');
const { appLock } = await load('jobs/locks.js');

const appliance = createAppliance({ root, systemKind: 'sandbox' });
try {
  const started = appliance.runner.start(
    { appId, action, startedBy, params: {}, language: 'en', locks: [appLock(appId)] },
    async (job) => {
      for (const line of lines) {
        job.output(line.stream, line.text);
        const pause = delayMs + (line.pauseMs ?? 0);
        if (pause) await delay(pause);
      }
      // As a program or an app's own code failing: the job ends "failed".
      if (failWith) throw new Error(failWith);
    },
  );
  const job = await started.done;
  process.stdout.write(JSON.stringify({ id: job.id, status: job.status }) + '\n');
} finally {
  await appliance.runner.idle();
  appliance.close();
}
