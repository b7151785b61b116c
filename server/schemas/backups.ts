import { Type, type Static } from 'typebox';

/** One archive in the destination (GET /api/backups). `verified.error` is an error code, `message` says it in the request's language. */
export const BackupListingSchema = Type.Object({
  name: Type.String(),
  path: Type.String(),
  size: Type.Number(),
  createdAt: Type.String(),
  host: Type.String(),
  compression: Type.String(),
  encrypted: Type.Boolean(),
  data: Type.Union([Type.Boolean(), Type.Null()]),
  entries: Type.Union([Type.Integer(), Type.Null()]),
  verified: Type.Union([
    Type.Null(),
    Type.Object({ at: Type.String(), ok: Type.Boolean(), error: Type.Union([Type.String(), Type.Null()]), message: Type.Union([Type.String(), Type.Null()]) }),
  ]),
});

/** Is the box safely backed up, and can it be restored? `lastDrill.message`: the failure in the request's language. */
export const BackupStatusSchema = Type.Object({
  destination: Type.String(),
  autoBackup: Type.Boolean(),
  lastGoodAt: Type.Union([Type.String(), Type.Null()]),
  staleAfterDays: Type.Integer(),
  stale: Type.Boolean(),
  lastDrill: Type.Union([
    Type.Null(),
    Type.Object({ at: Type.String(), archive: Type.String(), ok: Type.Boolean(), errorCode: Type.Union([Type.String(), Type.Null()]), message: Type.Union([Type.String(), Type.Null()]) }),
  ]),
  drillFailing: Type.Boolean(),
});

export type BackupListing = Static<typeof BackupListingSchema>;
export type BackupStatus = Static<typeof BackupStatusSchema>;
