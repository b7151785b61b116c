import { defaultRoot, runningFromCheckout } from '../paths.js';
import type { SystemKind } from '../system/index.js';
import { CliError } from './cli-error.js';

/** --root beats HEARTH_ROOT beats the default (./var/root from a checkout, / when installed). */
export function resolveRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.HEARTH_ROOT || defaultRoot();
}

export function resolveSystemKind(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): SystemKind {
  const value = flag || env.HEARTH_SYSTEM || (runningFromCheckout ? 'sandbox' : 'linux');
  if (value !== 'linux' && value !== 'sandbox') throw new CliError('usage', 'cli:errors.badSystem', { value });
  return value;
}

export function resolvePort(flag: string | undefined, https: boolean, env: NodeJS.ProcessEnv = process.env): number {
  const raw = flag ?? env.HEARTH_PORT;
  if (raw === undefined || raw === '') return runningFromCheckout && !https ? 8080 : 4443;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new CliError('usage', 'cli:errors.badPort', { value: raw });
  return port;
}

export function resolveHost(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.HEARTH_HOST || (runningFromCheckout ? '127.0.0.1' : '0.0.0.0');
}

/** --https / --http choose; otherwise HTTPS when installed, HTTP from a checkout (localhost is a secure context). */
export function resolveHttps(flags: { https?: boolean; http?: boolean }): boolean {
  if (flags.https && flags.http) throw new CliError('usage', 'cli:errors.httpAndHttps');
  if (flags.https) return true;
  if (flags.http) return false;
  return !runningFromCheckout;
}
