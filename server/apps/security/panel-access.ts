import { Type } from 'typebox';
import type { FieldError } from '../../errors.js';
import { parseAddressOrCidr, parseCidr } from '../../auth/network-access.js';
import { param } from '../params.js';
import { defineApp } from '../types.js';

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** A DNS name the panel may be reached by, e.g. nas.example.home. */
const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function listErrors(param: string, values: string[], valid: (value: string) => boolean, key: string, max: number): FieldError[] {
  if (values.length > max) return [{ param, key: 'errors:fields.tooLong', params: { max } }];
  const bad = values.find((value) => !valid(value));
  return bad === undefined ? [] : [{ param, key, params: { value: bad } }];
}

/**
 * Who may reach the panel and how: the LAN allowlist of the foundation, extra names,
 * trusted proxies, HTTPS only, session lifetimes — the `access.*` and `sessions.*`
 * settings. A change to who can connect is applied with the watchdog: it reverts by
 * itself unless confirmed from the new setting within 60 seconds.
 */
export default defineApp({
  id: 'panel-access',
  category: 'security',
  kind: 'configure',
  hasInfo: true,
  params: Type.Object({
    allowedNetworks: param.text({ default: '', maxLength: 4096 }),
    allowedHostnames: param.text({ default: '', maxLength: 8192 }),
    trustedProxies: param.text({ default: '', maxLength: 2048 }),
    httpsOnly: param.boolean({ default: false }),
    sessionIdleMinutes: param.integer({ default: 30, minimum: 5, maximum: 1440, unit: 'min' }),
    sessionLifetimeHours: param.integer({ default: 12, minimum: 1, maximum: 720, unit: 'h' }),
  }),
  confirmation: {
    seconds: 60,
    needed: (previous, next) =>
      (['allowedNetworks', 'allowedHostnames', 'trustedProxies', 'httpsOnly'] as const).some((key) =>
        typeof next[key] === 'string' ? lines(String(previous[key] ?? '')).join('\n') !== lines(next[key] as string).join('\n') : previous[key] !== next[key],
      ),
  },
  async status({ settings }) {
    return {
      active: null,
      values: {
        allowedNetworks: settings.get('access.allowedNetworks').join('\n'),
        allowedHostnames: settings.get('access.allowedHostnames').join('\n'),
        trustedProxies: settings.get('access.trustedProxies').join('\n'),
        httpsOnly: settings.get('access.httpsOnly'),
        sessionIdleMinutes: settings.get('sessions.idleTimeoutMinutes'),
        sessionLifetimeHours: settings.get('sessions.absoluteLifetimeHours'),
      },
    };
  },
  async validate(params) {
    const errors = [
      ...listErrors('allowedNetworks', lines(params.allowedNetworks), (v) => parseCidr(v) !== undefined, 'app-panel-access:errors.cidr', 64),
      ...listErrors('allowedHostnames', lines(params.allowedHostnames), (v) => hostnamePattern.test(v), 'app-panel-access:errors.hostname', 32),
      ...listErrors('trustedProxies', lines(params.trustedProxies), (v) => parseAddressOrCidr(v) !== undefined, 'app-panel-access:errors.proxy', 16),
    ];
    if (params.sessionIdleMinutes > params.sessionLifetimeHours * 60) {
      errors.push({ param: 'sessionIdleMinutes', key: 'app-panel-access:errors.idleLongerThanLifetime' });
    }
    return errors;
  },
  async apply(params, job, { settings }) {
    settings.set('access.allowedNetworks', lines(params.allowedNetworks));
    settings.set('access.allowedHostnames', lines(params.allowedHostnames).map((name) => name.toLowerCase()));
    settings.set('access.trustedProxies', lines(params.trustedProxies));
    settings.set('access.httpsOnly', params.httpsOnly);
    settings.set('sessions.idleTimeoutMinutes', params.sessionIdleMinutes);
    settings.set('sessions.absoluteLifetimeHours', params.sessionLifetimeHours);
    job.info(
      job.t('app-panel-access:log.applied', {
        networks: lines(params.allowedNetworks).join(', ') || job.t('app-panel-access:log.lanOnly'),
        https: params.httpsOnly ? job.t('app-panel-access:log.yes') : job.t('app-panel-access:log.no'),
      }),
    );
  },
});
