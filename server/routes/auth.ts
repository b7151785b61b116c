import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { errorResponses, LoginRequest, SessionInfo } from '../schemas/api.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';

const auth: FastifyPluginAsyncTypebox<{ appliance: Appliance; secure: boolean }> = async (app, { appliance, secure }) => {
  const { owner, sessions } = appliance;

  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: { summary: 'Log in; a new session id every time', body: LoginRequest, response: { 200: SessionInfo, ...errorResponses } },
    },
    async (request, reply) => {
      // A session id presented at login is never reused (session fixation).
      if (request.sessionToken) sessions.destroy(request.sessionToken);
      const client = { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
      const { token, session } = await owner.login(request.body, client);
      setSessionCookie(reply, token, secure);
      return { username: session.username, idleExpiresAt: session.idleExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { summary: 'End this session on the server', response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await owner.logout(request.sessionToken, request.session!.username, { ip: request.ip, userAgent: '' });
      clearSessionCookie(reply, secure);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/session',
    { schema: { summary: 'The current session', response: { 200: SessionInfo, ...errorResponses } } },
    async (request) => {
      const session = request.session!;
      return { username: session.username, idleExpiresAt: session.idleExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt };
    },
  );
};

export default auth;
