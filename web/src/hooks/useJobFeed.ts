import { useEffect, useRef } from 'react';
import { watchJobFeed } from '../api/job-events';
import type { JobSummary } from '../api/endpoints';

/**
 * Calls `onJob` for every job that starts or ends anywhere while the component is
 * shown, and `onConnected` whenever the feed (re)connects (to reload what it missed).
 */
export function useJobFeed(onJob: (job: JobSummary) => void, onConnected: () => void) {
  const handlers = useRef({ onJob, onConnected });
  useEffect(() => {
    handlers.current = { onJob, onConnected };
  });
  useEffect(
    () =>
      watchJobFeed(
        (job) => handlers.current.onJob(job),
        () => handlers.current.onConnected(),
      ),
    [],
  );
}
