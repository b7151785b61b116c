import { useSyncExternalStore } from 'react';

let round = 0;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * What every page shows may be out of date (a change was undone, perhaps while this
 * page could not reach the box): the data of every page shown loads again.
 */
export function refreshPanelData() {
  round += 1;
  for (const listener of [...listeners]) listener();
}

/** A number that changes whenever refreshPanelData() is called. */
export function usePanelRefresh(): number {
  return useSyncExternalStore(subscribe, () => round);
}
