import type { FastifyInstance } from 'fastify';
import type { Appliance } from '../appliance.js';
import { isAllowedHost } from '../auth/host-check.js';
import { createAccessPolicy, isLoopback } from '../auth/network-access.js';
import { isStateChanging, passesOriginCheck } from '../auth/csrf.js';
import { HearthError } from '../errors.js';
import { languageFromAcceptLanguage, pickLanguage, translator } from '../i18n.js';
import { sendError } from './error-handler.js';
import { sessionCookieName } from './types.js';

/** The hostname is re-read at most this often: the hostname app may rename the box. */
const hostnameCacheMs = 10_000;

/**
 * The checks every request passes, in this order, before any route runs:
 * language → client on the LAN (or allowlist) → HTTPS unless local → Host names the box (DNS rebinding)
 * → same-origin for state changes (CSRF) → a session, unless the route is public.
 */
export function registerRequestGuards(app: FastifyInstance, appliance: Appliance, options: { secure: boolean }) {
  const { settings, system, sessions } = appliance;
  // The panel-access app changes these while the daemon runs: read them per request
  // (an indexed SQLite read), rebuild the policy only when they changed.
  let policy = { key: '', access: createAccessPolicy([]) };
  function accessPolicy() {
    const networks = settings.get('access.allowedNetworks');
    const key = JSON.stringify(networks);
    if (key !== policy.key) {
      policy = { key, access: createAccessPolicy(networks) };
      if (policy.access.invalid.length) app.log.warn({ invalid: policy.access.invalid }, 'ignoring invalid CIDRs in access.allowedNetworks');
    }
    return policy.access;
  }
  const cookieName = sessionCookieName(options.secure);

  let hostname = { name: '', readAt: -Infinity };
  async function boxHostname() {
    const at = Date.now();
    if (at - hostname.readAt > hostnameCacheMs) hostname = { name: await system.hostname(), readAt: at };
    return hostname.name;
  }

  app.decorateRequest('t', null as never);
  app.decorateRequest('session', undefined);
  app.decorateRequest('sessionToken', undefined);

  app.addHook('onRequest', async (request, reply) => {
    // EventSource cannot set Accept-Language: live streams name the panel's language in ?lang=.
    const asked = (request.query as { lang?: unknown } | undefined)?.lang;
    request.t = translator(typeof asked === 'string' && asked.length <= 35 ? pickLanguage([asked]) : languageFromAcceptLanguage(request.headers['accept-language']));

    if (!accessPolicy().allows(request.ip)) return sendError(request, reply, new HearthError('HEARTH_ERR_NOT_LAN'));

    if (request.protocol === 'http' && !isLoopback(request.ip) && settings.get('access.httpsOnly')) {
      return sendError(request, reply, new HearthError('HEARTH_ERR_HTTPS_REQUIRED'));
    }

    if (!isAllowedHost(request.headers.host, await boxHostname(), settings.get('access.allowedHostnames'))) {
      return sendError(request, reply, new HearthError('HEARTH_ERR_HOST_NOT_ALLOWED', { host: String(request.headers.host ?? '') }));
    }

    if (isStateChanging(request.method)) {
      const ownOrigin = `${request.protocol}://${request.headers.host}`;
      const headers = { origin: request.headers.origin, 'sec-fetch-site': request.headers['sec-fetch-site'] as string | undefined };
      if (!passesOriginCheck(headers, ownOrigin)) return sendError(request, reply, new HearthError('HEARTH_ERR_CSRF'));
    }

    const token = request.cookies[cookieName];
    // The panel marks its own polling: it shows the owner is looking, not that they are active.
    const session = sessions.authenticate(token, { touch: request.headers['x-hearth-background'] !== '1' });
    if (session) {
      request.session = session;
      request.sessionToken = token;
    }

    const isApi = request.url === '/api' || request.url.startsWith('/api/');
    // Routes that exist and are not declared public need a session; unknown /api
    // paths fall through to the not-found handler.
    if (isApi && request.routeOptions.url && !request.routeOptions.config.public && !session) {
      return sendError(request, reply, new HearthError('HEARTH_ERR_UNAUTHENTICATED'));
    }
  });
}
