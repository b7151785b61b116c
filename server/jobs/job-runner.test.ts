import { describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { appHarness } from '../testing/app-harness.js';
import { followJob } from './follow-job.js';

const request = { appId: 'hostname', action: 'apply', startedBy: 'cli:root', params: { hostname: 'x' }, language: 'en', locks: ['app:hostname'] };

describe('job runner', () => {
  it('logs commands and their output line by line, in order', async () => {
    const { appliance } = appHarness();
    const { id, done } = appliance.runner.start(request, async (job) => {
      job.info('starting');
      await job.run(['sh', '-c', 'printf "one\\ntwo\\n"; printf "warn\\n" >&2; printf "partial"']);
      job.output('out', 'after');
    });
    expect((await done).status).toBe('succeeded');
    const lines = appliance.jobs.linesAfter(id, 0);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.filter((l) => l.stream !== 'err').map((l) => l.text)).toEqual(['starting', `$ sh -c 'printf "one\\ntwo\\n"; printf "warn\\n" >&2; printf "partial"'`, 'one', 'two', 'partial', 'after']);
    expect(lines.find((l) => l.stream === 'err')?.text).toBe('warn');
  });

  it('fails the job with the program and its exit code', async () => {
    const { appliance } = appHarness();
    const { id, done } = appliance.runner.start(request, async (job) => {
      await job.run(['sh', '-c', 'exit 4']);
    });
    const job = await done;
    expect(job).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_PROGRAM_FAILED', errorParams: { program: 'sh', code: 4 } });
    expect(appliance.jobs.linesAfter(id, 0).at(-1)!.text).toBe('The program sh failed (exit 4).');
  });

  it('writes the failure reason in the language of whoever started the job', async () => {
    const { appliance } = appHarness();
    const { id, done } = appliance.runner.start({ ...request, language: 'zh-CN' }, async () => {
      throw new HearthError('HEARTH_ERR_PROGRAM_NOT_FOUND', { program: 'sshd' });
    });
    await done;
    expect(appliance.jobs.linesAfter(id, 0).at(-1)!.text).toBe('未安装程序 sshd。');
  });

  it('streams a running job to a follower from any line, then its end', async () => {
    const { appliance } = appHarness();
    const gates: Array<() => void> = [];
    const { id, done } = appliance.runner.start(request, async (job) => {
      for (let i = 1; i <= 5; i++) {
        job.info(`line ${i}`);
        await new Promise<void>((resolve) => gates.push(resolve));
      }
    });
    const seen: string[] = [];
    const follower = (async () => {
      for await (const event of followJob(appliance.jobs, id, { afterSeq: 2, pollMs: 5 })) {
        if (event.type !== 'progress') seen.push(event.type === 'line' ? event.line.text : `end:${event.job.status}`);
      }
    })();
    // Let the job go on one line at a time while the follower reads.
    for (let released = 0; released < 5; released++) {
      while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
      gates.shift()!();
    }
    await done;
    await follower;
    expect(seen).toEqual(['line 3', 'line 4', 'line 5', 'end:succeeded']);
  });

  it('keeps a bounded history', async () => {
    const { appliance } = appHarness();
    appliance.settings.set('jobs.historyLimit', 10);
    for (let i = 0; i < 15; i++) await appliance.runner.start(request, async (job) => job.info(`run ${i}`)).done;
    const kept = appliance.jobs.recent(100);
    expect(kept).toHaveLength(10);
    expect(kept[0]!.params).toEqual({ hostname: 'x' });
    expect(appliance.db.prepare('SELECT COUNT(DISTINCT job_id) FROM job_log').pluck().get()).toBe(10);
  });
});
