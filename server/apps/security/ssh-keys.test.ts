import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeyProblem, parseAuthorizedKeys, type ParsedKeys } from './ssh-keys.js';

/** Real keys, made by OpenSSH's own ssh-keygen (openssh-client). */
let dir: string;
const pub: Record<string, string> = {};
const priv: Record<string, string> = {};

function keygen(name: string, ...args: string[]) {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', `me@laptop ${name}`, '-f', file, ...args]);
  pub[name] = readFileSync(`${file}.pub`, 'utf8').trim();
  priv[name] = readFileSync(file, 'utf8');
}

/** An SSH wire-format string (uint32 length + bytes). */
const wire = (data: Buffer | string) => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** ssh-keygen -l: whether OpenSSH itself reads the line as a public key. */
function openSshAccepts(line: string): boolean {
  const file = path.join(dir, 'check.pub');
  writeFileSync(file, line + '\n');
  try {
    execFileSync('ssh-keygen', ['-l', '-f', file], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function parsed(text: string): ParsedKeys {
  const result = parseAuthorizedKeys(text);
  if (isKeyProblem(result)) throw new Error(`refused: ${JSON.stringify(result)}`);
  return result;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-keys-'));
  keygen('ed25519', '-t', 'ed25519');
  keygen('rsa3072', '-t', 'rsa', '-b', '3072');
  keygen('rsa1024', '-t', 'rsa', '-b', '1024');
  keygen('ecdsa256', '-t', 'ecdsa', '-b', '256');
  keygen('ecdsa384', '-t', 'ecdsa', '-b', '384');
  keygen('ecdsa521', '-t', 'ecdsa', '-b', '521');
  keygen('pem', '-t', 'rsa', '-b', '2048', '-m', 'PEM');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('authorized_keys lines', () => {
  it('accepts every key type ssh-keygen makes, exactly as it wrote them', () => {
    for (const name of ['ed25519', 'rsa3072', 'ecdsa256', 'ecdsa384', 'ecdsa521']) {
      expect(parsed(pub[name]!), name).toEqual({ lines: [pub[name]], count: 1 });
    }
  });

  it('accepts security-key (FIDO) keys, which OpenSSH reads too', () => {
    const ed = Buffer.concat([wire('sk-ssh-ed25519@openssh.com'), wire(Buffer.alloc(32, 7)), wire('ssh:')]).toString('base64');
    const point = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 9)]);
    const ec = Buffer.concat([wire('sk-ecdsa-sha2-nistp256@openssh.com'), wire('nistp256'), wire(point), wire('ssh:')]).toString('base64');
    for (const line of [`sk-ssh-ed25519@openssh.com ${ed} yubikey`, `sk-ecdsa-sha2-nistp256@openssh.com ${ec}`]) {
      expect(parsed(line)).toEqual({ lines: [line], count: 1 });
    }
    expect(openSshAccepts(`sk-ssh-ed25519@openssh.com ${ed} yubikey`)).toBe(true);
    // Cut the application string off: neither OpenSSH nor Hearth reads it.
    const cut = Buffer.concat([wire('sk-ssh-ed25519@openssh.com'), wire(Buffer.alloc(32, 7))]).toString('base64');
    expect(openSshAccepts(`sk-ssh-ed25519@openssh.com ${cut}`)).toBe(false);
    expect(parseAuthorizedKeys(`sk-ssh-ed25519@openssh.com ${cut}`)).toEqual({ key: 'app-ssh:errors.keyInvalid', params: { line: 1 } });
  });

  it('keeps comment lines and options, drops blank lines, CRs and repeated keys, and normalizes blanks', () => {
    const [type, data] = pub.ed25519!.split(' ');
    const text = [
      '# laptop',
      '',
      `${type}\t ${data}   me@laptop  (work)\r`,
      `from="192.168.1.0/24,fd00::/8",no-agent-forwarding,command="echo \\"hi\\"" ${pub.rsa3072}`,
      pub.ed25519,
      '   ',
    ].join('\n');
    expect(parsed(text)).toEqual({
      lines: ['# laptop', `${type} ${data} me@laptop (work)`, `from="192.168.1.0/24,fd00::/8",no-agent-forwarding,command="echo \\"hi\\"" ${pub.rsa3072}`],
      count: 2,
    });
    expect(openSshAccepts(`no-pty,from="10.0.0.0/8" ${pub.ed25519}`)).toBe(true);
    expect(parsed('')).toEqual({ lines: [], count: 0 });
  });

  it('refuses a private key pasted by mistake, whatever its format', () => {
    expect(parseAuthorizedKeys(priv.ed25519!)).toEqual({ key: 'app-ssh:errors.keyPrivate', params: { line: 1 } });
    expect(priv.pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(parseAuthorizedKeys(`${pub.ed25519}\n\n${priv.pem}`)).toEqual({ key: 'app-ssh:errors.keyPrivate', params: { line: 3 } });
    expect(parseAuthorizedKeys('PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none')).toEqual({ key: 'app-ssh:errors.keyPrivate', params: { line: 1 } });
    expect(parseAuthorizedKeys('-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==')).toEqual({ key: 'app-ssh:errors.keyPrivate', params: { line: 1 } });
  });

  it('explains what is wrong with a line, with its number', () => {
    const rfc4716 = execFileSync('ssh-keygen', ['-e', '-f', path.join(dir, 'ed25519.pub')], { encoding: 'utf8' });
    const [, edData] = pub.ed25519!.split(' ');
    const truncated = edData!.slice(0, 40);
    const refusals: Array<[string, string, Record<string, string | number>]> = [
      [rfc4716, 'keyRfc4716', { line: 1 }],
      [pub.rsa1024!, 'keyRsaShort', { line: 1, bits: 1024, min: 2048 }],
      [`ssh-dss AAAAB3NzaC1kc3MAAACBAP`, 'keyDsa', { line: 1 }],
      [`ssh-rsa ${edData}`, 'keyTypeMismatch', { line: 1, type: 'ssh-rsa', actual: 'ssh-ed25519' }],
      [`ecdsa-sha2-nistp384 ${pub.ecdsa256!.split(' ')[1]}`, 'keyTypeMismatch', { line: 1, type: 'ecdsa-sha2-nistp384', actual: 'ecdsa-sha2-nistp256' }],
      [`ssh-ed25519 ${truncated}`, 'keyInvalid', { line: 1 }],
      [`ssh-ed25519 ${edData!.slice(0, -4)}`, 'keyInvalid', { line: 1 }],
      [`ssh-ed25519 ${edData}AAAA`, 'keyInvalid', { line: 1 }],
      ['ssh-ed25519', 'keyInvalid', { line: 1 }],
      ['ssh-ed25519 $(reboot)', 'keyInvalid', { line: 1 }],
      [`ssh-ed25519 ${edData};reboot`, 'keyInvalid', { line: 1 }],
      [`${pub.ed25519}\n\nhello world`, 'keyInvalid', { line: 3 }],
      [edData!, 'keyInvalid', { line: 1 }],
      [`${pub.ed25519} comment\u0000hidden`, 'keyInvalid', { line: 1 }],
      [`${pub.ed25519} \u001b[31mred`, 'keyInvalid', { line: 1 }],
      ['ssh-foo AAAAB3NzaC1yc2E=', 'keyType', { line: 1, type: 'ssh-foo' }],
      [`ssh-ed25519-cert-v01@openssh.com ${edData}`, 'keyType', { line: 1, type: 'ssh-ed25519-cert-v01@openssh.com' }],
      [`no-pty,bogus ${pub.ed25519}`, 'keyOptions', { line: 1 }],
      [`from="10.0.0.1 ${pub.ed25519}`, 'keyOptions', { line: 1 }],
      ['no-pty', 'keyOptions', { line: 1 }],
    ];
    for (const [text, key, params] of refusals) {
      expect(parseAuthorizedKeys(text), text).toEqual({ key: `app-ssh:errors.${key}`, params });
    }
    // OpenSSH does not read those either.
    for (const line of [`ssh-rsa ${edData}`, `ssh-ed25519 ${truncated}`, 'ssh-foo AAAAB3NzaC1yc2E=']) expect(openSshAccepts(line), line).toBe(false);
  });
});
