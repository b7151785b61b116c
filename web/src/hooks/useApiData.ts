import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isAbort, type RequestOptions } from '../api/client';
import { problemFrom, type Problem } from '../api/problems';
import { usePanelRefresh } from './usePanelRefresh';

interface Loaded<T> {
  key: string;
  data: T | null;
  problem: Problem | null;
}

/**
 * Data from the API for one `key` (e.g. an app id), fetched again when the language
 * changes (the server translates names and help), on reload() and on
 * refreshPanelData() (a change was undone). What was shown
 * stays until the new answer is in; a newer request aborts the older one.
 */
export function useApiData<T>(key: string, load: (options: RequestOptions) => Promise<T>) {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage;
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  const [loaded, setLoaded] = useState<Loaded<T>>({ key, data: null, problem: null });
  const [round, setRound] = useState(0);
  const refreshRound = usePanelRefresh();

  useEffect(() => {
    const controller = new AbortController();
    loader.current({ signal: controller.signal }).then(
      (data) => {
        if (!controller.signal.aborted) setLoaded({ key, data, problem: null });
      },
      (error: unknown) => {
        if (isAbort(error) || controller.signal.aborted) return;
        setLoaded((current) => ({ key, data: current.key === key ? current.data : null, problem: problemFrom(error) }));
      },
    );
    return () => controller.abort();
  }, [key, language, round, refreshRound]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  const current = loaded.key === key ? loaded : { data: null, problem: null };
  return { data: current.data, problem: current.problem, reload };
}
