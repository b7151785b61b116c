import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Appliance } from '../appliance.js';
import { isLanAddress } from '../auth/network-access.js';
import { generatePassphrase, passphraseWordCount } from '../auth/passphrase.js';
import { HearthError } from '../errors.js';
import { ActivateRequest, ActivationStatus, errorResponses, PassphraseSuggestion, SessionInfo } from '../schemas/api.js';
import { setSessionCookie } from './session-cookie.js';

const activation: FastifyPluginAsyncTypebox<{ appliance: Appliance; secure: boolean }> = async (app, { appliance, secure }) => {
  const { owner } = appliance;

  app.get(
    '/api/activation',
    { config: { public: true }, schema: { summary: 'Whether the box has been activated', response: { 200: ActivationStatus, ...errorResponses } } },
    async (request) => ({ activated: owner.isActivated(), clientOnLan: isLanAddress(request.ip), signedIn: Boolean(request.session) }),
  );

  app.get(
    '/api/activation/passphrase',
    {
      config: { public: true },
      schema: { summary: 'A freshly generated passphrase to propose at activation (never stored)', response: { 200: PassphraseSuggestion, ...errorResponses } },
    },
    async (_request, reply) => {
      if (owner.isActivated()) throw new HearthError('HEARTH_ERR_ALREADY_ACTIVATED');
      reply.header('cache-control', 'no-store');
      return { passphrase: await generatePassphrase(), words: passphraseWordCount };
    },
  );

  app.post(
    '/api/activation',
    {
      config: { public: true },
      schema: {
        summary: 'Activate the box with the setup code and the owner password; logs the owner in',
        body: ActivateRequest,
        response: { 201: SessionInfo, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { token, session } = await owner.activate(request.body, { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });
      setSessionCookie(reply, token, secure);
      return reply.code(201).send({ username: session.username, idleExpiresAt: session.idleExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt });
    },
  );
};

export default activation;
