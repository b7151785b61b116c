import type { JobSummary } from '../../../server/schemas/apps';
import type { SnapshotListing, SnapshotStatus } from '../../../server/schemas/snapshots';
import { apiRequest, type RequestOptions } from './client';

export type { SnapshotListing, SnapshotStatus };

export interface SnapshotsOverview {
  status: SnapshotStatus;
  snapshots: SnapshotListing[];
}

const snapshotPath = (id: string) => `/api/snapshots/${encodeURIComponent(id)}`;

/** The snapshots API (server/routes/snapshots.ts). */
export const snapshotsApi = {
  overview: (options?: RequestOptions) => apiRequest<SnapshotsOverview>('GET', '/api/snapshots', undefined, options),
  create: (label: string) => apiRequest<{ job: JobSummary }>('POST', '/api/snapshots', label ? { label } : {}),
  remove: (id: string) => apiRequest<{ job: JobSummary }>('DELETE', snapshotPath(id)),
  /** `confirm`: the snapshot's id, typed by the owner. */
  rollback: (id: string, confirm: string) => apiRequest<{ job: JobSummary }>('POST', `${snapshotPath(id)}/rollback`, { confirm }),
};
