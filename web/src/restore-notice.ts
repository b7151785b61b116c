/**
 * A restore replaces the box's accounts with those of the backup. The box carries the
 * owner's session over when the owner existed in the backup; otherwise the session
 * ends and the next API call answers 401. The panel then shows Log in (or Activate,
 * for a backup made before activation) — and must say why: the restore started here
 * is remembered for this tab (sessionStorage, so a reload keeps it) until the owner is
 * back in, and the Backups page then shows how it ended.
 */
const storageKey = 'hearth.restore';
/** A restore is minutes, not days: an old mark is forgotten. */
const maxAgeMs = 24 * 3_600_000;

interface Mark {
  jobId: number;
  at: number;
}

/** The restore whose outcome the Backups page is to show once the owner is back in. */
let outcomeToShow: number | null = null;
/** Where the mark lives when storage is disabled (private mode): it lasts for this page only. */
let inMemory: Mark | null = null;

function read(): Mark | null {
  let mark = inMemory;
  try {
    const stored = sessionStorage.getItem(storageKey);
    if (stored) mark = JSON.parse(stored) as Mark;
  } catch {
    // Storage disabled or garbled: what this page remembers.
  }
  if (mark && typeof mark.jobId === 'number' && typeof mark.at === 'number' && Date.now() - mark.at < maxAgeMs) return mark;
  return null;
}

/** A restore (not a dry run) was started from this panel. */
export function noteRestoreStarted(jobId: number) {
  inMemory = { jobId, at: Date.now() };
  try {
    sessionStorage.setItem(storageKey, JSON.stringify(inMemory));
  } catch {
    // Kept in memory only.
  }
}

/** The restore started here that may have ended the session, if any. */
export function restoreNotice(): number | null {
  return read()?.jobId ?? null;
}

function forget() {
  inMemory = null;
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // nothing stored
  }
}

/** The restore ended and the owner is still logged in: nothing more to say. */
export function restoreSettled() {
  forget();
  outcomeToShow = null;
}

/** The owner logged in (or activated) again after a restore: the Backups page shows how it ended. */
export function backInAfterRestore() {
  const mark = read();
  if (mark) outcomeToShow = mark.jobId;
  forget();
}

/** For the Backups page, once: the restore to show in its console. */
export function takeRestoreOutcome(): number | null {
  const id = outcomeToShow;
  outcomeToShow = null;
  return id;
}
