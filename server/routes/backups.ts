import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fastifyMultipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import { backupSettings } from '../apps/backups/backups.js';
import { HearthError } from '../errors.js';
import { formatBytes } from '../format.js';
import { summarizeJob } from '../jobs/job-summary.js';
import { errorResponses } from '../schemas/api.js';
import { JobSummary } from '../schemas/apps.js';
import { BackupListingSchema as Listing, BackupStatusSchema as Status } from '../schemas/backups.js';

const ArchiveName = Type.Object({ name: Type.String({ pattern: '^hearth-backup_[a-z0-9-]{1,63}_\\d{8}-\\d{6}\\.tar(\\.gz|\\.zst)?(\\.age)?$' }) });

const Passphrase = Type.String({ minLength: 1, maxLength: 1024 });
const Started = Type.Object({ job: JobSummary });

/**
 * Backups from the panel: list and status, create, verify, download, restore from the
 * destination or from an upload. Every operation is a job (see GET /api/jobs/:id/events).
 */
const backupRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  const { backups, jobs } = appliance;
  const starter = (request: { session?: { username: string }; t: (key: string) => string }) => ({
    startedBy: `panel:${request.session!.username}`,
    language: request.t('common:languageCode'),
  });

  app.get(
    '/api/backups',
    { schema: { summary: 'Backups in the destination, newest first, and whether the box is safely backed up', response: { 200: Type.Object({ status: Status, backups: Type.Array(Listing) }), ...errorResponses } } },
    async (request) => {
      const t = request.t;
      const status = await backups.status();
      const message = (error: { code: string; params: Record<string, string | number> } | null) => (error ? t(`errors:${error.code}`, error.params) : null);
      return {
        status: { ...status, lastDrill: status.lastDrill ? { at: status.lastDrill.at, archive: status.lastDrill.archive, ok: status.lastDrill.ok, errorCode: status.lastDrill.errorCode, message: message(status.lastDrill.error) } : null },
        backups: (await backups.list()).map((archive) => ({
          ...archive,
          verified: archive.verified ? { at: archive.verified.at, ok: archive.verified.ok, error: archive.verified.error?.code ?? null, message: message(archive.verified.error) } : null,
        })),
      };
    },
  );

  app.post(
    '/api/backups/drill',
    { schema: { summary: 'Run the restore drill now: the newest backup read back in full and its database checked', response: { 202: Started, ...errorResponses } } },
    async (request, reply) => {
      const { id } = backups.drill(starter(request));
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  app.post(
    '/api/backups',
    {
      schema: {
        summary: 'Back up now, with the Backups app settings unless overridden',
        body: Type.Object({ data: Type.Optional(Type.Boolean()), compression: Type.Optional(Type.Union([Type.Literal('zstd'), Type.Literal('gzip'), Type.Literal('none')])) }, { additionalProperties: false }),
        response: { 202: Started, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = backups.create(request.body, starter(request));
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  app.post(
    '/api/backups/:name/verify',
    {
      schema: {
        summary: 'Read a backup back in full and check it against its manifest',
        params: ArchiveName,
        body: Type.Optional(Type.Object({ passphrase: Type.Optional(Passphrase) }, { additionalProperties: false })),
        response: { 202: Started, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { file } = await backups.findArchive(request.params.name);
      const { id } = await backups.verify(file, request.body?.passphrase ? { passphrase: request.body.passphrase } : {}, starter(request));
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  app.get(
    '/api/backups/:name/download',
    { schema: { summary: 'Download a backup (streamed)', params: ArchiveName, response: { 200: Type.Any(), ...errorResponses } } },
    async (request, reply) => {
      const { file, name } = await backups.findArchive(request.params.name);
      const { stream, size } = await appliance.system.openReadStream(file);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(size))
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );

  const RestoreBody = Type.Object(
    {
      /** A backup in the destination, or an upload's id (POST /api/backups/upload). */
      name: Type.Optional(ArchiveName.properties.name),
      upload: Type.Optional(Type.String({ pattern: '^[0-9a-f]{24}$' })),
      passphrase: Type.Optional(Passphrase),
      dryRun: Type.Optional(Type.Boolean()),
      includeData: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  );
  app.post(
    '/api/restore',
    { schema: { summary: 'Restore a backup (or a dry run of it)', body: RestoreBody, response: { 202: Started, ...errorResponses } } },
    async (request, reply) => {
      const { name, upload, passphrase, dryRun, includeData } = request.body;
      if (Boolean(name) === Boolean(upload)) throw new HearthError('HEARTH_ERR_VALIDATION', { field: 'name' });
      const file = name ? (await backups.findArchive(name)).file : await backups.uploadFile(upload!);
      const { id } = backups.restore(file, { ...(passphrase ? { passphrase } : {}), dryRun: Boolean(dryRun), includeData: includeData !== false }, starter(request));
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  // Uploads: multipart, streamed to disk, bounded by the Backups app's limit.
  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, { limits: { files: 1, fields: 0, parts: 1 } });
    uploads.post(
      '/api/backups/upload',
      { schema: { summary: 'Upload an archive for a restore (multipart field "archive")', response: { 201: Type.Object({ upload: Type.String(), size: Type.Number() }), ...errorResponses } } },
      async (request, reply) => {
        const limit = (await backupSettings(appliance.env)).uploadLimitBytes;
        // Refused before a byte is read when the browser says the upload is too large (the multipart framing aside).
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > limit + 64 * 1024) throw new HearthError('HEARTH_ERR_UPLOAD_TOO_LARGE', { limit: formatBytes(limit) });
        const part = await request.file({ limits: { fileSize: limit } });
        if (!part) throw new HearthError('HEARTH_ERR_VALIDATION', { field: 'archive' });
        const received = await backups.receiveUpload(part.file);
        if (part.file.truncated) {
          await appliance.system.removeFile(await backups.uploadFile(received.id));
          throw new HearthError('HEARTH_ERR_UPLOAD_TOO_LARGE', { limit: formatBytes(limit) });
        }
        return reply.code(201).send({ upload: received.id, size: received.size });
      },
    );
  });
};

export default backupRoutes;
