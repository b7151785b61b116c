import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach } from 'vitest';
import { buildApp } from '../app.js';
import type { Appliance, ApplianceOptions } from '../appliance.js';
import type { SettingsStore } from '../store/settings.js';
import { testAppliance } from './temp-root.js';

export const ownOrigin = 'http://localhost:80';
export const goodPassword = 'tidy-lantern-orbit-mellow-quartz';

const open: Array<{ app: FastifyInstance; appliance: Appliance }> = [];
afterEach(async () => {
  for (const { app, appliance } of open.splice(0)) {
    await app.close();
    await appliance.runner.idle();
    appliance.close();
  }
});

interface RequestOptions {
  cookie?: string;
  ip?: string;
  headers?: Record<string, string>;
}

/**
 * The real app on a real SQLite file in a temporary root, driven with app.inject().
 * Requests come from 192.168.1.10 with the panel's own Origin unless told otherwise.
 */
export async function testServer(options: Partial<ApplianceOptions> & { configure?: (settings: SettingsStore) => void } = {}) {
  const appliance = testAppliance(options);
  options.configure?.(appliance.settings);
  const app = await buildApp(appliance, { panelDir: '/nonexistent' });
  open.push({ app, appliance });

  const request = (method: 'GET' | 'POST', url: string, body: unknown, o: RequestOptions = {}) =>
    app.inject({
      method,
      url,
      remoteAddress: o.ip ?? '192.168.1.10',
      headers: {
        ...(method === 'POST' ? { origin: ownOrigin } : {}),
        ...(o.cookie ? { cookie: o.cookie } : {}),
        ...o.headers,
      },
      ...(body === undefined ? {} : { payload: body as object }),
    });

  const server = {
    app,
    appliance,
    get: (url: string, o?: RequestOptions) => request('GET', url, undefined, o),
    post: (url: string, body?: unknown, o?: RequestOptions) => request('POST', url, body, o),
    async setupCode() {
      return (await appliance.owner.prepareSetupCode())!;
    },
    /** Activates with the right code; returns the session cookie. */
    async activate(password = goodPassword) {
      const response = await server.post('/api/activation', { setupCode: await server.setupCode(), password });
      if (response.statusCode !== 201) throw new Error(`activation failed: ${response.body}`);
      return sessionCookie(response)!;
    },
    async login(password = goodPassword, o?: RequestOptions) {
      return server.post('/api/auth/login', { username: 'admin', password }, o);
    },
  };
  return server;
}

/** "name=value" of the session cookie a response set, for the next request. */
export function sessionCookie(response: LightMyRequestResponse): string | undefined {
  const cookie = response.cookies.find((c) => c.name.endsWith('hearth_session'));
  return cookie && cookie.value ? `${cookie.name}=${cookie.value}` : undefined;
}
