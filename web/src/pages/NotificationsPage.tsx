import { useCallback, useEffect, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { isAbort } from '../api/client';
import { api, type PanelNotification } from '../api/endpoints';
import { problemFrom, type Problem } from '../api/problems';
import { ErrorMessage } from '../components/ErrorMessage';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatRelativeTime } from '../format';
import { useJobFeed } from '../hooks/useJobFeed';
import { setUnreadCount, setUnreadCountFrom, unreadVersion, useUnreadCount } from '../hooks/useUnreadNotifications';
import { formatDateTime } from '../jobs';
import '../notifications.css';

export const pageSize = 20;
/** The API gives at most this many at once. */
const maxPage = 200;
const relativeTimeTickMs = 30_000;

/**
 * What the box told the owner, newest first: level, when, the text (plain text, never
 * markup; line breaks kept) and what each channel made of it — sent by e-mail ✓,
 * webhook failed: why. Mark all read clears the bell. The list follows new ones in:
 * after every job that ends, and whenever the bell's figure changes.
 */
export function NotificationsPage() {
  const { t } = useTranslation();
  const [items, setItems] = useState<PanelNotification[] | null>(null);
  const [more, setMore] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [marking, setMarking] = useState(false);
  const [said, setSaid] = useState('');
  const unread = useUnreadCount();
  /** The unread figure that came with the list shown: another one means the list is out of date. */
  const listUnread = useRef<number | null>(null);
  const shownCount = useRef(pageSize);
  const inFlight = useRef<AbortController | null>(null);

  // The newest ones again, as many as are shown (older pages included), replacing the list.
  const refresh = useCallback(async () => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const limit = Math.min(Math.max(shownCount.current, pageSize), maxPage);
    const askedAt = unreadVersion();
    try {
      const list = await api.notifications({ limit }, { signal: controller.signal });
      listUnread.current = list.unread;
      setUnreadCountFrom(askedAt, list.unread);
      setItems(list.notifications);
      setMore(list.notifications.length === limit);
      setProblem(null);
    } catch (error) {
      if (!isAbort(error) && !controller.signal.aborted) setProblem(problemFrom(error));
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
    }
  }, []);

  useEffect(() => {
    void refresh();
    return () => inFlight.current?.abort();
  }, [refresh]);

  useJobFeed(
    (job) => {
      if (job.status !== 'running') void refresh();
    },
    () => void refresh(),
  );

  useEffect(() => {
    if (unread !== null && listUnread.current !== null && unread !== listUnread.current) void refresh();
  }, [unread, refresh]);

  async function showOlder() {
    const last = items?.at(-1);
    if (!last) return;
    setLoadingMore(true);
    try {
      const list = await api.notifications({ limit: pageSize, before: last.id });
      setItems((current) => {
        const known = new Set((current ?? []).map((n) => n.id));
        const next = [...(current ?? []), ...list.notifications.filter((n) => !known.has(n.id))];
        shownCount.current = next.length;
        return next;
      });
      setMore(list.notifications.length === pageSize);
      setProblem(null);
    } catch (error) {
      setProblem(problemFrom(error));
    } finally {
      setLoadingMore(false);
    }
  }

  async function markAllRead() {
    const newest = items?.[0];
    if (!newest) return;
    setMarking(true);
    setSaid('');
    // A refresh asked for before would bring the old marks back.
    inFlight.current?.abort();
    try {
      const result = await api.markNotificationsRead({ upTo: newest.id });
      const readAt = new Date().toISOString();
      listUnread.current = result.unread;
      setUnreadCount(result.unread);
      setItems((current) => current?.map((n) => (n.readAt === null && n.id <= newest.id ? { ...n, readAt } : n)) ?? null);
      setSaid(t('panel:notifications.markedAllRead'));
      setProblem(null);
      // Newer ones came in meanwhile: show them.
      if (result.unread > 0) void refresh();
    } catch (error) {
      setProblem(problemFrom(error));
    } finally {
      setMarking(false);
    }
  }

  const hasUnread = (unread ?? 0) > 0 || Boolean(items?.some((n) => n.readAt === null));

  return (
    <>
      <PageHeader title={t('panel:notifications.title')}>
        {items && items.length > 0 && (
          <button type="button" className="button button-secondary" onClick={() => void markAllRead()} disabled={!hasUnread || marking}>
            {t('panel:notifications.markAllRead')}
          </button>
        )}
      </PageHeader>
      <p className="lead notifications-lead">
        {t('panel:notifications.intro')} <Link href="/apps/notifications">{t('panel:notifications.setUp')}</Link>
      </p>
      <p className="visually-hidden" role="status">
        {said}
      </p>
      {problem && (
        <div className="notice">
          <ErrorMessage problem={problem} />
          <button type="button" className="button button-quiet" onClick={() => void refresh()}>
            {t('panel:common.retry')}
          </button>
        </div>
      )}
      {items === null ? (
        !problem && <Loading />
      ) : items.length === 0 ? (
        <section className="card empty-state">
          <h2>{t('panel:notifications.emptyTitle')}</h2>
          <p>{t('panel:notifications.empty')}</p>
        </section>
      ) : (
        <NotificationList items={items} />
      )}
      {more && (
        <p className="notifications-more">
          <button type="button" className="button" onClick={() => void showOlder()} disabled={loadingMore}>
            {loadingMore ? t('panel:common.loading') : t('panel:notifications.showOlder')}
          </button>
        </p>
      )}
    </>
  );
}

function NotificationList({ items }: { items: readonly PanelNotification[] }) {
  // "5 minutes ago" moves on by itself.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), relativeTimeTickMs);
    return () => window.clearInterval(timer);
  }, []);
  return (
    <ol className="notification-list">
      {items.map((notification) => (
        <li key={notification.id}>
          <NotificationItem notification={notification} now={now} />
        </li>
      ))}
    </ol>
  );
}

function NotificationItem({ notification, now }: { notification: PanelNotification; now: number }) {
  const { t, i18n } = useTranslation();
  const { id, level, title, body, at, readAt, deliveries } = notification;
  const unread = readAt === null;
  const headingId = `notification-${id}`;
  return (
    <article className="notification" data-level={level} data-unread={unread} aria-labelledby={headingId}>
      <div className="notification-meta">
        <span className="notification-level" data-level={level}>
          {t(`panel:notifications.level.${level}`)}
        </span>
        {unread && <span className="notification-new">{t('panel:notifications.unread')}</span>}
        <time className="notification-time" dateTime={at} title={formatDateTime(i18n.resolvedLanguage, at)}>
          {formatRelativeTime(i18n.resolvedLanguage, at, now)}
        </time>
      </div>
      <h2 id={headingId} className="notification-title">
        {title}
      </h2>
      {body && <p className="notification-body">{body}</p>}
      <ul className="deliveries" aria-label={t('panel:notifications.deliveries')}>
        {deliveries.length === 0 ? (
          <li className="delivery">{t('panel:notifications.delivery.panelOnly')}</li>
        ) : (
          deliveries.map((delivery) => (
            <li key={delivery.channel} className="delivery" data-ok={delivery.ok}>
              {deliveryText(t, delivery)}
            </li>
          ))
        )}
      </ul>
    </article>
  );
}

/** "Sent by e-mail ✓", "Webhook failed: 500 Internal Server Error". */
function deliveryText(t: TFunction, delivery: PanelNotification['deliveries'][number]): string {
  const channel = delivery.channel === 'email' || delivery.channel === 'webhook' ? delivery.channel : 'other';
  if (delivery.ok) return t(`panel:notifications.delivery.${channel}Sent`, { channel: delivery.channel });
  return t(`panel:notifications.delivery.${channel}Failed`, { channel: delivery.channel, error: delivery.error || t('panel:notifications.delivery.noReason') });
}
