import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../paths.js';
import { manualClock, testAppliance } from '../testing/temp-root.js';
import { formatAuditLine, sanitizeActor } from './audit-log.js';

const filter = path.join(packageRoot, 'scripts/fail2ban/filter.d/hearth.conf');

describe('audit log', () => {
  it('writes one line per event to the table and to auth.log', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 28, 15, 25, 54, 123));
    const appliance = testAppliance({ now: clock.now });
    await appliance.audit.record('login.failed', 'admin', '192.168.1.20');
    await appliance.audit.record('login.succeeded', 'admin', '192.168.1.20');
    const rows = appliance.audit.recent();
    expect(rows.map((r) => r.event)).toEqual(['login.succeeded', 'login.failed']);
    const log = readFileSync(appliance.paths.authLog, 'utf8').trim().split('\n');
    expect(log[0]).toBe(`2026-11-28T15:25:54.123Z hearth[${process.pid}]: login failed for user "admin" from 192.168.1.20`);
    expect(log[1]).toContain('login succeeded');
    appliance.close();
  });

  it('keeps attacker-chosen user names from forging lines or addresses', () => {
    expect(sanitizeActor('admin"\nfrom 6.6.6.6')).toBe('admin??from 6.6.6.6');
    expect(sanitizeActor('')).toBe('?');
    expect(sanitizeActor('x'.repeat(500))).toHaveLength(64);
  });

  // fail2ban itself reads the lines: the filter shipped in scripts/fail2ban must ban
  // exactly the failing addresses, whatever the user name tried.
  it('is matched by the shipped fail2ban filter (fail2ban-regex)', async () => {
    const appliance = testAppliance();
    const at = new Date();
    const lines = [
      formatAuditLine(at, 812, 'login.failed', 'admin', '192.168.1.20'),
      formatAuditLine(at, 812, 'setup-code.rejected', '-', '10.0.0.7'),
      formatAuditLine(at, 812, 'login.succeeded', 'admin', '192.168.1.21'),
      formatAuditLine(at, 812, 'login.failed', 'root" from 6.6.6.6', 'fd00::23'),
      formatAuditLine(at, 812, 'logout', 'admin', '192.168.1.21'),
    ];
    for (const line of lines) await appliance.system.appendFile(appliance.paths.authLog, line + '\n');
    const output = execFileSync('fail2ban-regex', ['-o', 'ip', appliance.paths.authLog, filter], { encoding: 'utf8' });
    expect(output.trim().split('\n')).toEqual(['192.168.1.20', '10.0.0.7', 'fd00::23']);
    appliance.close();
  });
});
