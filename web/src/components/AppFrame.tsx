import { useEffect, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useRoute } from 'wouter';
import { problemFrom, type Problem } from '../api/problems';
import { useUnreadCount, useUnreadCountRefresh } from '../hooks/useUnreadNotifications';
import { BrandMark } from './BrandMark';
import { ErrorMessage } from './ErrorMessage';
import { LanguageSelect } from './LanguageSelect';
import { WatchdogBanner } from './WatchdogBanner';

interface Props {
  username: string;
  onLogout: () => Promise<void>;
  children: ReactNode;
}

/**
 * The logged-in frame: the header with the sections, the language, Log out and the
 * notifications bell, and below it the banner of a change waiting for confirmation.
 * On a phone the sections fold into a menu behind one button; the bell stays in view.
 */
export function AppFrame({ username, onLogout, children }: Props) {
  const { t } = useTranslation();
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutProblem, setLogoutProblem] = useState<Problem | null>(null);
  const menuId = useId();
  useUnreadCountRefresh();

  // A section was chosen: fold the menu away again.
  useEffect(() => setMenuOpen(false), [location]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMenuOpen(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  const sections = [
    { href: '/', label: t('panel:nav.dashboard'), icon: <DashboardIcon /> },
    { href: '/apps', label: t('panel:nav.apps'), icon: <AppsIcon /> },
    { href: '/backups', label: t('panel:nav.backups'), icon: <BackupsIcon /> },
    { href: '/snapshots', label: t('snapshots:panel.nav'), icon: <SnapshotsIcon /> },
    { href: '/storage', label: t('panel:nav.storage'), icon: <StorageIcon /> },
    { href: '/updates', label: t('panel:nav.updates'), icon: <UpdatesIcon /> },
    { href: '/settings', label: t('panel:nav.settings'), icon: <SettingsIcon /> },
  ];

  async function logout() {
    setLoggingOut(true);
    setLogoutProblem(null);
    try {
      await onLogout();
    } catch (error) {
      setLogoutProblem(problemFrom(error));
    } finally {
      setLoggingOut(false);
    }
  }

  return (
    <div className="frame">
      <a className="skip-link" href="#main">
        {t('panel:nav.skipToContent')}
      </a>
      <div className="frame-top">
        <header className="topbar">
          <Link href="/" className="topbar-brand" aria-label={t('panel:nav.home')}>
            <BrandMark />
          </Link>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls={menuId}
            onClick={() => setMenuOpen((open) => !open)}
          >
            <MenuIcon open={menuOpen} />
            <span>{t('panel:nav.menu')}</span>
          </button>
          <div id={menuId} className="menu" data-open={menuOpen}>
            <nav className="sections" aria-label={t('panel:nav.label')}>
              <ul>
                {sections.map((section) => (
                  <li key={section.href}>
                    <SectionLink href={section.href} label={section.label} icon={section.icon} />
                  </li>
                ))}
              </ul>
            </nav>
            <div className="menu-tools">
              <LanguageSelect className="menu-language" />
              <span className="signed-in" title={t('panel:nav.signedInAs', { username })}>
                {username}
              </span>
              <button type="button" className="button button-quiet" onClick={() => void logout()} disabled={loggingOut}>
                <LogoutIcon />
                <span>{t('panel:nav.logout')}</span>
              </button>
            </div>
          </div>
          <NotificationsLink />
        </header>
        <WatchdogBanner />
      </div>
      <main id="main" className="content" tabIndex={-1}>
        <ErrorMessage problem={logoutProblem} />
        {children}
      </main>
    </div>
  );
}

function SectionLink({ href, label, icon }: { href: string; label: string; icon: ReactNode }) {
  // A section stays marked on its inner pages (/apps/hostname); the dashboard only on "/".
  const [active] = useRoute(href === '/' ? href : `${href}/*?`);
  return (
    <Link href={href} className="section-link" aria-current={active ? 'page' : undefined}>
      {icon}
      <span>{label}</span>
    </Link>
  );
}

/** The bell: how many notifications are unread, and the way to them. */
function NotificationsLink() {
  const { t } = useTranslation();
  const count = useUnreadCount() ?? 0;
  const [active] = useRoute('/notifications');
  const label = count > 0 ? t('panel:notifications.bellUnread', { count }) : t('panel:notifications.title');
  return (
    <Link href="/notifications" className="notifications-link" title={label} aria-label={label} aria-current={active ? 'page' : undefined}>
      <BellIcon />
      {count > 0 && (
        <span className="badge" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </Link>
  );
}

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const DashboardIcon = () => (
  <Icon>
    <rect x="3" y="3" width="7" height="9" rx="1.5" />
    <rect x="14" y="3" width="7" height="5" rx="1.5" />
    <rect x="14" y="12" width="7" height="9" rx="1.5" />
    <rect x="3" y="16" width="7" height="5" rx="1.5" />
  </Icon>
);
const AppsIcon = () => (
  <Icon>
    <path d="M12 3 3 7.5 12 12l9-4.5L12 3z" />
    <path d="M3 12l9 4.5 9-4.5M3 16.5 12 21l9-4.5" />
  </Icon>
);
const BackupsIcon = () => (
  <Icon>
    <ellipse cx="12" cy="6" rx="8" ry="3" />
    <path d="M4 6v6c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12v6c0 1.7 3.6 3 8 3s8-1.3 8-3v-6" />
  </Icon>
);
const StorageIcon = () => (
  <Icon>
    <rect x="3" y="5" width="18" height="6" rx="1.5" />
    <rect x="3" y="13" width="18" height="6" rx="1.5" />
    <path d="M7 8h.01M7 16h.01" />
  </Icon>
);
const SnapshotsIcon = () => (
  <Icon>
    <path d="M4 8a2 2 0 0 1 2-2h2l1.5-2h5L16 6h2a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2z" />
    <path d="M12 10v3l2 1.5" />
    <circle cx="12" cy="13" r="4" />
  </Icon>
);
const UpdatesIcon = () => (
  <Icon>
    <path d="M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5" />
  </Icon>
);
const SettingsIcon = () => (
  <Icon>
    <circle cx="12" cy="12" r="3" />
    <path d="M12 2v3M12 19v3M4.9 4.9 7 7M17 17l2.1 2.1M2 12h3M19 12h3M4.9 19.1 7 17M17 7l2.1-2.1" />
  </Icon>
);
const BellIcon = () => (
  <Icon>
    <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
    <path d="M10.3 21a1.9 1.9 0 0 0 3.4 0" />
  </Icon>
);
const LogoutIcon = () => (
  <Icon>
    <path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l5-5-5-5M15 12H4" />
  </Icon>
);

function MenuIcon({ open }: { open: boolean }) {
  return <Icon>{open ? <path d="M6 6l12 12M18 6 6 18" /> : <path d="M4 7h16M4 12h16M4 17h16" />}</Icon>;
}
