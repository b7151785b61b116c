import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearch } from 'wouter';
import { api, type AppList } from '../api/endpoints';
import { AppRow } from '../components/AppRow';
import { ErrorMessage } from '../components/ErrorMessage';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { SearchField } from '../components/SearchField';
import { useApiData } from '../hooks/useApiData';
import { useJobFeed } from '../hooks/useJobFeed';
import '../apps.css';

type Category = AppList['categories'][number];

/** Lower case, accents folded: "Zeitzone" finds "zeitzone", "resume" finds "résumé". */
function folded(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** The categories with the apps whose name, id or description has every word of the query. */
export function filterApps(categories: readonly Category[], query: string): Category[] {
  const words = folded(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...categories];
  return categories
    .map((category) => ({
      ...category,
      apps: category.apps.filter((app) => {
        const haystack = folded(`${app.name} ${app.id} ${app.description}`);
        return words.every((word) => haystack.includes(word));
      }),
    }))
    .filter((category) => category.apps.length > 0);
}

/** The query lives in the address (?q=), so coming back from an app keeps the search. */
function useSearchQuery(): [string, (query: string) => void] {
  const search = useSearch();
  const [, navigate] = useLocation();
  const [query, setQuery] = useState(() => new URLSearchParams(search).get('q') ?? '');
  useEffect(() => {
    const params = new URLSearchParams(search);
    if ((params.get('q') ?? '') === query) return;
    if (query) params.set('q', query);
    else params.delete('q');
    const rest = params.toString();
    navigate(rest ? `/apps?${rest}` : '/apps', { replace: true });
  }, [query, search, navigate]);
  return [query, setQuery];
}

/** Every config app by category, with a search box; ticks follow jobs that end anywhere. */
export function AppsPage() {
  const { t } = useTranslation();
  const { data, problem, reload } = useApiData('apps', (options) => api.apps(options));
  const [query, setQuery] = useSearchQuery();

  const onJob = useCallback((job: { status: string }) => {
    if (job.status !== 'running') reload();
  }, [reload]);
  useJobFeed(onJob, reload);

  const categories = useMemo(() => (data ? filterApps(data.categories, query) : []), [data, query]);
  const found = categories.reduce((sum, category) => sum + category.apps.length, 0);
  const status = data && query.trim() ? (found ? t('panel:apps.found', { count: found }) : t('panel:apps.noMatch', { query: query.trim() })) : undefined;

  return (
    <>
      <PageHeader title={t('panel:nav.apps')} />
      <p className="lead">{t('panel:apps.intro')}</p>
      <SearchField label={t('panel:apps.searchLabel')} placeholder={t('panel:apps.searchPlaceholder')} value={query} onChange={setQuery} status={status} />
      {problem && (
        <div className="notice">
          <ErrorMessage problem={problem} />
          <button type="button" className="button button-quiet" onClick={reload}>
            {t('panel:common.retry')}
          </button>
        </div>
      )}
      {data ? (
        data.categories.length === 0 ? (
          <p className="muted">{t('panel:apps.none')}</p>
        ) : (
          <div className="app-catalog">
            {categories.map((category) => (
              <AppCategory key={category.id} category={category} />
            ))}
          </div>
        )
      ) : (
        !problem && <Loading />
      )}
    </>
  );
}

function AppCategory({ category }: { category: Category }) {
  const headingId = `category-${category.id}`;
  return (
    <section className="card app-category" aria-labelledby={headingId}>
      <h2 id={headingId}>{category.name}</h2>
      <ul className="app-list">
        {category.apps.map((app) => (
          <AppRow key={app.id} app={app} />
        ))}
      </ul>
    </section>
  );
}
