import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A release channel over real HTTP on 127.0.0.1, serving a directory, for tests. Its
 * behaviour can be changed between requests: honour Range or ignore it (a server or
 * proxy that always sends the whole file), cut the connection after N bytes of a
 * body (a dropped download), announce a wrong Content-Length. Every request is
 * recorded (path and Range header) so a test can assert what the client asked.
 */
export interface ChannelServerOptions {
  /** Answer Range requests with 206 (default true); false: always 200 with the whole file. */
  range: boolean;
  /** Destroy the socket after sending this many body bytes (per response). */
  cutAfter?: number;
  /** Paths (e.g. "/manifest.json") answered with this status and no body. */
  fail?: Record<string, number>;
  /** Serve bodies with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  /** Send this many body bytes, then nothing more, keeping the connection open (a stalled transfer). */
  stallAfter?: number;
  /** Accept the request and never answer it. */
  silent?: boolean;
}

export interface ChannelServer {
  /** http://127.0.0.1:<port>/ */
  baseUrl: string;
  url(file: string): string;
  requests: Array<{ path: string; range?: string }>;
  options: ChannelServerOptions;
  close(): Promise<void>;
}

export async function serveChannel(dir: string, options: Partial<ChannelServerOptions> = {}): Promise<ChannelServer> {
  const state: ChannelServerOptions = { range: true, ...options };
  const requests: ChannelServer['requests'] = [];
  const server = http.createServer(async (request, response) => {
    const urlPath = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const range = request.headers.range;
    requests.push({ path: urlPath, ...(range ? { range } : {}) });
    if (state.silent) return;
    const failing = state.fail?.[urlPath];
    if (failing) {
      response.writeHead(failing).end();
      return;
    }
    const file = path.join(dir, path.normalize(urlPath).replace(/^(\.\.[/\\])+/, ''));
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      response.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = info.size - 1;
    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': state.range ? 'bytes' : 'none' };
    const wanted = state.range && range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (wanted) {
      start = Number(wanted[1]);
      if (wanted[2]) end = Math.min(end, Number(wanted[2]));
      if (start >= info.size) {
        response.writeHead(416, { 'content-range': `bytes */${info.size}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${info.size}`;
    }
    if (!state.chunked) headers['content-length'] = end - start + 1;
    response.writeHead(status, headers);
    if (request.method === 'HEAD' || info.size === 0) {
      response.end();
      return;
    }
    const cut = state.cutAfter ?? state.stallAfter;
    const stream = createReadStream(file, { start, end: cut === undefined ? end : Math.min(end, start + cut - 1) });
    stream.on('data', (chunk) => response.write(chunk));
    stream.on('end', () => {
      if (cut === undefined || start + cut - 1 >= end) response.end();
      // A dropped connection: the client got fewer bytes than announced.
      else if (state.cutAfter !== undefined) response.socket?.destroy();
      // A stalled one: the rest never comes (close() ends it).
    });
    stream.on('error', () => response.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/`;
  return {
    baseUrl,
    url: (file) => new URL(file, baseUrl).href,
    requests,
    options: state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
