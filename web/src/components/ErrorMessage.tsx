import { useTranslation } from 'react-i18next';
import type { Problem } from '../api/problems';

interface Props {
  problem: Problem | null;
  /** Seconds still to wait, counting down live in place of the server's figure. */
  secondsLeft?: number;
}

/** A translated error, announced to screen readers as it appears. */
export function ErrorMessage({ problem, secondsLeft }: Props) {
  const { t } = useTranslation();
  if (!problem) return null;
  const params = secondsLeft !== undefined && problem.params && 'seconds' in problem.params ? { ...problem.params, seconds: secondsLeft } : problem.params;
  return (
    <p className="message message-error" role="alert" data-code={problem.code}>
      {t(problem.key, params ?? {})}
    </p>
  );
}
