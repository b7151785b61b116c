import type { FastifyReply } from 'fastify';
import { sessionCookieName } from '../http/types.js';

/** HttpOnly, SameSite=Strict, and under HTTPS Secure with the __Host- prefix. No Max-Age: the server decides expiry. */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean) {
  reply.setCookie(sessionCookieName(secure), token, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean) {
  reply.clearCookie(sessionCookieName(secure), { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}
