import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { hasTranslation } from '../i18n.js';
import { errorResponses } from '../schemas/api.js';

const Pending = Type.Union([
  Type.Null(),
  Type.Object({ appId: Type.String(), appName: Type.String(), jobId: Type.Integer(), deadline: Type.Number(), secondsLeft: Type.Integer() }),
]);

/**
 * The change waiting for confirmation. Confirming is only possible through the panel
 * under the new setting — the request itself proves the owner can still get in.
 */
const watchdogRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  const { watchdog } = appliance;

  app.get('/api/watchdog', { schema: { summary: 'A change that reverts unless confirmed, if any', response: { 200: Type.Object({ pending: Pending }), ...errorResponses } } }, async (request) => {
    const pending = watchdog.pending();
    if (!pending) return { pending: null };
    const key = `app-${pending.appId}:name`;
    return { pending: { ...pending, appName: hasTranslation(key) ? request.t(key) : pending.appId } };
  });

  app.post('/api/watchdog/confirm', { schema: { summary: 'Keep the change', response: { 204: Type.Null(), ...errorResponses } } }, async (_request, reply) => {
    watchdog.confirm();
    return reply.code(204).send(null);
  });

  app.post(
    '/api/watchdog/revert',
    { schema: { summary: 'Undo the change now', response: { 202: Type.Object({ jobId: Type.Integer() }), ...errorResponses } } },
    async (_request, reply) => reply.code(202).send({ jobId: (await watchdog.revert()).jobId }),
  );
};

export default watchdogRoutes;
