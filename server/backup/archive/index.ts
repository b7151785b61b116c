import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { HearthError } from '../../errors.js';
import type { Manifest, ManifestEntry } from './format.js';
import { ProgressReporter, type ProgressListener } from './progress.js';
import { walkArchive, type ArchiveLayers, type ArchiveLimits, type ReadOptions } from './read-archive.js';

/*
 * The archive engine of Hearth's backups: writing, reading, verifying and safely
 * extracting `hearth-backup_<host>_<stamp>.tar[.gz|.zst][.age]` files.
 * docs/backup-format.md describes the format; this is the API the backup and restore
 * jobs use.
 */

export { archiveFormat, archiveFormatVersion, manifestName } from './format.js';
export type { Compression, EntryType, Manifest, ManifestEntry, ManifestOptions, SkippedEntry } from './format.js';
export type { ArchiveProgress, ProgressListener } from './progress.js';
export { defaultLimits, type ArchiveLayers, type ArchiveLimits, type ReadOptions } from './read-archive.js';
export { scanSources, type ArchiveSource, type ScanOptions, type SourceScan } from './scan.js';
export { defaultGzipLevel, defaultZstdLevel, type ArchiveSystem } from './stages.js';
export { writeArchive, writeArchiveToFile, type ArchiveAbout, type WriteArchiveOptions, type WriteArchiveResult } from './write-archive.js';
export { extractArchive, type ExtractOptions, type ExtractResult } from './extract.js';

/**
 * The manifest of an archive, reading no further than its first entry (decryption
 * and decompression included): for listing backups. Checks the manifest itself
 * (format, version, paths, totals); not the entries — that is verifyArchive.
 */
export async function readManifest(file: string, options: ReadOptions & { limits?: Partial<ArchiveLimits> }): Promise<{ manifest: Manifest; layers: ArchiveLayers }> {
  return walkArchive(file, { ...options, complete: false, onManifest: () => 'stop' });
}

/**
 * Reads the whole archive without writing anything and checks every entry against
 * the manifest: the same set of paths (none unlisted, none twice, none missing),
 * each header's type, size, mode, owner, mtime and link target, each file's sha256,
 * and the end-of-archive marker. Resolves with the manifest; rejects with the
 * HearthError that names the first problem.
 */
export async function verifyArchive(
  file: string,
  options: ReadOptions & { onProgress?: ProgressListener; limits?: Partial<ArchiveLimits> },
): Promise<Manifest> {
  const progress = new ProgressReporter('verify', options.onProgress);
  const { manifest } = await walkArchive(file, { ...options, progress, complete: true });
  return manifest;
}

/**
 * Extracts one file of the archive (e.g. "state/hearth.db", to open it for an
 * integrity check during a restore drill) to `destination`, which must not exist
 * (created 0600, never through a link). Its sha256 is checked as it is written; on
 * any failure `destination` is removed. Reading stops right after that entry.
 */
export async function extractEntry(file: string, entryPath: string, destination: string, options: ReadOptions): Promise<ManifestEntry> {
  let wanted: ManifestEntry | undefined;
  let written = false;
  let created = false;
  try {
    await walkArchive(file, {
      ...options,
      complete: false,
      checkContent: (entry) => entry.path === wanted?.path,
      onManifest(manifest) {
        const listed = manifest.entries.find((entry) => entry.path === entryPath);
        // A hard link's content is its target's.
        const content = listed?.type === 'hardlink' ? manifest.entries.find((entry) => entry.path === listed.target) : listed;
        if (!content || content.type !== 'file') throw new HearthError('HEARTH_ERR_ARCHIVE_ENTRY_NOT_FOUND', { path: entryPath });
        wanted = content;
      },
      async onEntry(entry, content) {
        if (entry.path !== wanted!.path) return;
        const handle = await open(destination, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        created = true;
        try {
          let position = 0;
          for await (const chunk of content!) {
            let done = 0;
            while (done < chunk.length) {
              const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
              done += bytesWritten;
            }
            position += chunk.length;
          }
          await handle.sync();
        } finally {
          await handle.close();
        }
        written = true;
        return 'stop';
      },
    });
  } catch (error) {
    if (created) await rm(destination, { force: true });
    throw error;
  }
  if (!written) throw new HearthError('HEARTH_ERR_ARCHIVE_MISSING_ENTRY', { path: wanted?.path ?? entryPath });
  return wanted!;
}
