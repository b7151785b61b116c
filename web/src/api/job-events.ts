import { currentLanguage, i18n } from '../i18n';
import { api, jobEventsUrl, jobFeedUrl, type JobProgress, type JobSummary, type LogLine } from './endpoints';

/**
 * The two live streams of the jobs API, over the browser's EventSource: it sends the
 * session cookie, and Last-Event-ID when it reconnects, so a dropped log resumes
 * after the last line it had. It cannot send Accept-Language: each stream names the
 * panel's language in its URL, and reconnects in the new one when the owner switches.
 * The data is parsed here and nowhere else.
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

/** Calls `onChange` with the new language whenever the panel's language changes. */
function onLanguageChange(onChange: (language: string) => void): () => void {
  const handler = () => onChange(currentLanguage());
  i18n.on('languageChanged', handler);
  return () => i18n.off('languageChanged', handler);
}

export interface JobLogListener {
  onLine(line: LogLine): void;
  /** How far a long job is (backups, restores), a few times a second while it changes. */
  onProgress?(progress: JobProgress): void;
  /** The job ended; the stream is closed (an open one would reconnect and replay). */
  onEnd(job: JobSummary): void;
  /** The stream was refused or could not be resumed. */
  onFailed(): void;
}

/**
 * Follows one job's log, from the line after `afterSeq`. Another language reopens the
 * stream after the last line received, so the job's summary at the end is in it.
 * Returns the function that stops it.
 */
export function followJobLog(id: number, listener: JobLogListener, afterSeq = 0): () => void {
  let lastSeq = afterSeq;
  let language = currentLanguage();
  let done = false;
  let source: EventSource;

  const open = () => {
    const current = new EventSource(jobEventsUrl(id, lastSeq, language));
    source = current;
    current.addEventListener('line', (event) => {
      const line = parse<LogLine>(event);
      if (!line) return;
      lastSeq = Math.max(lastSeq, line.seq);
      listener.onLine(line);
    });
    current.addEventListener('progress', (event) => {
      const progress = parse<JobProgress>(event);
      if (progress) listener.onProgress?.(progress);
    });
    current.addEventListener('end', (event) => {
      stop();
      const job = parse<JobSummary>(event);
      if (job) listener.onEnd(job);
      else listener.onFailed();
    });
    current.addEventListener('error', () => {
      // CONNECTING: the browser is already reconnecting by itself. CLOSED: it gave up.
      if (current.readyState !== EventSource.CLOSED || current !== source) return;
      stop();
      checkSession();
      listener.onFailed();
    });
  };

  const stopWatchingLanguage = onLanguageChange((next) => {
    if (done || next === language) return;
    language = next;
    source.close();
    open();
  });

  function stop() {
    done = true;
    source.close();
    stopWatchingLanguage();
  }

  open();
  return stop;
}

const feedRetryMs = 5_000;

interface FeedSubscriber {
  onJob(job: JobSummary): void;
  onConnected(): void;
}

/**
 * The job feed is one EventSource for the whole page, however many parts of it listen
 * (the frame's banner and bell, an app's page): a browser gives a site only a few
 * connections over HTTP/1.1. It opens with the first subscriber and closes with the last.
 */
const feed = {
  subscribers: new Set<FeedSubscriber>(),
  source: undefined as EventSource | undefined,
  language: '',
  retry: undefined as number | undefined,
};

function openFeed() {
  window.clearTimeout(feed.retry);
  feed.retry = undefined;
  feed.source?.close();
  feed.language = currentLanguage();
  const current = new EventSource(jobFeedUrl(feed.language));
  feed.source = current;
  current.addEventListener('open', () => {
    for (const subscriber of [...feed.subscribers]) subscriber.onConnected();
  });
  current.addEventListener('job', (event) => {
    const job = parse<JobSummary>(event);
    if (job) for (const subscriber of [...feed.subscribers]) subscriber.onJob(job);
  });
  current.addEventListener('error', () => {
    if (current.readyState !== EventSource.CLOSED || current !== feed.source) return;
    checkSession();
    feed.retry = window.setTimeout(openFeed, feedRetryMs);
  });
}

function closeFeed() {
  window.clearTimeout(feed.retry);
  feed.retry = undefined;
  feed.source?.close();
  feed.source = undefined;
  stopFeedLanguage?.();
  stopFeedLanguage = undefined;
}

let stopFeedLanguage: (() => void) | undefined;

/**
 * Every job that starts or ends, from the panel, the CLI over SSH or the scheduler.
 * The feed reports changes from the moment it connects: `onConnected` runs then (and
 * after every reconnection, in another language too), so whatever shows jobs can
 * reload what it missed. A subscriber joining a feed already open has missed nothing.
 */
export function watchJobFeed(onJob: (job: JobSummary) => void, onConnected: () => void): () => void {
  const subscriber: FeedSubscriber = { onJob, onConnected };
  feed.subscribers.add(subscriber);
  if (!feed.source) {
    openFeed();
    stopFeedLanguage = onLanguageChange((language) => {
      if (language !== feed.language) openFeed();
    });
  }
  return () => {
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size === 0) closeFeed();
  };
}
