import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySse from '@fastify/sse';
import fastifySwagger from '@fastify/swagger';
import type { Appliance } from './appliance.js';
import { createProxyTrust } from './auth/network-access.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerPanel } from './http/panel.js';
import { registerRequestGuards } from './http/request-guards.js';
import './http/types.js';
import { appVersion, panelDir as defaultPanelDir } from './paths.js';
import activationRoutes from './routes/activation.js';
import appsRoutes from './routes/apps.js';
import jobsRoutes from './routes/jobs.js';
import watchdogRoutes from './routes/watchdog.js';
import notificationRoutes from './routes/notifications.js';
import backupRoutes from './routes/backups.js';
import snapshotRoutes from './routes/snapshots.js';
import updateRoutes from './routes/updates.js';
import metricsRoutes from './routes/metrics.js';
import authRoutes from './routes/auth.js';
import healthRoutes from './routes/health.js';
import openapiRoutes from './routes/openapi.js';
import systemRoutes from './routes/system.js';
import storageRoutes from './routes/storage.js';

export interface AppOptions {
  /** Serve HTTPS with this key and certificate; plain HTTP without. */
  https?: { key: string; cert: string };
  logger?: FastifyServerOptions['logger'];
  panelDir?: string;
}

/**
 * Builds the HTTP face of the appliance. Plugins load in a visible order: security
 * and parsing first, then the request guards every request passes, then routes,
 * then the panel. Tests call this and use app.inject().
 */
export async function buildApp(appliance: Appliance, options: AppOptions = {}): Promise<FastifyInstance> {
  const secure = Boolean(options.https);
  // Proxies can change while the daemon runs (panel-access app); rebuilt when they do.
  let proxies = { key: '', trusts: createProxyTrust([]) };
  const trustsProxy = (address: string) => {
    const entries = appliance.settings.get('access.trustedProxies');
    const key = JSON.stringify(entries);
    if (key !== proxies.key) proxies = { key, trusts: createProxyTrust(entries) };
    return proxies.trusts(address);
  };
  const app = Fastify({
    logger: options.logger ?? false,
    ...(options.https ? { https: { key: options.https.key, cert: options.https.cert } } : {}),
    // X-Forwarded-For is believed only from proxies the owner configured.
    trustProxy: (address: string) => trustsProxy(address),
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandling(app);

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // HSTS with a self-signed certificate would stop the owner from ever clicking
    // through the browser's warning; see docs/security.md.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { max: 600, timeWindow: 60_000 });
  // @fastify/sse is CommonJS whose typings declare an ES default export; the module itself is the plugin.
  await app.register(fastifySse as unknown as FastifyPluginAsync<{ heartbeatInterval: number }>, { heartbeatInterval: 25_000 });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Hearth API', version: appVersion, description: 'The API behind the Hearth panel. Every route needs a session except those marked public.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: secure ? '__Host-hearth_session' : 'hearth_session' } } },
      security: [{ session: [] }],
    },
    transform({ schema, url, route }) {
      const isPublic = Boolean((route.config as { public?: boolean } | undefined)?.public);
      return { schema: isPublic ? { ...schema, security: [] } : schema, url } as never;
    },
  });

  registerRequestGuards(app, appliance, { secure });
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
  });

  await app.register(healthRoutes);
  await app.register(activationRoutes, { appliance, secure });
  await app.register(authRoutes, { appliance, secure });
  await app.register(systemRoutes, { appliance });
  await app.register(appsRoutes, { appliance });
  await app.register(jobsRoutes, { appliance });
  await app.register(watchdogRoutes, { appliance });
  await app.register(notificationRoutes, { appliance });
  await app.register(backupRoutes, { appliance });
  await app.register(snapshotRoutes, { appliance });
  await app.register(updateRoutes, { appliance });
  await app.register(metricsRoutes, { appliance });
  await app.register(storageRoutes, { appliance });
  await app.register(openapiRoutes);
  await registerPanel(app, options.panelDir ?? defaultPanelDir);

  return app;
}
