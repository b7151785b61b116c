import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { errorResponses } from '../schemas/api.js';
import { MetricsResponse } from '../schemas/metrics.js';

/** The dashboard's charts: the last hours of CPU temperature and data disk use, as sampled (server/metrics). */
const metricsRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  // Sampling runs while the daemon serves, and stops with it.
  app.addHook('onReady', async () => appliance.metrics.start());
  app.addHook('onClose', async () => appliance.metrics.stop());

  app.get(
    '/api/metrics',
    {
      schema: {
        summary: 'CPU temperature and data disk use over the last hours (24 by default)',
        // Query strings are text (no type coercion here): 1–168 hours.
        querystring: Type.Object({ hours: Type.Optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|1[0-5][0-9]|16[0-8])$' })) }),
        response: { 200: MetricsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const hours = Number(request.query.hours ?? 24);
      const limits = await appliance.board.temperature();
      return {
        hours,
        temperature: { samples: appliance.metrics.recent('cpu_temperature', hours), warnCelsius: limits.warnCelsius, criticalCelsius: limits.criticalCelsius },
        disk: { used: appliance.metrics.recent('data_disk_used', hours), total: appliance.metrics.recent('data_disk_total', hours) },
      };
    },
  );
};

export default metricsRoutes;
