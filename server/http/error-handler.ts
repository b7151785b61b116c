import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HearthError, isHearthError, type ErrorCode, type ErrorParams } from '../errors.js';
import { translator } from '../i18n.js';

/**
 * One shape for every error: { code, message, params?, retryAfterSeconds? }, the
 * message translated into the request's language. Internals of 5xx answers are
 * logged, never sent.
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: HearthError) {
  const t = request.t ?? translator(undefined);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).send({
    code: error.code,
    message: t(`errors:${error.code}`, error.params),
    ...(Object.keys(error.params).length ? { params: error.params } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    ...(error.fields ? { fields: error.fields.map((field) => ({ ...field, message: t(field.key, field.params) })) } : {}),
  });
}

function fromFastifyError(error: FastifyError): HearthError | undefined {
  if (error.validation) {
    const first = error.validation[0];
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const field = [first?.instancePath?.replace(/^\//, '').replace(/\//g, '.'), missing].filter(Boolean).join('.') || (error.validationContext ?? 'body');
    return new HearthError('HEARTH_ERR_VALIDATION', { field });
  }
  const byCode: Partial<Record<string, ErrorCode>> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'HEARTH_ERR_BODY_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HEARTH_ERR_UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'HEARTH_ERR_VALIDATION',
    FST_ERR_CTP_INVALID_JSON_BODY: 'HEARTH_ERR_VALIDATION',
  };
  const mapped = byCode[error.code];
  if (mapped) return new HearthError(mapped, mapped === 'HEARTH_ERR_VALIDATION' ? { field: 'body' } : {});
  if (error.statusCode === 400 && error instanceof SyntaxError) return new HearthError('HEARTH_ERR_VALIDATION', { field: 'body' });
  // A plugin refusing a path (a directory, a dotfile) is a miss, not a failure of the box.
  if (error.statusCode === 403 || error.statusCode === 404) return new HearthError('HEARTH_ERR_NOT_FOUND');
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isHearthError(error)) return sendError(request, reply, error);
    const mapped = fromFastifyError(error);
    if (mapped) return sendError(request, reply, mapped);
    if (error.statusCode === 429) {
      const params: ErrorParams = {};
      return sendError(request, reply, new HearthError('HEARTH_ERR_RATE_LIMITED', params, { retryAfterSeconds: 60 }));
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, new HearthError('HEARTH_ERR_INTERNAL'));
  });
}
