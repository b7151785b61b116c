import { lazy, Suspense, useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { ApiError, onUnauthenticated } from './api/client';
import { api, type ActivationStatus, type SessionInfo } from './api/endpoints';
import { problemFrom, type Problem } from './api/problems';
import { AppFrame } from './components/AppFrame';
import { ErrorMessage } from './components/ErrorMessage';
import { Loading } from './components/Loading';
import { PublicLayout } from './components/PublicLayout';
import { ActivatePage } from './pages/ActivatePage';
import { DashboardPage } from './pages/DashboardPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SettingsPage } from './pages/SettingsPage';
import { restoreSettled } from './restore-notice';

type AppState =
  | { phase: 'loading' }
  | { phase: 'failed'; problem: Problem }
  | { phase: 'ready'; activation: ActivationStatus; session: SessionInfo | null };

// The Apps section is one lazily loaded chunk: a first visit to the dashboard does not download it.
const loadAppsSection = () => import('./pages/apps-section');
const AppsPage = lazy(() => loadAppsSection().then((module) => ({ default: module.AppsPage })));
const AppPage = lazy(() => loadAppsSection().then((module) => ({ default: module.AppPage })));
const NotificationsPage = lazy(() => import('./pages/NotificationsPage').then((module) => ({ default: module.NotificationsPage })));
const BackupsPage = lazy(() => import('./pages/BackupsPage').then((module) => ({ default: module.BackupsPage })));
const UpdatesPage = lazy(() => import('./pages/UpdatesPage').then((module) => ({ default: module.UpdatesPage })));
const SnapshotsPage = lazy(() => import('./pages/SnapshotsPage').then((module) => ({ default: module.SnapshotsPage })));
const StoragePage = lazy(() => import('./pages/StoragePage').then((module) => ({ default: module.StoragePage })));

/** Pages nobody should be sent back to after logging in. */
const entryPages = new Set(['/activate', '/login']);

/**
 * Where the owner may be: a box that is not activated shows only Activate; without
 * a session only Login; with one the panel. Any API call answering 401 ends the session.
 */
export function App() {
  const [state, setState] = useState<AppState>({ phase: 'loading' });
  const [, navigate] = useLocation();
  const returnTo = useRef<string | null>(null);

  const load = useCallback(async () => {
    setState({ phase: 'loading' });
    try {
      const activation = await api.activationStatus();
      let session: SessionInfo | null = null;
      if (activation.activated && activation.signedIn) {
        try {
          session = await api.session();
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 401)) throw error;
        }
      }
      setState({ phase: 'ready', activation, session });
    } catch (error) {
      setState({ phase: 'failed', problem: problemFrom(error) });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    onUnauthenticated(() => setState((current) => (current.phase === 'ready' && current.session ? { ...current, session: null } : current)));
    return () => onUnauthenticated(undefined);
  }, []);

  const reloadState = useCallback(() => void load(), [load]);

  const activated = useCallback(
    (session: SessionInfo) => {
      setState((current) => ({
        phase: 'ready',
        activation: { activated: true, clientOnLan: current.phase === 'ready' ? current.activation.clientOnLan : true, signedIn: true },
        session,
      }));
      navigate('/', { replace: true });
    },
    [navigate],
  );

  const loggedIn = useCallback(
    (session: SessionInfo) => {
      setState((current) => (current.phase === 'ready' ? { ...current, session } : current));
      navigate(returnTo.current ?? '/', { replace: true });
      returnTo.current = null;
    },
    [navigate],
  );

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch (error) {
      // 401: the session had already ended; anything else is the frame's to show.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    returnTo.current = null;
    // Logged out on purpose: the login page has no restore to explain.
    restoreSettled();
    setState((current) => (current.phase === 'ready' ? { ...current, session: null } : current));
    navigate('/login', { replace: true });
  }, [navigate]);

  if (state.phase === 'loading') {
    return (
      <div className="boot">
        <Loading />
      </div>
    );
  }

  if (state.phase === 'failed') return <BootFailure problem={state.problem} onRetry={reloadState} />;

  const { activation, session } = state;

  if (!activation.activated) {
    return (
      <Switch>
        <Route path="/activate">
          <PublicLayout>
            <ActivatePage clientOnLan={activation.clientOnLan} onActivated={activated} onAlreadyActivated={reloadState} />
          </PublicLayout>
        </Route>
        <Route>
          <Redirect to="/activate" replace />
        </Route>
      </Switch>
    );
  }

  if (!session) {
    return (
      <Switch>
        <Route path="/login">
          <PublicLayout>
            <LoginPage onLoggedIn={loggedIn} onNotActivated={reloadState} />
          </PublicLayout>
        </Route>
        <Route>
          <GoToLogin returnTo={returnTo} />
        </Route>
      </Switch>
    );
  }

  return (
    <Switch>
      <Route path="/activate">
        <Redirect to="/" replace />
      </Route>
      <Route path="/login">
        <Redirect to="/" replace />
      </Route>
      <Route>
        <AppFrame username={session.username} onLogout={logout}>
          <Suspense fallback={<Loading />}>
            <Switch>
              <Route path="/" component={DashboardPage} />
              <Route path="/apps" component={AppsPage} />
              <Route path="/apps/:id">{(params) => <AppPage key={params.id} id={params.id} />}</Route>
              <Route path="/backups" component={BackupsPage} />
              <Route path="/snapshots" component={SnapshotsPage} />
              <Route path="/storage" component={StoragePage} />
              <Route path="/updates" component={UpdatesPage} />
              <Route path="/settings" component={SettingsPage} />
              <Route path="/notifications" component={NotificationsPage} />
              <Route component={NotFoundPage} />
            </Switch>
          </Suspense>
        </AppFrame>
      </Route>
    </Switch>
  );
}

/** Sends to the login page, remembering the page asked for to come back to it afterwards. */
function GoToLogin({ returnTo }: { returnTo: RefObject<string | null> }) {
  const [location, navigate] = useLocation();
  useLayoutEffect(() => {
    if (!entryPages.has(location)) returnTo.current = location;
    navigate('/login', { replace: true });
  }, [location, navigate, returnTo]);
  return null;
}

function BootFailure({ problem, onRetry }: { problem: Problem; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <PublicLayout>
      <h1>{t('panel:boot.failedTitle')}</h1>
      <ErrorMessage problem={problem} />
      <button type="button" className="button button-primary" onClick={onRetry}>
        {t('panel:common.retry')}
      </button>
    </PublicLayout>
  );
}
