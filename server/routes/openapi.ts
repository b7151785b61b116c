import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../schemas/api.js';

const openapi: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/openapi.json',
    { schema: { summary: 'This OpenAPI document, generated from the route schemas', response: { 200: Type.Any(), ...errorResponses } } },
    async () => app.swagger(),
  );
};

export default openapi;
