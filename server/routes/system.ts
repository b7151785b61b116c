import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Appliance } from '../appliance.js';
import { readMachineInfo } from '../machine-info.js';
import { errorResponses, SystemInfo } from '../schemas/api.js';

const system: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  app.get(
    '/api/system/info',
    { schema: { summary: 'What the dashboard shows about the machine', response: { 200: SystemInfo, ...errorResponses } } },
    () => readMachineInfo(appliance),
  );
};

export default system;
