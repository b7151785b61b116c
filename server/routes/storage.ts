import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Appliance } from '../appliance.js';
import { errorResponses } from '../schemas/api.js';
import { storageOverview } from '../storage/overview.js';
import { StorageOverview } from '../storage/schema.js';

/**
 * The drives the box sees, where the data folder is and what is mounted at every start.
 * Formatting, mounting and moving the data are apps (storage-format, storage-automount,
 * datadir), run through /api/apps/:id/run like every other change.
 */
const storageRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  app.get(
    '/api/storage',
    { schema: { summary: 'Drives and partitions, the system disk, the data folder and automatic mounts', response: { 200: StorageOverview, ...errorResponses } } },
    async () => storageOverview(appliance.system),
  );
};

export default storageRoutes;
