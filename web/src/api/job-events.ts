import { api, jobEventsUrl, jobFeedUrl, type JobSummary, type LogLine } from './endpoints';

/**
 * The two live streams of the jobs API, over the browser's EventSource: it sends the
 * session cookie, and Last-Event-ID when it reconnects, so a dropped log resumes
 * after the last line it had. The data is parsed here and nowhere else.
 */

function parse<T>(event: Event): T | undefined {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    return undefined;
  }
}

/**
 * EventSource gives up without saying why (a 401, a 404). If the session ended, the
 * next API call says so and the panel asks to log in again, as for any other call.
 */
function checkSession() {
  api.session().catch(() => undefined);
}

export interface JobLogListener {
  onLine(line: LogLine): void;
  /** The job ended; the stream is closed (an open one would reconnect and replay). */
  onEnd(job: JobSummary): void;
  /** The stream was refused or could not be resumed. */
  onFailed(): void;
}

/** Follows one job's log, from the line after `afterSeq`. Returns the function that stops it. */
export function followJobLog(id: number, listener: JobLogListener, afterSeq = 0): () => void {
  const source = new EventSource(jobEventsUrl(id, afterSeq));
  source.addEventListener('line', (event) => {
    const line = parse<LogLine>(event);
    if (line) listener.onLine(line);
  });
  source.addEventListener('end', (event) => {
    source.close();
    const job = parse<JobSummary>(event);
    if (job) listener.onEnd(job);
    else listener.onFailed();
  });
  source.addEventListener('error', () => {
    // CONNECTING: the browser is already reconnecting by itself. CLOSED: it gave up.
    if (source.readyState !== EventSource.CLOSED) return;
    checkSession();
    listener.onFailed();
  });
  return () => source.close();
}

const feedRetryMs = 5_000;

/**
 * Every job that starts or ends, from the panel, the CLI over SSH or the scheduler.
 * The feed reports changes from the moment it connects: `onConnected` runs then (and
 * after every reconnection), so whatever shows jobs can reload what it missed.
 */
export function watchJobFeed(onJob: (job: JobSummary) => void, onConnected: () => void): () => void {
  let source: EventSource | undefined;
  let retry: number | undefined;

  const open = () => {
    const current = new EventSource(jobFeedUrl);
    source = current;
    current.addEventListener('open', onConnected);
    current.addEventListener('job', (event) => {
      const job = parse<JobSummary>(event);
      if (job) onJob(job);
    });
    current.addEventListener('error', () => {
      if (current.readyState !== EventSource.CLOSED) return;
      checkSession();
      retry = window.setTimeout(open, feedRetryMs);
    });
  };

  open();
  return () => {
    window.clearTimeout(retry);
    source?.close();
  };
}
