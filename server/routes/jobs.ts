import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { HearthError } from '../errors.js';
import { followJob } from '../jobs/follow-job.js';
import { summarizeJob } from '../jobs/job-summary.js';
import { watchJobs } from '../jobs/watch-jobs.js';
import { errorResponses } from '../schemas/api.js';
import { JobDetail, JobSummary } from '../schemas/apps.js';

// Path and query values arrive as text (type coercion is off, so bodies are judged strictly).
const number = (max = 15) => Type.String({ pattern: `^(0|[1-9]\\d{0,${max}})$` });
const JobParams = Type.Object({ id: number() });

const jobsRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  const { jobs, runner } = appliance;
  const reap = () => runner.reapInterrupted();
  // A daemon that stops or restarts (a snapshot rollback) ends its live streams first: their loops read the
  // database, which closes right after, and an open stream would otherwise hold the server's close.
  const streams = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.abort();
  });
  const openStream = () => {
    const controller = new AbortController();
    streams.add(controller);
    controller.signal.addEventListener('abort', () => streams.delete(controller), { once: true });
    return controller;
  };

  function findJob(id: number) {
    const job = jobs.get(id);
    if (!job) throw new HearthError('HEARTH_ERR_JOB_NOT_FOUND', { job: id });
    return job;
  }

  app.get(
    '/api/jobs',
    {
      schema: {
        summary: 'Job history, newest first',
        querystring: Type.Object({ limit: Type.Optional(number(3)) }),
        response: { 200: Type.Object({ jobs: Type.Array(JobSummary) }), ...errorResponses },
      },
    },
    async (request) => {
      reap();
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50), 1), 500);
      return { jobs: jobs.recent(limit).map((job) => summarizeJob(job, request.t)) };
    },
  );

  // Registered before /api/jobs/:id so "events" is not taken for an id.
  app.get(
    '/api/jobs/events',
    { sse: true, schema: { summary: 'Server-Sent Events: a "job" event whenever a job starts or ends, from any process', response: { 200: Type.Any(), ...errorResponses } } },
    async (request, reply) => {
      if (!reply.sse) throw new HearthError('HEARTH_ERR_VALIDATION', { field: 'accept' });
      const controller = openStream();
      reply.sse.keepAlive();
      reply.sse.onClose(() => controller.abort());
      // Headers now, not with the first event: the browser's EventSource opens on them.
      reply.sse.sendHeaders();
      for await (const job of watchJobs(jobs, { signal: controller.signal, reap })) {
        await reply.sse.send({ event: 'job', data: summarizeJob(job, request.t) });
      }
      controller.abort();
      reply.sse.close();
    },
  );

  app.get(
    '/api/jobs/:id',
    { schema: { summary: 'A job with its whole log', params: JobParams, response: { 200: JobDetail, ...errorResponses } } },
    async (request) => {
      reap();
      const job = findJob(Number(request.params.id));
      return { ...summarizeJob(job, request.t), lines: jobs.linesAfter(job.id, 0) };
    },
  );

  app.get(
    '/api/jobs/:id/events',
    {
      sse: true,
      schema: {
        summary:
          'Server-Sent Events: the log of a job, live — a "line" event per line (id = line number; resume with Last-Event-ID or ?after=N), "progress" events for long jobs, then an "end" event. Without Accept: text/event-stream, the lines after N as JSON.',
        params: JobParams,
        querystring: Type.Object({ after: Type.Optional(number()) }),
        response: { 200: Type.Any(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const job = findJob(Number(request.params.id));
      const lastEventId = reply.sse?.lastEventId;
      const after = lastEventId && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : Number(request.query.after ?? 0);
      if (!reply.sse) return { ...summarizeJob(job, request.t), lines: jobs.linesAfter(job.id, after) };
      const controller = openStream();
      reply.sse.keepAlive();
      reply.sse.onClose(() => controller.abort());
      reply.sse.sendHeaders();
      for await (const event of followJob(jobs, job.id, { afterSeq: after, signal: controller.signal, reap })) {
        if (event.type === 'line') await reply.sse.send({ id: String(event.line.seq), event: 'line', data: event.line });
        else if (event.type === 'progress') await reply.sse.send({ event: 'progress', data: event.progress });
        else await reply.sse.send({ event: 'end', data: summarizeJob(event.job, request.t) });
      }
      controller.abort();
      reply.sse.close();
    },
  );
};

export default jobsRoutes;
