import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { appCategories } from '../apps/types.js';
import { summarizeJob } from '../jobs/job-summary.js';
import { errorResponses } from '../schemas/api.js';
import { AppDetail, AppList, JobSummary, PathCheck, RunAppRequest } from '../schemas/apps.js';

const AppParams = Type.Object({ id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }) });

const apps: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  const { apps: service, jobs } = appliance;

  app.get('/api/apps', { schema: { summary: 'Config apps by category, with their state', response: { 200: AppList, ...errorResponses } } }, async (request) => {
    const all = await service.list(request.t);
    return {
      categories: appCategories
        .map((id) => ({ id, name: request.t(`apps:categories.${id}`), apps: all.filter((a) => a.category === id) }))
        .filter((category) => category.apps.length > 0),
    };
  });

  app.get(
    '/api/apps/:id',
    { schema: { summary: 'One app: its form, state and last runs', params: AppParams, response: { 200: AppDetail, ...errorResponses } } },
    async (request) => ({
      ...(await service.detail(request.params.id, request.t)),
      lastRuns: jobs.recent(10, request.params.id).map((job) => summarizeJob(job, request.t)),
    }),
  );

  app.post(
    '/api/apps/:id/run',
    {
      schema: {
        summary: 'Validate, save (configure apps) and run an app as a job',
        params: AppParams,
        body: RunAppRequest,
        response: { 202: Type.Object({ job: JobSummary }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const starter = { startedBy: `panel:${request.session!.username}`, language: request.t('common:languageCode') };
      const { id } = await service.start(request.params.id, request.body.params, starter, request.body.action);
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  app.get(
    '/api/apps/check-path',
    {
      schema: {
        summary: 'Whether a path exists on the box (for path fields)',
        querystring: Type.Object({ path: Type.String({ pattern: '^/', maxLength: 4096 }) }),
        response: { 200: PathCheck, ...errorResponses },
      },
    },
    async (request) => {
      // An absolute path on the box: "/../x" is "/x", as the kernel reads it.
      const type = await appliance.system.pathType(appliance.paths.systemFile(path.posix.normalize(request.query.path)));
      return { exists: type !== undefined, type: type ?? null };
    },
  );
};

export default apps;
