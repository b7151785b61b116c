import { useLayoutEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { LogLine } from '../api/endpoints';
import { logLineText } from '../log-text';

interface Props {
  label: string;
  lines: readonly LogLine[];
  hiddenLines: number;
}

/** Within this many pixels of the end the console counts as "at the bottom" and follows new lines. */
const bottomSlackPx = 24;

/**
 * A job's output, monospace, error output marked. It follows new lines while the
 * owner is at the bottom; scrolling up to read stops that until they scroll back down.
 */
export function LogView({ label, lines, hiddenLines }: Props) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useLayoutEffect(() => {
    const element = box.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  function onScroll() {
    const element = box.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight <= bottomSlackPx;
  }

  return (
    // A scrolling region is focusable, so it can be scrolled with the keyboard.
    <div ref={box} className="log" role="log" aria-label={label} tabIndex={0} onScroll={onScroll}>
      {hiddenLines > 0 && <p className="log-note">{t('panel:jobs.hiddenLines', { count: hiddenLines })}</p>}
      {lines.map((line) => (
        <LogLineRow key={line.seq} line={line} />
      ))}
    </div>
  );
}

function LogLineRow({ line }: { line: LogLine }) {
  const { t } = useTranslation();
  return (
    <div className="log-line" data-stream={line.stream}>
      {line.stream === 'err' && <span className="visually-hidden">{t('panel:jobs.errorOutput')} </span>}
      {logLineText(line.text)}
    </div>
  );
}
