import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { HearthError } from '../errors.js';
import { sendError } from './error-handler.js';

/**
 * Serves the built panel (web/dist). Hashed assets are cached for a year; index.html
 * never, so an update shows at the next reload. A GET for a page that is not a file
 * and not /api gets index.html: the panel routes on the client (/login, /settings …).
 */
export async function registerPanel(app: FastifyInstance, panelDir: string) {
  const hasPanel = existsSync(path.join(panelDir, 'index.html'));
  if (hasPanel) {
    await app.register(fastifyStatic, {
      root: panelDir,
      // One route per built file, found at start (a release's panel never changes while
      // it runs); everything else falls through to the handler below. With wildcard
      // matching, "/" is a directory that @fastify/send refuses with a 403.
      wildcard: false,
      index: false,
      setHeaders(reply, filePath) {
        const immutable = filePath.startsWith(path.join(panelDir, 'assets') + path.sep);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url === '/api' || request.url.startsWith('/api/');
    if (hasPanel && !isApi && (request.method === 'GET' || request.method === 'HEAD')) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return sendError(request, reply, new HearthError('HEARTH_ERR_NOT_FOUND'));
  });
}
