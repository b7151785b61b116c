/**
 * OpenSSH authorized_keys lines, checked the way sshd reads them (sshd(8),
 * "AUTHORIZED_KEYS FILE FORMAT"): optional options, a key type, the base64 key blob
 * and an optional comment. The blob is decoded and walked field by field (RFC 4253
 * 6.6, RFC 5656 3.1, RFC 8709, OpenSSH PROTOCOL.u2f), so a line that sshd would
 * silently skip — a truncated paste, a type that does not match the data — is
 * refused here with the line it is on.
 */

export type KeyProblem = { key: string; params: Record<string, string | number> };

export interface ParsedKeys {
  /** The lines to write: normalized keys, and the owner's comment lines, in order. */
  lines: string[];
  /** How many keys (not comment lines). */
  count: number;
}

/** Key types OpenSSH 9 accepts for user authentication. */
export const supportedKeyTypes = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
] as const;
type KeyType = (typeof supportedKeyTypes)[number];

/**
 * RSA below 2048 bits is breakable by a determined attacker (NIST SP 800-131A);
 * ssh-keygen has made 3072-bit keys by default since OpenSSH 8.0.
 */
export const minimumRsaBits = 2048;

/** Options sshd knows (sshd(8)); any other makes sshd ignore the whole line. */
const knownOptions = new Set([
  'agent-forwarding', 'cert-authority', 'command', 'environment', 'expiry-time', 'from',
  'no-agent-forwarding', 'no-port-forwarding', 'no-pty', 'no-user-rc', 'no-x11-forwarding',
  'permitlisten', 'permitopen', 'port-forwarding', 'principals', 'pty', 'no-touch-required',
  'verify-required', 'restrict', 'tunnel', 'user-rc', 'x11-forwarding',
]);
const option = '([A-Za-z0-9-]+)(?:="(?:[^"\\\\]|\\\\.)*")?';
const optionsPattern = new RegExp(`^${option}(?:,${option})*$`);

/** The option names of an options string that matched optionsPattern. */
function optionNames(options: string): string[] {
  return [...options.matchAll(new RegExp(`${option},?`, 'gy'))].map((m) => m[1]!.toLowerCase());
}

/** Point sizes of uncompressed NIST curve points (0x04 || X || Y). */
const curvePointLength: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

const problem = (key: string, line: number, extra: Record<string, string | number> = {}): KeyProblem => ({
  key: `app-ssh:errors.${key}`,
  params: { line, ...extra },
});

/** Reads SSH wire-format strings (uint32 length + bytes) out of a key blob. */
function reader(blob: Buffer) {
  let at = 0;
  return {
    bytes(): Buffer | undefined {
      if (at + 4 > blob.length) return undefined;
      const length = blob.readUInt32BE(at);
      if (at + 4 + length > blob.length) return undefined;
      const value = blob.subarray(at + 4, at + 4 + length);
      at += 4 + length;
      return value;
    },
    get done() {
      return at === blob.length;
    },
  };
}

function bitLength(magnitude: Buffer): number {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start += 1;
  if (start === magnitude.length) return 0;
  return (magnitude.length - start - 1) * 8 + (32 - Math.clz32(magnitude[start]!));
}

/** Checks the fields after the type string; a problem key, or the RSA size. */
function checkBlobFields(type: KeyType, fields: ReturnType<typeof reader>): { ok: true; rsaBits?: number } | { ok: false } {
  const curveOf = (t: string) => /nistp(256|384|521)/.exec(t)?.[0];
  switch (type) {
    case 'ssh-ed25519': {
      const publicKey = fields.bytes();
      return publicKey?.length === 32 && fields.done ? { ok: true } : { ok: false };
    }
    case 'sk-ssh-ed25519@openssh.com': {
      const publicKey = fields.bytes();
      const application = fields.bytes();
      return publicKey?.length === 32 && application !== undefined && fields.done ? { ok: true } : { ok: false };
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
    case 'sk-ecdsa-sha2-nistp256@openssh.com': {
      const curve = fields.bytes()?.toString('latin1');
      const point = fields.bytes();
      const application = type.startsWith('sk-') ? fields.bytes() : Buffer.alloc(0);
      const expected = curveOf(type)!;
      const good = curve === expected && point !== undefined && point.length === curvePointLength[expected] && point[0] === 0x04 && application !== undefined && fields.done;
      return good ? { ok: true } : { ok: false };
    }
    case 'ssh-rsa': {
      const exponent = fields.bytes();
      const modulus = fields.bytes();
      if (!exponent || !modulus || !fields.done || bitLength(exponent) === 0) return { ok: false };
      // An mpint is two's complement: a positive modulus never has its top bit set.
      if (modulus.length === 0 || (modulus[0]! & 0x80) !== 0) return { ok: false };
      return { ok: true, rsaBits: bitLength(modulus) };
    }
  }
}

/** Splits "options keytype ..." at the first blank outside double quotes (sshd's rule). */
function splitOptions(line: string): [string, string] {
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (c === '\\' && quoted) i += 1;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return [line.slice(0, i), line.slice(i).trimStart()];
  }
  return [line, ''];
}

const looksLikeKeyType = (token: string) => /^(ssh|ecdsa|sk|rsa|dsa)[a-z0-9@.-]*$/i.test(token) && !token.includes('=');

/**
 * Checks every line of an authorized_keys text. Empty lines are dropped; comment
 * lines (#) are kept; a key line is normalized to single spaces. The first bad line
 * is reported (by number, counting from 1, as an editor shows it).
 */
export function parseAuthorizedKeys(text: string): ParsedKeys | KeyProblem {
  const lines: string[] = [];
  const seen = new Set<string>();
  let count = 0;
  const rows = text.split('\n');
  for (const [index, raw] of rows.entries()) {
    const number = index + 1;
    // Pasted from Windows: CRLF.
    const line = raw.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(line) || /^PuTTY-User-Key-File-\d+:/.test(line)) return problem('keyPrivate', number);
    if (/^---- BEGIN SSH2 PUBLIC KEY ----$/.test(line)) return problem('keyRfc4716', number);
    // A NUL, escape or other control character has no place in a key line.
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line)) return problem('keyInvalid', number);
    if (line.startsWith('#')) {
      lines.push(line);
      continue;
    }

    let options = '';
    let rest = line;
    const first = line.split(/[ \t]+/)[0]!;
    if (!(supportedKeyTypes as readonly string[]).includes(first) && first !== 'ssh-dss') {
      const [candidate, after] = splitOptions(line);
      const names = optionsPattern.test(candidate) ? optionNames(candidate) : [];
      if (names.length === 0 || !names.every((name) => knownOptions.has(name)) || after === '') {
        if (looksLikeKeyType(first)) return problem('keyType', number, { type: first.slice(0, 64) });
        // Something that reads as options (no-pty, from="…"): say so; anything else is not a key.
        const optionLike = names.some((name) => knownOptions.has(name)) || candidate.includes('="');
        return problem(optionLike ? 'keyOptions' : 'keyInvalid', number);
      }
      options = candidate;
      rest = after;
    }

    const [type = '', data = '', ...commentWords] = rest.split(/[ \t]+/);
    if (type === 'ssh-dss') return problem('keyDsa', number);
    if (!(supportedKeyTypes as readonly string[]).includes(type)) return problem('keyType', number, { type: type.slice(0, 64) });
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) return problem('keyInvalid', number);
    const blob = Buffer.from(data, 'base64');
    const fields = reader(blob);
    const embedded = fields.bytes()?.toString('latin1');
    if (embedded === undefined || !/^[\x21-\x7e]{1,64}$/.test(embedded)) return problem('keyInvalid', number);
    if (embedded !== type) return problem('keyTypeMismatch', number, { type, actual: embedded });
    const checked = checkBlobFields(type as KeyType, fields);
    if (!checked.ok) return problem('keyInvalid', number);
    if (checked.rsaBits !== undefined && checked.rsaBits < minimumRsaBits) return problem('keyRsaShort', number, { bits: checked.rsaBits, min: minimumRsaBits });

    if (seen.has(data)) continue;
    seen.add(data);
    count += 1;
    const comment = commentWords.join(' ');
    lines.push([options, type, data, comment].filter(Boolean).join(' '));
  }
  return { lines, count };
}

export function isKeyProblem(result: ParsedKeys | KeyProblem): result is KeyProblem {
  return 'key' in result;
}
