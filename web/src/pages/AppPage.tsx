import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { ApiError } from '../api/client';
import { api, type AppDetail, type JobSummary } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { initialValue, paramsForRun, type FormValue, type FormValues } from '../app-form';
import { AppFacts } from '../components/AppFacts';
import { AppStateBadge } from '../components/AppStateBadge';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobConsole } from '../components/JobConsole';
import { LastRuns } from '../components/LastRuns';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { ParamField } from '../components/ParamField';
import { useApiData } from '../hooks/useApiData';
import { useJobFeed } from '../hooks/useJobFeed';
import { useJobLog } from '../hooks/useJobLog';
import { formatDateTime } from '../jobs';
import '../apps.css';

type FieldErrors = Record<string, string[]>;

/**
 * One app: what it is, its form, Apply (or Run) and its own actions, the live log of
 * the job being shown and the last runs. A job of this app started anywhere else (the
 * CLI over SSH, another browser) shows up in the console as it runs.
 */
export function AppPage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { data: detail, problem: loadProblem, reload } = useApiData(`app:${id}`, (options) => api.app(id, options));
  const [shownJob, setShownJob] = useState<JobSummary | null>(null);
  const newestJobId = useRef(0);
  const attached = useRef(false);
  const startedHere = useRef(new Set<number>());
  const consoleRef = useRef<HTMLElement>(null);
  const form = useAppForm(detail);

  // On the first load (after a reload of the page, too) follow the app's job if it still runs;
  // on later loads show any newer job, one the live feed may have missed while it was away.
  useEffect(() => {
    if (!detail) return;
    const latest = detail.lastRuns[0];
    const isNewer = latest !== undefined && latest.id > newestJobId.current;
    for (const run of detail.lastRuns) newestJobId.current = Math.max(newestJobId.current, run.id);
    const firstLoad = !attached.current;
    attached.current = true;
    if (latest && (firstLoad ? latest.status === 'running' : isNewer)) setShownJob(latest);
  }, [detail]);

  const onJobEnded = useCallback(
    (job: JobSummary) => {
      reload();
      if (job.status === 'succeeded' && startedHere.current.has(job.id)) form.reset();
    },
    [reload, form.reset],
  );
  const log = useJobLog(shownJob, onJobEnded);

  // A job of this app that appears (started elsewhere) takes the console; an ended one refreshes the page.
  const onFeedJob = useCallback(
    (job: JobSummary) => {
      if (job.appId !== id) return;
      if (job.id > newestJobId.current) {
        newestJobId.current = job.id;
        setShownJob(job);
      }
      if (job.status !== 'running') reload();
      // The feed tells every end, also of a job the console no longer shows: the owner's edits
      // are the box's own once their job succeeded, and stale once the watchdog put the old values back.
      if (job.status === 'succeeded' && (startedHere.current.has(job.id) || job.startedBy === 'watchdog')) form.reset();
    },
    [id, reload, form.reset],
  );
  // Each time the feed (re)connects, reload: a job may have started or ended while it was not listening.
  useJobFeed(onFeedJob, reload);

  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});

  // The box's field messages are in the language of the request: drop them when the language changes.
  const language = i18n.resolvedLanguage;
  const [messagesLanguage, setMessagesLanguage] = useState(language);
  if (messagesLanguage !== language) {
    setMessagesLanguage(language);
    setFieldErrors({});
    setProblem(null);
  }

  async function run(action?: string) {
    if (!detail) return;
    setSubmitting(true);
    setProblem(null);
    setFieldErrors({});
    try {
      const { job } = await api.runApp(id, { params: paramsForRun(detail.params, form.values), ...(action ? { action } : {}) });
      startedHere.current.add(job.id);
      newestJobId.current = Math.max(newestJobId.current, job.id);
      setShownJob(job);
      consoleRef.current?.scrollIntoView?.({ block: 'nearest' });
    } catch (error) {
      if (error instanceof ApiError && error.fields.length > 0) {
        const byParam: FieldErrors = {};
        for (const field of error.fields) (byParam[field.param] ??= []).push(field.message);
        setFieldErrors(byParam);
        focusParam.current = detail.params.find((param) => param.id in byParam)?.id ?? null;
      }
      setProblem(readableProblem(problemFrom(error), detail, i18n.resolvedLanguage));
    } finally {
      setSubmitting(false);
    }
  }

  // The first refused field takes the focus, so it is read out with its message; once the form is enabled again.
  const focusParam = useRef<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  // A run of this app still going (shown or not: the owner may be reading an older log) keeps the form shut.
  const appRunning = log?.job.status === 'running' || Boolean(detail?.lastRuns.some((run) => run.status === 'running'));
  const formEnabled = Boolean(detail?.available) && !submitting && !appRunning;
  useEffect(() => {
    if (!focusParam.current || !formEnabled) return;
    formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(focusParam.current)}"]`)?.focus();
    focusParam.current = null;
  }, [fieldErrors, formEnabled]);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void run();
  }

  function change(paramId: string, value: FormValue) {
    form.set(paramId, value);
    if (fieldErrors[paramId]) setFieldErrors(({ [paramId]: _dropped, ...rest }) => rest);
  }

  if (!detail) {
    return (
      <>
        <BackToApps />
        {loadProblem ? (
          <div className="notice">
            <ErrorMessage problem={loadProblem} />
            <button type="button" className="button button-quiet" onClick={reload}>
              {t('panel:common.retry')}
            </button>
          </div>
        ) : (
          <Loading />
        )}
      </>
    );
  }

  // How the shown job ended, as last loaded: its stream said it in the language of that moment, the page in the one shown now.
  const shownSummary = log ? (detail.lastRuns.find((run) => run.id === log.job.id && run.status === log.job.status) ?? log.job) : null;
  const busy = submitting || appRunning;
  const mainLabel = detail.kind === 'configure' ? t('panel:appPage.apply') : t('panel:appPage.run');

  return (
    <>
      <BackToApps />
      <PageHeader title={detail.name} className="app-header">
        <AppStateBadge app={detail} />
      </PageHeader>
      <p className="lead app-description">{detail.description}</p>
      {detail.info && (
        <p className="message message-warning app-info" role="note">
          {detail.info}
        </p>
      )}
      {!detail.available && (
        <p className="message message-warning" role="note">
          {t('panel:appPage.unavailable', { reason: detail.unavailableReason ?? '' })}
        </p>
      )}
      {loadProblem && <ErrorMessage problem={loadProblem} />}

      <div className="app-layout">
        <div className="app-main">
          <section className="card" aria-labelledby="form-heading">
            <h2 id="form-heading">{t('panel:appPage.settings')}</h2>
            <form ref={formRef} className="form app-form" onSubmit={submit} noValidate>
              <fieldset className="step" disabled={!detail.available || busy}>
                <legend className="visually-hidden">{t('panel:appPage.settings')}</legend>
                {detail.params.length === 0 && <p className="muted">{t('panel:appPage.noParams')}</p>}
                {detail.params.map((param) => (
                  <ParamField
                    key={param.id}
                    param={param}
                    value={form.values[param.id] ?? initialValue(param)}
                    onChange={(value) => change(param.id, value)}
                    errors={fieldErrors[param.id] ?? []}
                  />
                ))}
                <ErrorMessage problem={problem} />
                <div className="form-actions">
                  <button type="submit" className="button button-primary">
                    {busy ? t('panel:appPage.busy') : mainLabel}
                  </button>
                  {detail.actions.map((action) => (
                    <button key={action.id} type="button" className="button button-secondary" onClick={() => void run(action.id)}>
                      {action.label}
                    </button>
                  ))}
                </div>
              </fieldset>
            </form>
          </section>
          <AppFacts details={detail.details} />
        </div>
        <div className="app-side">
          <JobConsole ref={consoleRef} log={log} job={shownSummary} actions={detail.actions} />
          <LastRuns runs={detail.lastRuns} actions={detail.actions} shownId={log?.job.id} onShow={setShownJob} />
        </div>
      </div>
    </>
  );
}

function BackToApps() {
  const { t } = useTranslation();
  return (
    <p className="back-link">
      <Link href="/apps">← {t('panel:appPage.back')}</Link>
    </p>
  );
}

/**
 * The form's values: what the box has now, overlaid with what the owner changed. A
 * reload (another language, a job that ended) keeps the changes; reset() drops them
 * once a job started here has made them the box's own.
 */
function useAppForm(detail: AppDetail | null) {
  const [edits, setEdits] = useState<FormValues>({});
  const values: FormValues = {};
  for (const param of detail?.params ?? []) values[param.id] = param.id in edits ? edits[param.id]! : initialValue(param);
  const set = useCallback((paramId: string, value: FormValue) => setEdits((current) => ({ ...current, [paramId]: value })), []);
  const reset = useCallback(() => setEdits({}), []);
  return { values, set, reset };
}

/** The box names the app by its id and the holder's start as an ISO time; the owner reads its name and a local time. */
function readableProblem(problem: Problem, detail: AppDetail, language: string | undefined): Problem {
  if (!problem.params) return problem;
  const params = { ...problem.params };
  if (params.app === detail.id) params.app = detail.name;
  if (typeof params.since === 'string') params.since = formatDateTime(language, params.since);
  return { ...problem, params };
}
