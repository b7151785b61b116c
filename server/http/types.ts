import type { Session } from '../auth/sessions.js';
import type { Translate } from '../i18n.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Translator for the language the request asked for (Accept-Language). */
    t: Translate;
    /** The owner's session; set on every authenticated /api route. */
    session?: Session;
    sessionToken?: string;
  }
  interface FastifyContextConfig {
    /** Reachable without a session (health, activation, login). Everything else needs one. */
    public?: boolean;
  }
}

export const sessionCookieName = (secure: boolean) => (secure ? '__Host-hearth_session' : 'hearth_session');
