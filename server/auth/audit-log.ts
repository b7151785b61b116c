import type { Paths } from '../paths.js';
import type { Db } from '../store/database.js';
import type { System } from '../system/index.js';

/**
 * Every authentication event and admin action, in the audit_log table and, one line
 * each, in $ROOT/var/log/hearth/auth.log for fail2ban (scripts/fail2ban/). The lines
 * are in fixed English on purpose: they are matched by programs, not read in the panel.
 *
 *   2026-11-28T15:25:54.123Z hearth[812]: login failed for user "admin" from 192.168.1.20
 */
export type AuditEvent =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.throttled'
  | 'logout'
  | 'activation.succeeded'
  | 'setup-code.rejected'
  | 'password.reset';

const phrases: Record<AuditEvent, (actor: string) => string> = {
  'login.succeeded': (actor) => `login succeeded for user "${actor}"`,
  'login.failed': (actor) => `login failed for user "${actor}"`,
  'login.throttled': (actor) => `login throttled for user "${actor}"`,
  logout: (actor) => `logout for user "${actor}"`,
  'activation.succeeded': (actor) => `activation succeeded for user "${actor}"`,
  'setup-code.rejected': () => 'setup code rejected',
  'password.reset': (actor) => `password reset for user "${actor}"`,
};

/** The user name is attacker-chosen at login: no quotes, control characters or line breaks reach the log. */
export function sanitizeActor(actor: string): string {
  const cleaned = actor.replace(/[\p{C}"\\]/gu, '?').slice(0, 64);
  return cleaned || '?';
}

export function formatAuditLine(at: Date, pid: number, event: AuditEvent, actor: string, source: string): string {
  return `${at.toISOString()} hearth[${pid}]: ${phrases[event](sanitizeActor(actor))} from ${source}`;
}

export function createAuditLog(db: Db, system: System, paths: Paths, now: () => number) {
  const insert = db.prepare('INSERT INTO audit_log (at, event, actor, ip, line) VALUES (?, ?, ?, ?, ?)');
  const recent = db.prepare<[number], { at: string; event: string; actor: string; ip: string; line: string }>(
    'SELECT at, event, actor, ip, line FROM audit_log ORDER BY id DESC LIMIT ?',
  );
  return {
    /** source: the client's IP address, or "local" for the CLI. */
    async record(event: AuditEvent, actor: string, source: string): Promise<void> {
      const at = new Date(now());
      const line = formatAuditLine(at, process.pid, event, actor, source);
      insert.run(at.toISOString(), event, sanitizeActor(actor), source, line);
      await system.appendFile(paths.authLog, line + '\n');
    },
    recent(limit = 100) {
      return recent.all(limit);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
