import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { HearthError } from '../errors.js';
import { summarizeJob } from '../jobs/job-summary.js';
import { errorResponses } from '../schemas/api.js';
import { JobSummary } from '../schemas/apps.js';
import { SnapshotListing, SnapshotStatus } from '../schemas/snapshots.js';

const SnapshotParams = Type.Object({ id: Type.String({ pattern: '^\\d{8}-\\d{6}(-\\d{1,3})?$' }) });

const Started = Type.Object({ job: JobSummary });

/**
 * Snapshots from the panel: list, take, delete, roll back (with the snapshot's name typed
 * as confirmation). Every change is a job (see GET /api/jobs/:id/events); a rollback's job
 * stages it, and the daemon restarts by itself to swap it in.
 */
const snapshotRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  const { snapshots, jobs } = appliance;
  const starter = (request: { session?: { username: string }; t: (key: string) => string }) => ({
    startedBy: `panel:${request.session!.username}`,
    language: request.t('common:languageCode'),
  });

  app.get(
    '/api/snapshots',
    { schema: { summary: 'Snapshots of the state, newest first, how they are made here, and a rollback waiting for the restart', response: { 200: Type.Object({ status: SnapshotStatus, snapshots: Type.Array(SnapshotListing) }), ...errorResponses } } },
    async () => ({ status: await snapshots.status(), snapshots: await snapshots.list() }),
  );

  app.post(
    '/api/snapshots',
    {
      schema: {
        summary: 'Take a snapshot of the state now',
        body: Type.Object({ label: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
        response: { 202: Started, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = snapshots.jobs.create({ reason: 'manual', ...(request.body.label !== undefined ? { label: request.body.label } : {}) }, starter(request));
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  app.delete(
    '/api/snapshots/:id',
    { schema: { summary: 'Delete a snapshot for good', params: SnapshotParams, response: { 202: Started, ...errorResponses } } },
    async (request, reply) => {
      const snapshot = await snapshots.get(request.params.id);
      const { id } = snapshots.jobs.delete(snapshot.id, starter(request));
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  app.post(
    '/api/snapshots/:id/rollback',
    {
      schema: {
        summary: "Roll the state back to a snapshot: `confirm` must be the snapshot's id. The job stages it; the daemon restarts by itself to swap it in, keeping the current state as a snapshot",
        params: SnapshotParams,
        body: Type.Object({ confirm: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
        response: { 202: Started, ...errorResponses },
      },
    },
    async (request, reply) => {
      const snapshot = await snapshots.get(request.params.id);
      if (request.body.confirm.trim() !== snapshot.id) throw new HearthError('HEARTH_ERR_SNAPSHOT_CONFIRMATION', { id: snapshot.id });
      const { id } = snapshots.jobs.rollback(snapshot.id, starter(request));
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );
};

export default snapshotRoutes;
