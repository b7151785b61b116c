import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { errorResponses } from '../schemas/api.js';

const Notification = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  level: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]),
  title: Type.String(),
  body: Type.String(),
  readAt: Type.Union([Type.String(), Type.Null()]),
  deliveries: Type.Array(Type.Object({ channel: Type.String(), at: Type.String(), ok: Type.Boolean(), error: Type.Union([Type.String(), Type.Null()]) })),
});

const digits = Type.String({ pattern: '^(0|[1-9]\\d{0,15})$' });

/** The panel's notification feed: what the box told the owner, read or not. */
const notificationRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  const { feed } = appliance.notifications;

  app.get(
    '/api/notifications',
    {
      schema: {
        summary: 'Recent notifications, newest first, and how many are unread',
        querystring: Type.Object({ limit: Type.Optional(digits), before: Type.Optional(digits), unread: Type.Optional(Type.Literal('1')) }),
        response: { 200: Type.Object({ unread: Type.Integer(), notifications: Type.Array(Notification) }), ...errorResponses },
      },
    },
    async (request) => ({
      unread: feed.unreadCount(),
      notifications: feed.recent({
        limit: Number(request.query.limit ?? 50),
        ...(request.query.before ? { before: Number(request.query.before) } : {}),
        unreadOnly: request.query.unread === '1',
      }),
    }),
  );

  app.post(
    '/api/notifications/read',
    {
      schema: {
        summary: 'Mark notifications read: the given ids, or every one up to an id',
        body: Type.Union([
          Type.Object({ ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 200 }) }, { additionalProperties: false }),
          Type.Object({ upTo: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        ]),
        response: { 200: Type.Object({ changed: Type.Integer(), unread: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const changed = 'ids' in body ? feed.markRead(body.ids) : feed.markAllRead(body.upTo);
      return { changed, unread: feed.unreadCount() };
    },
  );
};

export default notificationRoutes;
