import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { appVersion } from '../paths.js';
import { Health } from '../schemas/api.js';

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/health',
    { config: { public: true }, schema: { summary: 'Liveness: the daemon answers', response: { 200: Health } } },
    async () => ({ status: 'ok' as const, version: appVersion }),
  );
};

export default health;
