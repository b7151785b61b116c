/**
 * Real receivers on 127.0.0.1 for the notification tests: an SMTP server
 * (smtp-server, with AUTH, STARTTLS or TLS), an HTTP server that records what it is
 * sent, and a TCP server that accepts and never says a word. Test-only: nothing in
 * the daemon imports this file.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  /** The message as it arrived: headers, blank line, body. */
  raw: string;
  /** The user the client logged in as, if any. */
  user: string | undefined;
  /** Whether the session was encrypted when the message came. */
  secure: boolean;
}

export interface Login {
  method: string;
  username: string;
  password: string;
  secure: boolean;
  accepted: boolean;
}

let certificate: Promise<{ key: string; cert: string }> | undefined;

/** A self-signed certificate for 127.0.0.1 and localhost, made once per test file. */
export function testCertificate(): Promise<{ key: string; cert: string }> {
  certificate ??= (async () => {
    const { default: selfsigned } = await import('selfsigned');
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
      ],
    });
    return { key: pems.private, cert: pems.cert };
  })();
  return certificate;
}

const servers: Array<() => Promise<void>> = [];

/** Closes every receiver started since the last call; the tests call it in afterEach. */
export async function closeReceivers(): Promise<void> {
  await Promise.all(servers.splice(0).map((close) => close()));
}

/**
 * An SMTP server on 127.0.0.1:<random>. `users` turns AUTH on (PLAIN and LOGIN) and
 * makes it required; "starttls" offers STARTTLS, "tls" speaks TLS from the start,
 * "none" offers neither and allows a login in clear (loopback only). `noAuth` offers
 * no AUTH at all (an open relay).
 */
export async function startSmtpServer(options: { security: 'starttls' | 'tls' | 'none'; users?: Record<string, string>; refuse?: string[]; noAuth?: boolean }) {
  const mails: ReceivedMail[] = [];
  const logins: Login[] = [];
  const pems = options.security === 'none' ? undefined : await testCertificate();
  const server = new SMTPServer({
    secure: options.security === 'tls',
    ...(pems ? { key: pems.key, cert: pems.cert } : {}),
    disabledCommands: [...(options.security === 'none' ? ['STARTTLS'] : []), ...(options.noAuth ? ['AUTH'] : [])],
    allowInsecureAuth: options.security === 'none',
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !options.users,
    logger: false,
    closeTimeout: 100,
    onAuth(auth, session, callback) {
      const accepted = options.users !== undefined && options.users[auth.username ?? ''] === auth.password;
      logins.push({ method: auth.method, username: auth.username ?? '', password: auth.password ?? '', secure: session.secure, accepted });
      if (!accepted) return callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (options.refuse?.includes(address.address)) return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
          secure: session.secure,
        });
        callback(null, 'Queued as 4711');
      });
    },
  });
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve) => {
    const listening = server.listen(0, '127.0.0.1', () => resolve((listening.address() as AddressInfo).port));
  });
  servers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, mails, logins };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP server on 127.0.0.1:<random> that records every request and answers with
 * `reply` (default 200 "ok"); 'hang' never answers.
 */
export async function startHttpReceiver(reply: { status: number; body?: string; headers?: Record<string, string> } | 'hang' = { status: 200, body: 'ok' }) {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (reply === 'hang') return;
      response.writeHead(reply.status, { 'Content-Type': 'text/plain', ...reply.headers });
      response.end(reply.body ?? '');
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, requests };
}

/** A TCP server that accepts connections and never says anything (a dead mail server). */
export async function startSilentServer() {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port, accepted: () => accepted };
}

/** A port on 127.0.0.1 where nothing listens: connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The text body of a received single-part message, its transfer encoding undone. */
export function mailBody(mail: ReceivedMail): string {
  const split = mail.raw.indexOf('\r\n\r\n');
  const headers = mail.raw.slice(0, split);
  const body = mail.raw.slice(split + 4);
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  let bytes: Buffer;
  if (encoding === 'quoted-printable') {
    const unfolded = body.replace(/=\r\n/g, '');
    const out: number[] = [];
    for (let i = 0; i < unfolded.length; i += 1) {
      const hex = unfolded[i] === '=' ? /^[0-9A-F]{2}$/i.exec(unfolded.slice(i + 1, i + 3)) : null;
      if (hex) {
        out.push(parseInt(hex[0], 16));
        i += 2;
      } else out.push(...Buffer.from(unfolded[i]!, 'utf8'));
    }
    bytes = Buffer.from(out);
  } else if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(body, 'utf8');
  return bytes.toString('utf8').replace(/\r\n/g, '\n');
}
