import { HearthError } from '../errors.js';
import type { Db } from '../store/database.js';
import type { SettingsStore } from '../store/settings.js';
import { ownerUsername, type Accounts } from './accounts.js';
import type { AuditLog } from './audit-log.js';
import { isLanAddress, normalizeAddress } from './network-access.js';
import { checkNewPassword } from './password-policy.js';
import type { PasswordHasher } from './passwords.js';
import type { SessionStore } from './sessions.js';
import { setupCodesMatch, type SetupCodeFile } from './setup-code.js';
import type { Throttle, ThrottleScope } from './throttle.js';

/** How long an address the owner logged in from stays exempt from the per-account throttle. */
const knownSourceMs = 30 * 24 * 3_600_000;

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export interface Deps {
  db: Db;
  settings: SettingsStore;
  accounts: Accounts;
  sessions: SessionStore;
  hasher: PasswordHasher;
  throttle: Throttle;
  audit: AuditLog;
  setupCode: SetupCodeFile;
  now: () => number;
}

/**
 * Activation, login, logout and the SSH password reset: every way the owner gets
 * into (or back into) the panel.
 */
export function createOwnerAccess(deps: Deps) {
  const { db, settings, accounts, sessions, hasher, throttle, audit, setupCode, now } = deps;

  const rememberSource = db.prepare(
    `INSERT INTO known_login_sources (user_id, ip, last_success_at) VALUES (?, ?, ?)
     ON CONFLICT(user_id, ip) DO UPDATE SET last_success_at = excluded.last_success_at`,
  );
  const knownSource = db.prepare<[number, string, number], { n: number }>(
    'SELECT COUNT(*) AS n FROM known_login_sources WHERE user_id = ? AND ip = ? AND last_success_at > ?',
  );

  function refuseIfThrottled(scope: ThrottleScope, subject: string) {
    const wait = throttle.waitMs(scope, subject);
    if (wait > 0) throw throttledError(wait);
  }

  const isActivated = () => settings.get('activation.activatedAt') !== null;

  return {
    isActivated,

    /** On every start: a box that is not yet activated has a setup code; one that is has none. */
    async prepareSetupCode(): Promise<string | undefined> {
      if (isActivated()) {
        // A crash between activation's commit and the file's removal leaves a stale code behind.
        await setupCode.remove();
        return undefined;
      }
      return setupCode.ensure();
    },

    async activate(input: { setupCode: string; password: string }, client: ClientInfo) {
      if (isActivated()) throw new HearthError('HEARTH_ERR_ALREADY_ACTIVATED');
      const ip = normalizeAddress(client.ip);
      // The allowlist may open the panel to a VPN, but claiming the box needs the LAN.
      if (!isLanAddress(ip)) throw new HearthError('HEARTH_ERR_ACTIVATION_NOT_LAN');
      refuseIfThrottled('setup-code-address', ip);
      const expected = await setupCode.read();
      if (!expected || !setupCodesMatch(expected, input.setupCode)) {
        const wait = throttle.fail('setup-code-address', ip);
        await audit.record('setup-code.rejected', '-', ip);
        if (wait > 0) throw throttledError(wait);
        throw new HearthError('HEARTH_ERR_SETUP_CODE_INVALID');
      }
      await checkNewPassword(input.password);
      const hash = await hasher.hash(input.password);
      const account = db
        .transaction(() => {
          // Checked again inside the write transaction: two activations racing, only one wins.
          if (isActivated() || accounts.any()) throw new HearthError('HEARTH_ERR_ALREADY_ACTIVATED');
          const created = accounts.create(ownerUsername, hash);
          settings.set('activation.activatedAt', new Date(now()).toISOString());
          rememberSource.run(created.id, ip, now());
          return created;
        })
        .immediate();
      throttle.succeed('setup-code-address', ip);
      await setupCode.remove();
      await audit.record('activation.succeeded', account.username, ip);
      const { token, session } = sessions.create(account.id, ip, client.userAgent);
      return { token, session: { ...session, username: account.username } };
    },

    async login(input: { username: string; password: string }, client: ClientInfo) {
      if (!isActivated()) throw new HearthError('HEARTH_ERR_NOT_ACTIVATED');
      const ip = normalizeAddress(client.ip);
      const username = input.username.trim() || ownerUsername;
      refuseIfThrottled('login-address', ip);
      const account = accounts.find(username);
      if (account && knownSource.get(account.id, ip, now() - knownSourceMs)?.n === 0) {
        refuseIfThrottled('login-account', account.username);
      }

      const verdict = account ? await hasher.verify(input.password, account.passwordHash) : undefined;
      if (!account) await hasher.verifyNothing(input.password);
      if (!account || !verdict?.ok) {
        const addressWait = throttle.fail('login-address', ip);
        // Unknown names get no counter of their own: the table would grow with every guess.
        const accountWait = account ? throttle.fail('login-account', account.username) : 0;
        await audit.record('login.failed', username, ip);
        const wait = Math.max(addressWait, accountWait);
        if (wait > 0) throw throttledError(wait);
        throw new HearthError('HEARTH_ERR_LOGIN_FAILED');
      }

      if (verdict.needsRehash) accounts.setPasswordHash(account.id, await hasher.hash(input.password));
      throttle.succeed('login-address', ip);
      throttle.succeed('login-account', account.username);
      rememberSource.run(account.id, ip, now());
      await audit.record('login.succeeded', account.username, ip);
      const { token, session } = sessions.create(account.id, ip, client.userAgent);
      return { token, session: { ...session, username: account.username } };
    },

    async logout(token: string | undefined, username: string, client: ClientInfo) {
      sessions.destroy(token);
      await audit.record('logout', username, normalizeAddress(client.ip));
    },

    /**
     * `hearth passwd` over SSH: the documented way back in. Sets the password, ends
     * every session and clears every login throttle.
     */
    async resetPassword(password: string) {
      const account = accounts.find(ownerUsername);
      if (!account) throw new HearthError('HEARTH_ERR_NOT_ACTIVATED');
      await checkNewPassword(password);
      const hash = await hasher.hash(password);
      const ended = db
        .transaction(() => {
          accounts.setPasswordHash(account.id, hash);
          throttle.clearAll();
          return sessions.destroyAllForUser(account.id);
        })
        .immediate();
      await audit.record('password.reset', account.username, 'local');
      return { username: account.username, sessionsEnded: ended };
    },
  };
}

function throttledError(waitMs: number) {
  const seconds = Math.ceil(waitMs / 1000);
  return new HearthError('HEARTH_ERR_THROTTLED', { seconds }, { retryAfterSeconds: seconds });
}

export type OwnerAccess = ReturnType<typeof createOwnerAccess>;
