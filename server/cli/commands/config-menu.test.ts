import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppliance } from '../../appliance.js';
import { translator } from '../../i18n.js';
import { packageRoot } from '../../paths.js';
import { tempRoot } from '../../testing/temp-root.js';
import { displayWidth, sanitize, sanitizeLine, truncate, wrap } from '../menu/text.js';
import { configMenuCommand } from './config-menu.js';

const entry = path.join(packageRoot, 'dist/server/cli/hearth.js');
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * A real terminal: a detached tmux server of its own (its own socket, no user config)
 * with one window running the compiled CLI. Keys go in with send-keys; the screen
 * comes back with capture-pane, wrapped lines joined (-J), so a line wider than the
 * window shows as one long line instead of hiding as two.
 *
 * The prompt library breaks its own lines at the window's width, so in an 80-column
 * window a prompt line that is too long shows as two short ones. The menu draws 80
 * columns in any wider window: at 120 columns such a line shows whole, and too wide.
 */
class Tmux {
  readonly socket = path.join(tempRoot(), 'tmux.sock');
  /** Every line the window ever showed (scrollback included), checked for width. */
  readonly tooWide = new Set<string>();

  private run(args: string[]): string {
    return execFileSync('tmux', ['-f', '/dev/null', '-S', this.socket, ...args], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    });
  }

  start(command: string, columns = 80): void {
    this.run(['new-session', '-d', '-x', String(columns), '-y', '24', command]);
  }

  /** The visible screen, and a look at the whole history for lines over 80 columns. */
  screen(): string {
    for (const line of this.run(['capture-pane', '-p', '-J', '-S', '-']).split('\n')) {
      if (displayWidth(line.trimEnd()) > 80) this.tooWide.add(line.trimEnd());
    }
    return this.run(['capture-pane', '-p', '-J']);
  }

  /** Polls the screen until it shows `expected` (bounded); returns that screen. */
  async waitFor(expected: string | RegExp, timeoutMs = 15_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = this.screen();
      if (typeof expected === 'string' ? last.includes(expected) : expected.test(last)) return last;
      if (Date.now() > until) throw new Error(`the screen never showed ${String(expected)}; it shows:\n${last}`);
      await delay(50);
    }
  }

  keys(...keys: string[]): void {
    this.run(['send-keys', ...keys]);
  }

  type(text: string): void {
    this.run(['send-keys', '-l', text]);
  }

  /** The highlighted line of a menu (the one with the ❯ cursor). */
  static cursorLine(screen: string): string | undefined {
    return screen.split('\n').find((line) => line.startsWith('❯'));
  }

  /** Moves the menu's cursor with the arrow keys to the entry showing `label`, and picks it. */
  async choose(label: string): Promise<void> {
    for (let moves = 0; moves < 30; moves += 1) {
      const screen = this.screen();
      const lines = screen.split('\n');
      const at = lines.findIndex((line) => line.startsWith('❯'));
      // Menu entries start with the cursor or blanks; the header and help lines do not.
      const target = lines.findIndex((line) => /^(❯| )/.test(line) && line.includes(label));
      if (at < 0 || target < 0) {
        await delay(50);
        continue;
      }
      if (at === target) {
        this.keys('Enter');
        return;
      }
      this.keys(target > at ? 'Down' : 'Up');
      const before = lines[at];
      const until = Date.now() + 5000;
      while (Tmux.cursorLine(this.screen()) === before && Date.now() < until) await delay(20);
    }
    throw new Error(`could not move the cursor to “${label}”:\n${this.screen()}`);
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}

const sessions: Tmux[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.kill();
});

/** The compiled menu must be the one from these sources, and registered as `hearth config`. */
function checkBuild(): void {
  expect(spawnSync('tmux', ['-V']).status, 'tmux is needed: apt-get install tmux').toBe(0);
  expect(existsSync(entry), 'run `npm run build:server` first').toBe(true);
  const sources = [path.join(packageRoot, 'server/cli/commands/config-menu.ts')];
  const menuDir = path.join(packageRoot, 'server/cli/menu');
  for (const file of readdirSync(menuDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) sources.push(path.join(menuDir, file));
  for (const source of sources) {
    const compiled = path.join(packageRoot, 'dist', path.relative(packageRoot, source)).replace(/\.ts$/, '.js');
    expect(existsSync(compiled) && statSync(compiled).mtimeMs >= statSync(source).mtimeMs, `${compiled} is older than its source: run \`npm run build:server\``).toBe(true);
  }
  const help = spawnSync(process.execPath, [entry, 'config', '--help'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  expect(help.status, '`hearth config` is not registered in server/cli/program.ts').toBe(0);
}

describe('hearth config (the menu, in a real terminal)', () => {
  it.each([80, 120])('goes category → app → form → apply with the live log → back → exit (%i×24)', async (columns) => {
    checkBuild();
    const root = tempRoot();
    const exitFile = path.join(tempRoot(), 'exit-code');
    const term = new Tmux();
    sessions.push(term);
    term.start(
      `env HEARTH_SYSTEM=sandbox LC_ALL=C.UTF-8 LANG=C.UTF-8 ${quote(process.execPath)} ${quote(entry)} config --root ${quote(root)}; echo $? > ${quote(exitFile)}`,
      columns,
    );

    let screen = await term.waitFor('? Choose a category');
    expect(screen).toContain('Hearth');
    expect(screen).toContain('Exit');
    expect(screen).toContain('↑↓ move · Enter choose · Esc back');
    await term.choose('Configuration');

    screen = await term.waitFor('? Choose an app');
    expect(screen).toContain('Hearth › Configuration');
    expect(screen).toMatch(/Hostname +— The name of this box on your network/);
    await term.choose('Hostname');

    // The form, prefilled with the name the box has now.
    // The prompt line comes last: wait for it, then the rest of the screen is there.
    screen = await term.waitFor(/\? Hostname \S+/);
    expect(screen).toContain('Setting 1 of 1 · Hostname');
    expect(screen).toContain('Letters, digits and hyphens');

    // The app's own check, in the user's language; the field is asked again.
    term.keys('C-u');
    term.type('12345');
    term.keys('Enter');
    screen = await term.waitFor('A hostname cannot be made of digits only.');
    expect(screen).toContain('Setting 1 of 1 · Hostname');

    term.keys('C-u');
    term.type('nas-box');
    term.keys('Enter');
    screen = await term.waitFor('? Apply these settings now?');
    expect(screen).toMatch(/Hostname +nas-box/);
    expect(Tmux.cursorLine(screen)).toContain('Yes, apply now');
    // Nothing is written before the owner says so.
    expect(existsSync(path.join(root, 'etc/hostname'))).toBe(false);
    term.keys('Enter');

    screen = await term.waitFor('Press Enter to go back.');
    const lines = screen.split('\n').map((line) => line.trimEnd());
    const expected = [
      'Writing /etc/hostname',
      'Writing /etc/hosts',
      '$ hostnamectl set-hostname nas-box',
      '$ systemctl try-restart avahi-daemon.service',
      'The box is now called nas-box; on the network it is nas-box.local.',
      '✓ Done.',
    ];
    const positions = expected.map((line) => lines.indexOf(line));
    expect(positions.every((p) => p >= 0), `log lines missing:\n${screen}`).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(screen).toMatch(/Applying Hostname \(job #\d+\)/);

    // Esc goes back: to the app list (the mDNS name now the new one), the categories, then Exit.
    term.keys('Escape');
    screen = await term.waitFor('? Choose an app');
    term.keys('Escape');
    screen = await term.waitFor('? Choose a category');
    await term.choose('Exit');

    const until = Date.now() + 15_000;
    while (!existsSync(exitFile) && Date.now() < until) await delay(50);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');

    expect(readFileSync(path.join(root, 'etc/hostname'), 'utf8')).toBe('nas-box\n');
    expect(readFileSync(path.join(root, 'etc/hosts'), 'utf8')).toContain('127.0.1.1\tnas-box\n');
    expect(JSON.parse(readFileSync(path.join(root, 'var/lib/hearth/sandbox-state.json'), 'utf8')).hostname).toBe('nas-box');
    // The menu closed the database: no write-ahead log left behind.
    expect(existsSync(path.join(root, 'var/lib/hearth/hearth.db-wal'))).toBe(false);
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    try {
      const [job] = appliance.jobs.recent(1);
      expect(job).toMatchObject({ appId: 'hostname', action: 'apply', status: 'succeeded', params: { hostname: 'nas-box' } });
      expect(job!.startedBy).toMatch(/^cli:/);
      expect(appliance.saved.get('hostname')).toEqual({ hostname: 'nas-box' });
    } finally {
      appliance.close();
    }

    expect([...term.tooWide], 'lines wider than 80 columns').toEqual([]);
  }, 60_000);

  it('speaks Chinese with LANG=zh_CN.UTF-8, every line within 80 columns, and Ctrl-C leaves cleanly (120×24)', async () => {
    checkBuild();
    const root = tempRoot();
    const exitFile = path.join(tempRoot(), 'exit-code');
    const term = new Tmux();
    sessions.push(term);
    term.start(
      `env HEARTH_SYSTEM=sandbox LC_ALL= LANG=zh_CN.UTF-8 ${quote(process.execPath)} ${quote(entry)} config --root ${quote(root)}; echo $? > ${quote(exitFile)}`,
      120,
    );
    await term.waitFor('? 请选择类别');
    await term.choose('配置');
    const apps = await term.waitFor('? 请选择应用');
    expect(apps).toMatch(/主机名 +— 此设备在网络中的名称/);
    await term.choose('时区');
    const form = await term.waitFor('第 1 项，共 1 项');
    expect(form).toContain('Hearth › 配置 › 时区');
    term.keys('Escape');
    await term.waitFor('? 请选择应用');
    term.keys('C-c');
    const until = Date.now() + 15_000;
    while (!existsSync(exitFile) && Date.now() < until) await delay(50);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    expect([...term.tooWide], 'lines wider than 80 columns').toEqual([]);
  }, 60_000);
});

describe('hearth config without a terminal', () => {
  it('exits 2 and points to hearth app run', async () => {
    let stderr = '';
    const code = await configMenuCommand(
      {
        t: translator('en'),
        env: { HEARTH_SYSTEM: 'sandbox' },
        stdout: () => {},
        stderr: (text) => (stderr += text),
        stdin: Readable.from([]),
        stdinIsTty: false,
        stdoutIsTty: false,
      },
      { root: tempRoot() },
    );
    expect(code).toBe(2);
    expect(stderr).toContain('hearth app run');
  });
});

describe('menu text', () => {
  it('shows control characters of program output instead of obeying them', () => {
    expect(sanitize('a\u001b[2Jb\u0007c\td\ne\u007f\u009b\u202e')).toBe('a␛[2Jb␇c\td\ne␡\ufffd\ufffd');
    expect(sanitizeLine('one\ntwo\r')).toBe('one␤two␍');
    expect(sanitizeLine('a\tb')).toBe('a       b');
  });

  it('measures wide characters as two columns and cuts to a width', () => {
    expect(displayWidth('主机名')).toBe(6);
    expect(displayWidth('\u001b[1mbold\u001b[22m')).toBe(4);
    expect(displayWidth('é')).toBe(1);
    expect(truncate('The name of this box', 10)).toBe('The name …');
    expect(truncate('此设备在网络中的名称', 9)).toBe('此设备在…');
    expect(displayWidth(truncate('此设备在网络中的名称', 9))).toBeLessThanOrEqual(9);
    expect(truncate('short', 10)).toBe('short');
  });

  it('wraps between words, between Chinese characters, and inside words longer than a line', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrap('tz 数据库中的名称', 9)).toEqual(['tz 数据库', '中的名称']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrap('first line of a log', 10, '  ')).toEqual(['first line', '  of a log']);
    expect(wrap('  indented output', 40)).toEqual(['  indented output']);
    expect(wrap('a\nb', 10)).toEqual(['a', 'b']);
    for (const line of wrap('时区 — 此设备的本地时间：计划任务、日志和维护时段都以它为准，ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 20)) {
      expect(displayWidth(line)).toBeLessThanOrEqual(20);
    }
  });
});
